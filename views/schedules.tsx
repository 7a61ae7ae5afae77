import type { CronPreview, ScheduleFormOptions, ScheduleView } from '../src/schedules/service'
import { DataTable } from './components'
import { Layout, PageHeader } from './layout'
import { ScheduleForm, inZone } from './schedule-form'

const OUTCOME: Record<string, string> = {
	COMPLETED: 'bg-emerald-100 text-emerald-800',
	FAILED: 'bg-red-100 text-red-800',
	CANCELLED: 'bg-slate-200 text-slate-700',
	RUNNING: 'bg-sky-100 text-sky-800',
	QUEUED: 'bg-amber-100 text-amber-800',
	PENDING: 'bg-amber-100 text-amber-800',
}

function LastOutcome({ s }: { s: ScheduleView }) {
	if (s.lastSession) {
		return (
			<a
				href={`/sessions/${s.lastSession.id}`}
				class={`badge ${OUTCOME[s.lastSession.status] ?? 'bg-slate-100'}`}
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

export function ScheduleTable({ schedules }: { schedules: ScheduleView[] }) {
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
							<a
								class="font-medium text-indigo-700 hover:underline"
								href={`/schedules/${s.id}`}
								safe
							>
								{s.name || s.cronExpression}
							</a>
						</td>
						<td class="text-xs">
							<span safe>{s.scenario.name}</span> →{' '}
							<span safe>{s.target?.name ?? '(no target)'}</span>
						</td>
						<td class="text-xs">
							<code safe>{s.cronExpression}</code>
							<div class="text-slate-500" safe>{`${s.description} (${s.timezone})`}</div>
						</td>
						<td class="text-xs">{s.isEnabled ? inZone(s.nextRunAt, s.timezone) : '—'}</td>
						<td class="text-xs" safe>
							{inZone(s.lastRunAt, s.timezone)}
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

export function ScheduleSummary({ s }: { s: ScheduleView }) {
	return (
		<div id="schedule-summary" class="card">
			<dl class="grid grid-cols-[max-content_1fr] gap-x-6 gap-y-1 text-sm">
				<dt class="text-slate-500">Runs</dt>
				<dd safe>{`${s.description} (${s.cronExpression}, ${s.timezone})`}</dd>
				<dt class="text-slate-500">Scenario → target</dt>
				<dd safe>{`${s.scenario.name} → ${s.target?.name ?? '(no target)'}`}</dd>
				<dt class="text-slate-500">Next run</dt>
				<dd>{s.isEnabled ? inZone(s.nextRunAt, s.timezone) : 'disabled'}</dd>
				<dt class="text-slate-500">Last run</dt>
				<dd>
					<span safe>{inZone(s.lastRunAt, s.timezone)}</span> <LastOutcome s={s} />
				</dd>
			</dl>
		</div>
	)
}

export function NewSchedulePage(props: { options: ScheduleFormOptions; preview: CronPreview }) {
	return (
		<Layout title="New schedule" active="/schedules">
			<PageHeader title="New schedule" />
			<ScheduleForm {...props} />
		</Layout>
	)
}

export function ScheduleEditPage(props: {
	schedule: ScheduleView
	options: ScheduleFormOptions
	preview: CronPreview
}) {
	const s = props.schedule
	return (
		<Layout title={s.name || 'Schedule'} active="/schedules">
			<PageHeader title={s.name || s.cronExpression}>
				<ToggleForm s={s} />
				<form
					method="post"
					action={`/api/scheduled-jobs/${s.id}/delete`}
					hx-confirm="Delete this schedule?"
				>
					<button class="btn-danger" type="submit">
						Delete
					</button>
				</form>
			</PageHeader>
			<div class="space-y-6">
				<ScheduleSummary s={s} />
				<ScheduleForm {...props} />
			</div>
		</Layout>
	)
}
