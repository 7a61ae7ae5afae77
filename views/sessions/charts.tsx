import type { Envelope } from '../../src/http/model'
import type { SessionSeries } from '../../src/metrics/model'
import { isActiveStatus } from '../ui/badge'
import { Histogram } from '../ui/charts/histogram'
import { LineChart } from '../ui/charts/line'
import { DASH, formatMs, formatNumber, formatRate, formatUsd } from '../ui/format'

/**
 * The charts of one session's run (for `/sessions/:id`): response time and tokens per message,
 * the latency distribution, and cost growth per turn. Pure function of `getSessionSeries`.
 */
export function SessionCharts({ series, unpriced }: { series: SessionSeries; unpriced?: boolean }) {
	const per = series.bucketSize > 1 ? ` (average per ${series.bucketSize} messages)` : ''
	const a = series.amplification
	const t = series.timeline
	// An active session's charts poll their own fragment and are re-fetched at once when the live
	// stream says the run is over (SSE `complete`); the terminal render has no trigger.
	const live = isActiveStatus(series.status)
	// Tokens but no cost at all: nothing was priced (the fragment has no summary to say so).
	const noCost =
		unpriced ??
		(series.perTurn.length > 0 &&
			series.perTurn.every((p) => !p.avgCostUsd) &&
			t.some((p) => (p.avgPromptTokens ?? 0) + (p.avgCompletionTokens ?? 0) > 0))
	return (
		<section
			id="session-charts"
			class="space-y-4"
			aria-label="Session charts"
			hx-get={live ? `/api/metrics/sessions/${series.sessionId}/series` : undefined}
			hx-trigger={live ? 'every 5s, sse:complete' : undefined}
			hx-target={live ? 'this' : undefined}
			hx-swap={live ? 'outerHTML' : undefined}
			data-live={live ? 'true' : 'false'}
		>
			<div class="grid gap-4 lg:grid-cols-2">
				<LineChart
					title={`Response time per message${per}`}
					xLabel="message #"
					integerX
					yLabel="ms"
					yFormat={formatMs}
					series={[
						{ name: 'response time', points: t.map((p) => ({ x: p.seq, y: p.avgResponseTimeMs })) },
						...(t.some((p) => p.avgTtftMs !== null)
							? [
									{
										name: 'time to first token',
										dashed: true,
										points: t.map((p) => ({ x: p.seq, y: p.avgTtftMs })),
									},
								]
							: []),
					]}
					empty="No successful replies yet"
				/>
				<LineChart
					title={`Tokens per message${per}`}
					xLabel="message #"
					integerX
					yLabel="tokens"
					series={[
						{ name: 'prompt (input)', points: t.map((p) => ({ x: p.seq, y: p.avgPromptTokens })) },
						{
							name: 'completion (output)',
							points: t.map((p) => ({ x: p.seq, y: p.avgCompletionTokens })),
						},
					]}
				/>
				<Histogram
					title="Latency distribution"
					xLabel="response time"
					xFormat={formatMs}
					bins={series.latency.bins}
					empty="No successful replies yet"
				/>
				<LineChart
					title="Cost growth per turn (average conversation)"
					xLabel="turn"
					yLabel="USD"
					yFormat={formatUsd}
					integerX
					xFormat={(v) => String(v + 1)}
					empty={
						noCost
							? 'Unpriced: no price for the model the target reports; set pricing on the target'
							: undefined
					}
					forceEmpty={noCost}
					series={[
						{
							name: 'cumulative cost',
							points: series.perTurn.map((p) => ({ x: p.turnIndex, y: p.cumulativeAvgCostUsd })),
						},
						{
							name: 'cost of the turn',
							points: series.perTurn.map((p) => ({ x: p.turnIndex, y: p.avgCostUsd })),
						},
					]}
				/>
			</div>
			<dl class="grid grid-cols-2 gap-3 text-sm md:grid-cols-4" id="amplification">
				<Fact label="Output per input token" value={formatRate(a.outputPerInputToken)} />
				<Fact label="Cost added per turn" value={formatUsd(a.costGrowthPerTurnUsd)} />
				<Fact
					label="Prompt tokens added per turn"
					value={formatNumber(a.promptTokenGrowthPerTurn)}
				/>
				<Fact
					label="Last turn ÷ first turn cost"
					value={
						a.lastToFirstTurnCostRatio === null
							? DASH
							: `${formatRate(a.lastToFirstTurnCostRatio)}×`
					}
				/>
			</dl>
		</section>
	)
}

/**
 * GET /api/metrics/sessions/:id/series for htmx: the charts re-rendered while the run goes on.
 * Every viewer polling within the same window gets the same series object
 * (getSharedSessionSeries): it is rendered once for all of them.
 */
const renderedCharts = new WeakMap<SessionSeries, string>()
export const SessionChartsFragment = (r: Envelope<SessionSeries>) => {
	let html = renderedCharts.get(r.data)
	if (html === undefined)
		renderedCharts.set(r.data, (html = String(<SessionCharts series={r.data} />)))
	return html
}

function Fact({ label, value }: { label: string; value: string }) {
	return (
		<div class="card py-3">
			<dt class="text-xs text-slate-500" safe>
				{label}
			</dt>
			<dd class="text-lg font-semibold" safe>
				{value}
			</dd>
		</div>
	)
}
