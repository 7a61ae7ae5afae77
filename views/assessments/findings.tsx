import type { AssessmentView, Finding, Probe } from '../../src/assessments/model'
import { FindingChartSvg } from './chart'

const money = (v: number | null) =>
	v === null ? '—' : v >= 0.01 ? `$${v.toFixed(2)}` : `$${v.toPrecision(2)}`

// Views import no values from src/ (CONVENTIONS 8): the titles of src/assessments/model.ts.
const PROBE_TITLES: Record<Probe, string> = {
	output: 'Output amplification',
	depth: 'Context depth',
	input: 'Input size',
	rate: 'Request rate',
	concurrency: 'Concurrency',
	spend: 'Sustained spend',
}

const VERDICT: Record<Finding['verdict'], string> = {
	present: 'bg-emerald-100 text-emerald-800',
	absent: 'bg-rose-100 text-rose-800',
	inconclusive: 'bg-amber-100 text-amber-800',
}

/** The headline: worst-case burn per hour and per day, and the controls found and missing. */
export function Headline({ a }: { a: AssessmentView }) {
	const h = a.headline
	if (!h)
		return <p class="text-sm text-slate-500">The headline appears when the assessment ends.</p>
	return (
		<div id="headline" class="card grid gap-4 rounded-lg bg-white p-4 shadow sm:grid-cols-3">
			<div>
				<div class="text-xs uppercase text-slate-500">Worst-case burn per hour</div>
				<div class="text-3xl font-bold text-rose-700" safe>
					{money(h.burnPerHourUsd)}
				</div>
				<div
					class="text-sm text-slate-600"
					safe
				>{`${money(h.burnPerDayUsd)} per day, one client`}</div>
			</div>
			<div class="text-sm">
				<div class="text-xs uppercase text-slate-500">Controls found</div>
				<div class="font-medium text-emerald-700" safe>
					{h.controlsFound.join(', ') || 'none'}
				</div>
				<div class="mt-2 text-xs uppercase text-slate-500">Missing (none up to the bound)</div>
				<div class="font-medium text-rose-700" safe>
					{h.controlsMissing.join(', ') || 'none'}
				</div>
				<div class="mt-2 text-xs uppercase text-slate-500">Inconclusive</div>
				<div class="font-medium text-amber-700" safe>
					{h.controlsInconclusive.join(', ') || 'none'}
				</div>
			</div>
			<p class="text-sm text-slate-600" safe>
				{h.note}
			</p>
		</div>
	)
}

/** One finding: verdict, mitigation, summary, figures, evidence links and its chart. */
export function FindingCard({ f, base = '' }: { f: Finding; base?: string }) {
	return (
		<article
			id={`finding-${f.probe}`}
			class="card space-y-2 rounded-lg bg-white p-4 shadow"
			data-verdict={f.verdict}
		>
			<header class="flex flex-wrap items-center gap-2">
				<h3 class="font-semibold" safe>
					{PROBE_TITLES[f.probe]}
				</h3>
				<span class={`rounded px-2 py-0.5 text-xs font-medium ${VERDICT[f.verdict]}`}>
					{f.verdict}
				</span>
				<span class="text-xs text-slate-500" safe>{`${f.control} · ${f.mitigation}`}</span>
			</header>
			<p class="text-sm" safe>
				{f.summary}
			</p>
			<dl class="grid grid-cols-2 gap-x-4 text-xs text-slate-600 sm:grid-cols-3">
				{Object.entries(f.figures).map(([k, v]) => (
					<div>
						<dt class="inline font-medium" safe>{`${k}: `}</dt>
						<dd class="inline" safe>
							{v === null ? '—' : String(v)}
						</dd>
					</div>
				))}
			</dl>
			{f.chart ? <FindingChartSvg chart={f.chart} /> : ''}
			<ul class="text-sm">
				{f.evidence.map((e) => (
					<li>
						<a class="text-indigo-700 underline" href={`${base}${e.href}`} safe>
							{e.label}
						</a>
					</li>
				))}
			</ul>
		</article>
	)
}

export function Findings({ a, base = '' }: { a: AssessmentView; base?: string }) {
	if (!a.findings.length) return <p class="text-sm text-slate-500">No finding yet.</p>
	return (
		<div id="findings" class="grid gap-4 lg:grid-cols-2">
			{a.findings.map((f) => (
				<FindingCard f={f} base={base} />
			))}
		</div>
	)
}
