import type { AssessmentLimits, Estimate, Probe } from '../../src/assessments/model'
import type { PickerOption } from '../ui/form'

const PROBE_LABELS: [Probe, string][] = [
	['output', 'Output amplification (output cap)'],
	['depth', 'Context depth (depth limit)'],
	['input', 'Input size (input limit)'],
	['rate', 'Request rate (rate limit)'],
	['concurrency', 'Concurrency (concurrency limit)'],
	['spend', 'Sustained spend (quota cap)'],
]

export type AssessFormValues = {
	targetId?: string
	probes?: Probe[]
	limits?: Partial<AssessmentLimits>
}

/**
 * Start an assessment: a plain form (no JavaScript needed). "Estimate" posts the same fields to
 * /assessments/estimate, which renders this page again with the estimate; "Start" posts to the
 * API (303 to the assessment's page).
 */
export function AssessForm({
	targets,
	values = {},
	estimate,
}: {
	targets: PickerOption[]
	values?: AssessFormValues
	estimate?: Estimate | null
}) {
	const l = values.limits ?? {}
	const checked = (p: Probe) => !values.probes || values.probes.includes(p)
	return (
		<form
			id="assess-form"
			method="post"
			action="/api/assessments"
			hx-boost="false"
			class="card space-y-3"
		>
			<h2 class="text-base font-semibold">Start an assessment</h2>
			<p class="text-sm text-slate-600">
				Which controls stop one client from burning money (OWASP LLM10), and at what point? Every
				probe is an ordinary session, stopped as soon as it has its answer, within the limits below.
			</p>
			<label class="block text-sm">
				<span class="label">Target</span>
				<select name="targetId" class="input" required>
					{targets.map((t) => (
						<option value={t.id} selected={t.id === values.targetId} safe>
							{t.name}
						</option>
					))}
				</select>
			</label>
			<fieldset class="grid gap-1 sm:grid-cols-2">
				<legend class="label">Probes</legend>
				{PROBE_LABELS.map(([p, label]) => (
					<label class="flex items-center gap-2 text-sm">
						<input type="checkbox" name="probes[]" value={p} checked={checked(p)} />
						<span safe>{label}</span>
					</label>
				))}
			</fieldset>
			<div class="grid gap-2 sm:grid-cols-3">
				<label class="block text-sm">
					<span class="label">Max cost (USD)</span>
					<input
						class="input"
						name="limits.maxCostUsd:number"
						type="number"
						step="any"
						min="0"
						required
						value={String(l.maxCostUsd ?? 1)}
					/>
				</label>
				<label class="block text-sm">
					<span class="label">Max requests</span>
					<input
						class="input"
						name="limits.maxRequests:number"
						type="number"
						min="1"
						required
						value={String(l.maxRequests ?? 2000)}
					/>
				</label>
				<label class="block text-sm">
					<span class="label">Max duration (s)</span>
					<input
						class="input"
						name="limits.maxDurationSec:number"
						type="number"
						min="1"
						required
						value={String(l.maxDurationSec ?? 600)}
					/>
				</label>
			</div>
			{estimate ? (
				<p id="assess-estimate" class="rounded bg-slate-50 p-2 text-sm" safe>
					{`Estimate: at most ${estimate.requests} requests${estimate.costUsd !== null ? `, up to $${estimate.costUsd.toFixed(4)}` : ''}. ${estimate.basis}${estimate.limitedBy.length ? ` — cut short by ${estimate.limitedBy.join(' and ')}` : ''}.`}
				</p>
			) : (
				''
			)}
			<div class="flex gap-2">
				<button class="btn-secondary" type="submit" formaction="/assessments/estimate">
					Estimate
				</button>
				<button class="btn" type="submit">
					Start assessment
				</button>
			</div>
		</form>
	)
}
