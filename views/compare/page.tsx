import type { Comparison, Curve } from '../../src/compare/model'
import { LineChart } from '../ui/charts/line'
import { formatInteger, formatMs, formatPercent, formatUsd } from '../ui/format'
import { Layout, PageHeader } from '../ui/layout'
import { ReportLinks } from '../reports/links'
import { CompareTable, SignificancePanel } from './table'

/** `/compare?ids=…`: the sessions side by side, the significance verdicts, overlaid charts. */

/** `turnBased`: the API counts turns from 0, people from 1. */
function series(curves: Curve[], turnBased = false) {
	return curves.map((curve, i) => ({
		name: `${i === 0 ? 'baseline' : `#${i + 1}`} ${curve.sessionId}`,
		points: turnBased ? curve.points.map((p) => ({ x: p.x + 1, y: p.y })) : curve.points,
		dashed: i === 0,
	}))
}

/** Turns are whole numbers: no tick at 1.5. */
const turnTick = (v: number) => (Number.isInteger(v) ? formatInteger(v) : '')

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
				xFormat={turnTick}
				series={series(c.charts.costPerTurn, true)}
				empty="No priced messages"
			/>
			<LineChart
				id="chart-tokens-per-turn"
				title="Tokens per turn (average, in + out)"
				xLabel="turn"
				yLabel="tokens"
				xFormat={turnTick}
				series={series(c.charts.tokensPerTurn, true)}
			/>
		</section>
	)
}

export function ComparePage({ c }: { c: Comparison }) {
	const ids = c.sessions.map((s) => encodeURIComponent(s.id)).join(',')
	return (
		<Layout title="Compare sessions" active="/sessions">
			<PageHeader title={`Compare ${c.sessions.length} sessions`}>
				<ReportLinks
					href={`/api/sessions/compare/report?ids=${ids}`}
					id="compare-report"
					class="btn-secondary"
				/>
				<a class="btn-secondary" href={`/api/sessions/compare?ids=${ids}`} hx-boost="false">
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
