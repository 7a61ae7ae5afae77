import type { Envelope } from '../../src/http/model'
import type { CronPreview, ScheduleFormOptions, ScheduleView } from '../../src/schedules/model'
import { formatInZone } from '../ui/format'
import { Layout, PageHeader } from '../ui/layout'
import { ScheduleForm } from './form'
import { LastOutcome, ToggleForm } from './list'

/** A schedule's page (summary and edit form) and the new-schedule page. */

function ScheduleSummary({ s }: { s: ScheduleView }) {
	return (
		<div id="schedule-summary" class="card">
			<dl class="grid grid-cols-[max-content_1fr] gap-x-6 gap-y-1 text-sm">
				<dt class="text-slate-500">Runs</dt>
				<dd safe>{`${s.description} (${s.cronExpression}, ${s.timezone})`}</dd>
				<dt class="text-slate-500">Scenario → target</dt>
				<dd safe>{`${s.scenario.name} → ${s.target?.name ?? '(no target)'}`}</dd>
				<dt class="text-slate-500">Next run</dt>
				<dd>{s.isEnabled ? formatInZone(s.nextRunAt, s.timezone) : 'disabled'}</dd>
				<dt class="text-slate-500">Regression check</dt>
				<dd id="schedule-regression-summary">
					{s.regression
						? `${s.regression.metric} moves more than ${s.regression.thresholdPct} % from the previous run`
						: 'none'}
				</dd>
				<dt class="text-slate-500">Last run</dt>
				<dd>
					<span safe>{formatInZone(s.lastRunAt, s.timezone)}</span> <LastOutcome s={s} />
				</dd>
			</dl>
		</div>
	)
}

/** What the schedule routes answer htmx: the summary card. */
export const ScheduleSummaryFragment = (r: Envelope<ScheduleView>) => <ScheduleSummary s={r.data} />

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
