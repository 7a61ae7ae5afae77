import type { Envelope } from '../../src/http/model'
import type { CronPreview, ScheduleFormOptions, ScheduleView } from '../../src/schedules/model'
import { BooleanInputs, Field, PostForm } from '../ui/form'
import { formatInZone } from '../ui/format'

/** The live preview under the form: what the expression means and when it fires next. */
function CronPreviewPanel({ preview }: { preview: CronPreview }) {
	return (
		<div id="cron-preview" class="rounded-md bg-slate-50 p-3 text-sm" aria-live="polite">
			{preview.valid ? (
				<>
					<p class="font-medium" safe>
						{preview.description}
					</p>
					<p class="mt-1 text-xs text-slate-500" safe>{`Next five runs (${preview.timezone}):`}</p>
					<ol class="mt-1 list-decimal pl-5 text-xs">
						{preview.nextRuns.map((d) => (
							<li>
								<time datetime={d} safe>
									{formatInZone(d, preview.timezone)}
								</time>
							</li>
						))}
					</ol>
				</>
			) : (
				<ul class="text-xs text-red-700">
					{preview.problems.map((p) => (
						<li safe>{p}</li>
					))}
				</ul>
			)}
		</div>
	)
}

/** GET /api/scheduled-jobs/preview for htmx (the form's live preview). */
export const CronPreviewFragment = (r: Envelope<CronPreview>) => (
	<CronPreviewPanel preview={r.data} />
)

const ZONES = Intl.supportedValuesOf('timeZone')

/**
 * The schedule's regression check: compare each run with the previous one and fire
 * `metric.regression` when the metric moves more than the percentage. Plain fields (no script):
 * "No check" with an empty percentage removes it; a metric without a percentage, or the reverse,
 * is refused with the field named.
 */
function RegressionFields(props: {
	regression: ScheduleView['regression']
	metrics: ScheduleFormOptions['metrics']
}) {
	const r = props.regression
	return (
		<fieldset id="schedule-regression" class="rounded-md border border-slate-200 p-3">
			<legend class="px-1 text-sm font-medium">Regression check</legend>
			<p class="mb-2 text-xs text-slate-500">
				Compare each run with this schedule's previous finished run; a move of the metric beyond the
				percentage (the worse way, or either way for a metric without one) sends a metric.regression
				webhook.
			</p>
			<div class="grid gap-4 md:grid-cols-3">
				<Field label="Metric">
					<select class="input" name="regression.metric">
						<option value="" selected={!r}>
							No check
						</option>
						{props.metrics.map((m) => (
							<option value={m.name} selected={m.name === r?.metric} safe>
								{m.label}
							</option>
						))}
					</select>
				</Field>
				<Field label="More than (%)">
					<input
						class="input"
						type="number"
						name="regression.thresholdPct:number"
						min="0"
						max="100000"
						step="any"
						value={r ? String(r.thresholdPct) : ''}
						placeholder="10"
					/>
				</Field>
			</div>
		</fieldset>
	)
}

export function ScheduleForm(props: {
	schedule?: ScheduleView
	options: ScheduleFormOptions
	preview: CronPreview
}) {
	const s = props.schedule
	const action = s ? `/api/scheduled-jobs/${s.id}` : '/api/scheduled-jobs'
	const tz = s?.timezone ?? 'UTC'
	return (
		<PostForm id="schedule-form" action={action}>
			<div class="grid gap-4 md:grid-cols-3">
				<Field label="Name">
					<input
						class="input"
						name="name"
						maxlength="100"
						value={s?.name ?? ''}
						placeholder="Nightly cost check"
					/>
				</Field>
				<Field label="Scenario">
					<select class="input" name="scenarioId" required>
						<option value="">Choose a scenario…</option>
						{props.options.scenarios.map((o) => (
							<option value={o.id} selected={o.id === s?.scenarioId} safe>
								{o.targetId ? `${o.name} (has a target)` : o.name}
							</option>
						))}
					</select>
				</Field>
				<Field label="Target">
					<select class="input" name="targetId">
						<option value="">The scenario's own target</option>
						{props.options.targets.map((o) => (
							<option value={o.id} selected={o.id === s?.targetId} safe>
								{o.name}
							</option>
						))}
					</select>
				</Field>
			</div>
			<div class="grid gap-4 md:grid-cols-3">
				<Field label="Cron expression">
					<input
						class="input font-mono"
						name="cronExpression"
						required
						value={s?.cronExpression ?? '0 3 * * *'}
						placeholder="0 3 * * *"
						hx-get="/api/scheduled-jobs/preview"
						hx-include="#schedule-form [name=timezone]"
						hx-trigger="input changed delay:300ms"
						hx-target="#cron-preview"
						hx-swap="outerHTML"
					/>
					<span class="mt-1 block text-xs text-slate-500">
						minute hour day-of-month month day-of-week, or @hourly, @daily…
					</span>
				</Field>
				<Field label="Time zone">
					<input
						class="input"
						name="timezone"
						list="time-zones"
						value={tz}
						hx-get="/api/scheduled-jobs/preview"
						hx-include="#schedule-form [name=cronExpression]"
						hx-trigger="input changed delay:300ms"
						hx-target="#cron-preview"
						hx-swap="outerHTML"
					/>
					<datalist id="time-zones">
						{ZONES.map((z) => (
							<option value={z} />
						))}
					</datalist>
				</Field>
				<label class="mt-6 inline-flex items-center gap-2 text-sm">
					<BooleanInputs name="isEnabled:boolean" checked={s ? s.isEnabled : true} />
					Enabled
				</label>
			</div>
			<CronPreviewPanel preview={props.preview} />
			<RegressionFields regression={s?.regression ?? null} metrics={props.options.metrics} />
			<div class="flex gap-2">
				<button class="btn" type="submit">
					{s ? 'Save schedule' : 'Create schedule'}
				</button>
				<a class="btn-secondary" href="/schedules">
					Cancel
				</a>
			</div>
		</PostForm>
	)
}
