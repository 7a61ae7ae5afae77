import type { Listed } from '../../src/http/model'
import type { ScheduleView } from '../../src/schedules/model'
import { statusClass } from '../ui/badge'
import { formatInZone } from '../ui/format'
import { Layout, PageHeader } from '../ui/layout'
import { DataTable, NameLink } from '../ui/table'

/** The schedules list: when each runs, its last outcome, and the enable/disable toggle. */

/** The last fire's session status (a link to it), or why there is none. */
export function LastOutcome({ s }: { s: ScheduleView }) {
	if (s.lastSession) {
		return (
			<a
				href={`/sessions/${s.lastSession.id}`}
				class={`badge ${statusClass(s.lastSession.status)}`}
				safe
			>
				{s.lastSession.status}
			</a>
		)
	}
	return <span class="text-xs text-slate-400">{s.lastRunAt ? 'did not start' : 'never run'}</span>
}

/** Enable/disable: a real form (works without JavaScript), answered with a redirect to the list. */
export function ToggleForm({ s }: { s: ScheduleView }) {
	return (
		<form method="post" action={`/api/scheduled-jobs/${s.id}/toggle`} class="inline">
			<input type="hidden" name="isEnabled:boolean" value={s.isEnabled ? 'false' : 'true'} />
			<button
				type="submit"
				class={
					s.isEnabled
						? 'badge bg-emerald-100 text-emerald-800 hover:bg-emerald-200'
						: 'badge bg-slate-200 text-slate-700 hover:bg-slate-300'
				}
				title={s.isEnabled ? 'Click to disable' : 'Click to enable'}
				aria-pressed={s.isEnabled ? 'true' : 'false'}
			>
				{s.isEnabled ? 'enabled' : 'disabled'}
			</button>
		</form>
	)
}

function ScheduleTable({ schedules }: { schedules: ScheduleView[] }) {
	if (!schedules.length) {
		return (
			<div id="schedule-table" class="card text-sm text-slate-600">
				No schedules yet. Schedule a scenario to run it regularly and watch its cost over time.
			</div>
		)
	}
	return (
		<div id="schedule-table" class="card overflow-x-auto p-0">
			<DataTable
				columns={[
					'Schedule',
					'Scenario → target',
					'When',
					'Next run',
					'Last run',
					'Last outcome',
					'State',
				]}
			>
				{schedules.map((s) => (
					<tr>
						<td>
							<NameLink href={`/schedules/${s.id}`} name={s.name || s.cronExpression} />
						</td>
						<td class="text-xs">
							<span safe>{s.scenario.name}</span> →{' '}
							<span safe>{s.target?.name ?? '(no target)'}</span>
						</td>
						<td class="text-xs">
							<code safe>{s.cronExpression}</code>
							<div class="text-slate-500" safe>{`${s.description} (${s.timezone})`}</div>
						</td>
						<td class="text-xs">{s.isEnabled ? formatInZone(s.nextRunAt, s.timezone) : '—'}</td>
						<td class="text-xs" safe>
							{formatInZone(s.lastRunAt, s.timezone)}
						</td>
						<td>
							<LastOutcome s={s} />
						</td>
						<td>
							<ToggleForm s={s} />
						</td>
					</tr>
				))}
			</DataTable>
		</div>
	)
}

export function SchedulesPage({ schedules }: { schedules: ScheduleView[] }) {
	return (
		<Layout title="Schedules" active="/schedules">
			<PageHeader title="Schedules">
				<a class="btn" href="/schedules/new">
					New schedule
				</a>
			</PageHeader>
			<ScheduleTable schedules={schedules} />
		</Layout>
	)
}

/** GET /api/scheduled-jobs for htmx. */
export const ScheduleRows = (r: Listed<ScheduleView>) => <ScheduleTable schedules={r.data} />
