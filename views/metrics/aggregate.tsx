import type { Aggregate } from '../../src/metrics/model'
import { formatInteger, formatMs, formatNumber, formatPercent, formatUsd } from '../ui/format'
import { Tile } from '../ui/tile'

/** The aggregate over every matching session (not just the page shown). */
export function AggregateTiles({ a }: { a: Aggregate }) {
	const rt = a.responseTimeMs
	return (
		<section
			id="aggregate"
			class="grid grid-cols-2 gap-3 md:grid-cols-4 xl:grid-cols-8"
			aria-label="Aggregate"
		>
			<Tile id="agg-sessions" label="Sessions" value={formatNumber(a.totalSessions)} />
			<Tile id="agg-messages" label="Messages" value={formatInteger(a.totalMessages)} />
			<Tile
				id="agg-tokens"
				label="Tokens"
				value={formatInteger(a.totalTokens)}
				hint={`${formatNumber(a.promptTokens)} in · ${formatNumber(a.completionTokens)} out`}
			/>
			<Tile
				id="agg-cost"
				label="Cost"
				value={formatUsd(a.totalCostUsd)}
				hint={a.unpricedMessages ? `${a.unpricedMessages} messages unpriced` : undefined}
			/>
			<Tile id="agg-avg" label="Avg response" value={formatMs(a.avgResponseTimeMs)} />
			<Tile
				id="agg-p95"
				label="p95 response"
				value={formatMs(rt.p95)}
				hint={`p50 ${formatMs(rt.p50)} · p99 ${formatMs(rt.p99)}${
					// Across sessions: merged per-session sketches (docs/architecture.md §5).
					a.percentiles.source === 'sketches'
						? ` · ±${formatNumber(a.percentiles.relativeError * 100)} % (sketch)`
						: ''
				}`}
			/>
			<Tile id="agg-errors" label="Errors" value={formatInteger(a.totalErrors)} />
			<Tile id="agg-error-rate" label="Error rate" value={formatPercent(a.errorRate)} />
		</section>
	)
}
