import type { ChartSeries, TimeseriesPoint } from '../../src/metrics/model'
import { LineChart } from '../ui/charts/line'
import { formatMs, formatNumber, formatUsd } from '../ui/format'

/**
 * The run's time series (docs/architecture.md §5 "Time series"), k6-dashboard style: requests/s,
 * in flight, p50/p95, errors and 429s, $ per minute and cumulative $ over the seconds of the run.
 * Drawn from the stored buckets on the page, then re-rendered by the SSE stream's `timeseries`
 * events while the run goes (src/sessions/sse-html.ts). Seconds without a bucket count as idle.
 */
export function TimeseriesCharts({ series }: { series: Omit<ChartSeries, 'sessionId'> }) {
	const step = series.seconds
	const pts = series.points
	const t0 = pts.length ? Date.parse(pts[0]!.ts) : 0
	const x = (p: TimeseriesPoint) => (Date.parse(p.ts) - t0) / 1000
	// Idle seconds between buckets: zero rates, no percentile (a gap in the line). Their first and
	// last are enough: the line between two zeros is the zeros in between, whatever the gap.
	const filled: (TimeseriesPoint | { x: number; idle: true })[] = []
	for (const p of pts) {
		const prev = filled[filled.length - 1]
		const from = prev && !('idle' in prev) ? x(prev) + step : null
		if (from !== null && from < x(p)) {
			filled.push({ x: from, idle: true })
			if (x(p) - step > from) filled.push({ x: x(p) - step, idle: true })
		}
		filled.push(p)
	}
	const at = (f: (p: TimeseriesPoint) => number | null, idle: number | null) =>
		filled.map((p) => ('idle' in p ? { x: p.x, y: idle } : { x: x(p), y: f(p) }))
	let total = 0
	const cumulative = filled.map((p) => {
		if (!('idle' in p)) total += p.costUsd
		return { x: 'idle' in p ? p.x : x(p), y: total }
	})
	const per = step > 1 ? ` (${step} s intervals)` : ''
	const pct = `percentiles ±${formatNumber(series.relativeError * 100)} % (sketch)`
	// Narrower than the default canvas: three to a row, the labels stay readable.
	const common = {
		xLabel: 'seconds into the run',
		empty: 'No seconds recorded yet',
		width: 480,
		height: 240,
	}
	return (
		<div class="space-y-2" data-timeseries-points={String(pts.length)}>
			<div class="grid gap-4 lg:grid-cols-3">
				<LineChart
					{...common}
					id="ts-rate"
					title={`Requests per second${per}`}
					yLabel="messages/s"
					series={[
						{ name: 'completed', points: at((p) => p.completed / step, 0) },
						{ name: 'started', dashed: true, points: at((p) => p.started / step, 0) },
					]}
				/>
				<LineChart
					{...common}
					id="ts-in-flight"
					title="In flight (most at once)"
					yLabel="messages"
					series={[{ name: 'in flight', points: at((p) => p.inFlight, 0) }]}
				/>
				<LineChart
					{...common}
					id="ts-latency"
					title="Response time p50 / p95"
					yLabel="ms"
					yFormat={formatMs}
					series={[
						{ name: 'p50', points: at((p) => p.responseTimeMs.p50, null) },
						{ name: 'p95', points: at((p) => p.responseTimeMs.p95, null) },
						...(pts.some((p) => p.ttftMs.count > 0)
							? [{ name: 'TTFT p50', dashed: true, points: at((p) => p.ttftMs.p50, null) }]
							: []),
					]}
				/>
				<LineChart
					{...common}
					id="ts-errors"
					title={`Errors and 429s per second${per}`}
					yLabel="per second"
					series={[
						{ name: 'errors', color: '#e11d48', points: at((p) => p.errors / step, 0) },
						{ name: '429s', color: '#d97706', points: at((p) => p.rateLimited / step, 0) },
					]}
				/>
				<LineChart
					{...common}
					id="ts-cost-rate"
					title="Cost per minute"
					yLabel="USD/min"
					yFormat={formatUsd}
					series={[{ name: '$ per minute', points: at((p) => (p.costUsd / step) * 60, 0) }]}
				/>
				<LineChart
					{...common}
					id="ts-cost-total"
					title="Cumulative cost"
					yLabel="USD"
					yFormat={formatUsd}
					series={[{ name: 'cumulative $', points: cumulative }]}
				/>
			</div>
			<p class="text-xs text-slate-500" safe>
				{`Per-second buckets; ${pct}; the summary's figures are exact.`}
			</p>
		</div>
	)
}

/** The section on the session page; while the run goes the SSE stream swaps its content. */
export function TimeseriesSection({ series, live }: { series: ChartSeries; live: boolean }) {
	return (
		<section aria-label="Time series" class="space-y-2">
			<h2 class="text-sm font-semibold text-slate-700">Over time</h2>
			<div
				id="session-timeseries"
				sse-swap={live ? 'timeseries' : undefined}
				hx-target={live ? 'this' : undefined}
				hx-swap={live ? 'innerHTML' : undefined}
			>
				<TimeseriesCharts series={series} />
			</div>
		</section>
	)
}
