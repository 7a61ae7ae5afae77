import type {
	Comparison,
	CompareRow,
	SampleComparison,
	Significance,
} from '../../src/compare/model'
import {
	DASH,
	formatInteger,
	formatMs,
	formatPercent,
	formatPValue,
	formatRate,
	formatUsd,
} from '../ui/format'

/** The metric table and the significance panel of the compare page. */

export const FORMAT: Record<CompareRow['unit'], (v: number | null) => string> = {
	usd: formatUsd,
	ms: formatMs,
	tokens: formatInteger,
	count: formatInteger,
	ratio: formatRate,
	percent: (v) => formatPercent(v),
}

const plus = (v: number, text: string) => (v > 0 ? `+${text}` : text)

/** A rate's change is in points; everything else in its unit, then relative. */
function deltaText(row: CompareRow, d: NonNullable<CompareRow['deltas'][number]>) {
	if (d.delta === null) return DASH
	const abs =
		row.unit === 'percent'
			? plus(d.delta, `${formatRate(d.delta)} pts`)
			: plus(d.delta, FORMAT[row.unit](d.delta))
	return d.deltaPct === null ? abs : `${abs} (${plus(d.deltaPct, formatPercent(d.deltaPct, 1))})`
}

/** Red when it moved the wrong way, green the right way, grey when no direction is better. */
function deltaClass(row: CompareRow, delta: number | null) {
	if (!delta || !row.better) return 'text-slate-500'
	const worse = row.better === 'lower' ? delta > 0 : delta < 0
	return worse ? 'text-rose-700' : 'text-emerald-700'
}

export function CompareTable({ c }: { c: Comparison }) {
	return (
		<div class="card overflow-x-auto p-0">
			<table class="table" id="compare-table">
				<thead>
					<tr>
						{/* On a phone the metric names stay in view while the sessions scroll sideways. */}
						<th class="sticky left-0 bg-white">metric</th>
						{c.sessions.map((s, i) => (
							<th class="min-w-32">
								<a
									class="font-mono break-all normal-case text-indigo-700 underline"
									href={`/sessions/${s.id}`}
									safe
								>
									{s.id}
								</a>
								<div class="text-xs font-normal normal-case text-slate-500" safe>
									{i === 0 ? `baseline · ${s.label}` : s.label}
								</div>
							</th>
						))}
					</tr>
				</thead>
				<tbody class="divide-y divide-slate-100">
					{c.rows.map((row) => (
						<tr data-metric={row.metric}>
							<td class="sticky left-0 bg-white font-medium whitespace-normal" safe>
								{row.label}
							</td>
							{row.values.map((v, i) => {
								const d = row.deltas[i]
								return (
									<td>
										<span safe>{FORMAT[row.unit](v)}</span>
										{/* A missing value is its own dash: no second dash for its delta. */}
										{d && v !== null ? (
											<div class={`text-xs ${deltaClass(row, d.delta)}`} data-delta safe>
												{deltaText(row, d)}
											</div>
										) : (
											''
										)}
									</td>
								)
							})}
						</tr>
					))}
				</tbody>
			</table>
		</div>
	)
}

function Verdict({
	name,
	r,
	format,
}: {
	name: string
	r: SampleComparison | null
	format: (v: number | null) => string
}) {
	if (!r) {
		return (
			<p class="text-sm text-slate-500" safe>
				{`${name}: no samples to compare`}
			</p>
		)
	}
	const bounds = `[${format(r.shift.low)}, ${format(r.shift.high)}]`
	return (
		<p class="text-sm" data-significant={r.significant ? 'true' : 'false'}>
			<strong safe>{name}</strong>{' '}
			<span
				class={`badge ${r.significant ? 'bg-amber-100 text-amber-800' : 'bg-slate-100 text-slate-700'}`}
			>
				{r.significant ? 'significant' : 'not significant'}
			</span>{' '}
			<span safe>
				{`${formatPValue(r.p)} (${r.pMethod}); shift ${plus(r.shift.estimate, format(r.shift.estimate))}, ${Math.round(r.shift.confidence * 100)} % interval ${bounds}; medians ${format(r.baseline.median)} → ${format(r.current.median)}, n = ${formatInteger(r.baseline.n)} / ${formatInteger(r.current.n)}`}
			</span>
		</p>
	)
}

export function SignificancePanel({ c }: { c: Comparison }) {
	const label = (s: Significance) => c.sessions.find((x) => x.id === s.sessionId)?.label ?? ''
	return (
		<section class="card space-y-3" id="significance" aria-label="Significance">
			<h2 class="font-semibold">Is the difference real?</h2>
			<p class="text-sm text-slate-600" safe>
				{c.method.description}
			</p>
			{c.significance.map((s) => (
				<div class="space-y-1 border-t border-slate-100 pt-2" data-session-id={s.sessionId}>
					<p class="font-mono text-xs text-slate-500" safe>
						{`${s.sessionId} · ${label(s)} vs baseline`}
					</p>
					<Verdict name="Response time" r={s.responseTimeMs} format={formatMs} />
					<Verdict name="Cost per conversation" r={s.costPerConversationUsd} format={formatUsd} />
				</div>
			))}
		</section>
	)
}
