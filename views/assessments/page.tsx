import type { AssessmentListItem, AssessmentView } from '../../src/assessments/model'
import type { PickerOption } from '../ui/form'
import { formatInteger, formatUsd } from '../ui/format'
import { Layout, PageHeader } from '../ui/layout'
import { Findings, Headline } from './findings'
import { AssessForm, type AssessFormValues } from './form'
import type { Estimate } from '../../src/assessments/model'

const STATUS: Record<string, string> = {
	QUEUED: 'bg-amber-100 text-amber-800',
	RUNNING: 'bg-blue-100 text-blue-800',
	COMPLETED: 'bg-emerald-100 text-emerald-800',
	FAILED: 'bg-red-100 text-red-800',
	CANCELLED: 'bg-slate-200 text-slate-700',
}
const Badge = ({ status }: { status: string }) => (
	<span class={`badge ${STATUS[status] ?? ''}`} data-status={status} safe>
		{status}
	</span>
)
const active = (s: string) => s === 'QUEUED' || s === 'RUNNING'

/** `/assessments`: every assessment, newest first, and the form that starts one. */
export function AssessmentsPage({
	items,
	targets,
	values,
	estimate,
}: {
	items: AssessmentListItem[]
	targets: PickerOption[]
	values?: AssessFormValues
	estimate?: Estimate | null
}) {
	return (
		<Layout title="Assessments" active="/assessments">
			<PageHeader title="Consumption assessments" />
			<AssessForm targets={targets} values={values} estimate={estimate} />
			<div class="card overflow-x-auto p-0">
				<table class="table" id="assessments">
					<thead>
						<tr>
							<th>assessment</th>
							<th>target</th>
							<th>status</th>
							<th>burn / hour</th>
							<th>missing</th>
							<th>spent</th>
						</tr>
					</thead>
					<tbody class="divide-y divide-slate-100">
						{items.map((a) => (
							<tr data-assessment={a.id}>
								<td>
									<a class="font-mono text-indigo-700 underline" href={`/assessments/${a.id}`} safe>
										{a.id}
									</a>
								</td>
								<td safe>{a.target.name ?? a.target.id}</td>
								<td>
									<Badge status={a.status} />
								</td>
								<td>
									{a.headline?.burnPerHourUsd != null ? formatUsd(a.headline.burnPerHourUsd) : '—'}
								</td>
								<td>{a.headline ? a.headline.controlsMissing.join(', ') || 'none' : '—'}</td>
								<td
									safe
								>{`${formatInteger(a.spent.requests)} req · ${formatUsd(a.spent.costUsd)}`}</td>
							</tr>
						))}
					</tbody>
				</table>
			</div>
		</Layout>
	)
}

/** The part of `/assessments/:id` that follows the run: polled every 2 s while it is active. */
export function AssessmentBody({ a }: { a: AssessmentView }) {
	const live = active(a.status)
	const base = `/api/assessments/${a.id}`
	return (
		<div
			id="assessment-body"
			class="space-y-4"
			{...(live
				? {
						'hx-get': `/assessments/${a.id}`,
						'hx-trigger': 'every 2s',
						'hx-select': '#assessment-body',
						'hx-swap': 'outerHTML',
					}
				: {})}
		>
			<div class="flex justify-end" id="assessment-actions">
				{active(a.status) ? (
					<form method="post" action={`${base}/cancel`} hx-boost="false">
						<button class="btn-secondary" type="submit">
							Cancel
						</button>
					</form>
				) : (
					<div class="flex gap-2 text-sm">
						<a class="btn-secondary" href={`${base}/report?format=html`}>
							HTML report
						</a>
						<a class="btn-secondary" href={`${base}/report?format=md`}>
							Markdown
						</a>
						<a class="btn-secondary" href={`${base}/report?format=json`}>
							JSON
						</a>
						<form method="post" action={`${base}/delete`} hx-boost="false">
							<button class="btn-secondary" type="submit">
								Delete
							</button>
						</form>
					</div>
				)}
			</div>
			<p class="text-sm text-slate-600">
				<Badge status={a.status} />{' '}
				<span safe>
					{`${formatInteger(a.spent.requests)} of ${formatInteger(a.limits.maxRequests)} requests · ${formatUsd(a.spent.costUsd)} of ${formatUsd(a.limits.maxCostUsd)} · limit ${a.limits.maxDurationSec} s · estimate ${formatInteger(a.estimate.requests)} requests${a.estimate.costUsd !== null ? `, ${formatUsd(a.estimate.costUsd)}` : ''}${a.stopReason ? ` · ${a.stopReason}` : ''}`}
				</span>
			</p>
			<div class="card overflow-x-auto p-0">
				<table class="table" id="assessment-progress">
					<thead>
						<tr>
							<th>probe</th>
							<th>status</th>
							<th>requests</th>
							<th>cost</th>
							<th>sessions</th>
						</tr>
					</thead>
					<tbody class="divide-y divide-slate-100">
						{a.progress.map((p) => (
							<tr data-probe={p.probe}>
								<td>{p.probe}</td>
								<td>{p.note ? `${p.status}: ${p.note}` : p.status}</td>
								<td safe>{formatInteger(p.requests)}</td>
								<td safe>{formatUsd(p.costUsd)}</td>
								<td class="space-x-1">
									{p.sessionIds.map((s, i) => (
										<a class="text-indigo-700 underline" href={`/sessions/${s}`} safe>
											{`#${i + 1}`}
										</a>
									))}
								</td>
							</tr>
						))}
					</tbody>
				</table>
			</div>
			<Headline a={a} />
			<Findings a={a} />
		</div>
	)
}

/** `/assessments/:id`: progress, headline and findings; cancel while it runs, report links once done. */
export function AssessmentPage({ a }: { a: AssessmentView }) {
	return (
		<Layout title="Assessment" active="/assessments">
			<PageHeader title={`Assessment of ${a.target.name ?? a.target.id}`} />
			<AssessmentBody a={a} />
		</Layout>
	)
}
