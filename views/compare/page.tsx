import type { Comparison, Curve } from '../../src/compare/model'
import { LineChart } from '../ui/charts/line'
import { formatMs, formatPercent, formatUsd } from '../ui/format'
import { Layout, PageHeader } from '../ui/layout'
import { CompareTable, SignificancePanel } from './table'

/** `/compare?ids=…`: the sessions side by side, the significance verdicts, overlaid charts. */

function series(curves: Curve[]) {
	return curves.map((curve, i) => ({
		name: `${i === 0 ? 'baseline' : `#${i + 1}`} ${curve.sessionId}`,
		points: curve.points,
		dashed: i === 0,
	}))
}

export function CompareCharts({ c }: { c: Comparison }) {
	return (
		<section class="grid gap-4 lg:grid-cols-2" id="compare-charts" aria-label="Compare charts">
			<LineChart
				id="chart-latency-cdf"
				title="Latency distribution (CDF of response times)"
				xLabel="response time"
				yLabel="share of replies"
				xFormat={formatMs}
				yFormat={(v) => formatPercent(v * 100, 0)}
				markers={false}
				series={series(c.charts.latencyCdf)}
				empty="No successful replies"
			/>
			<LineChart
				id="chart-cost-per-turn"
				title="Cost growth per turn (average cost of the turn's message)"
				xLabel="turn"
				yLabel="USD"
				yFormat={formatUsd}
				series={series(c.charts.costPerTurn)}
				empty="No priced messages"
			/>
			<LineChart
				id="chart-tokens-per-turn"
				title="Tokens per turn (average, in + out)"
				xLabel="turn"
				yLabel="tokens"
				series={series(c.charts.tokensPerTurn)}
			/>
		</section>
	)
}

export function ComparePage({ c }: { c: Comparison }) {
	return (
		<Layout title="Compare sessions" active="/sessions">
			<PageHeader title={`Compare ${c.sessions.length} sessions`}>
				<a
					class="btn-secondary"
					href={`/api/sessions/compare?ids=${c.sessions.map((s) => s.id).join(',')}`}
					hx-boost="false"
				>
					JSON
				</a>
			</PageHeader>
			<div class="space-y-4">
				<CompareTable c={c} />
				<SignificancePanel c={c} />
				<CompareCharts c={c} />
			</div>
		</Layout>
	)
}

/** "Compare with…" on a session page: the other finished sessions to pick from. */
export function CompareWith({
	sessionId,
	candidates,
}: {
	sessionId: string
	candidates: { id: string; label: string }[]
}) {
	if (!candidates.length) return <></>
	return (
		<form method="get" action="/compare" class="flex items-center gap-2" id="compare-with">
			<input type="hidden" name="id" value={sessionId} />
			<label class="text-sm text-slate-600" for="compare-with-id">
				Compare with…
			</label>
			<select id="compare-with-id" name="id" class="input">
				{candidates.map((s) => (
					<option value={s.id} safe>
						{s.label}
					</option>
				))}
			</select>
			<button class="btn-secondary" type="submit">
				Compare
			</button>
		</form>
	)
}
