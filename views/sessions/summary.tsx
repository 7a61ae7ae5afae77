import type { SessionDetail } from '../../src/sessions/present'
import { DASH, formatInteger, formatMs, formatPercent, formatRate, formatUsd } from '../ui/format'
import { Notice } from '../ui/notice'
import { Tile } from '../ui/tile'
import { LoadTiles } from './load-summary'

/**
 * docs/architecture.md §5: the load generator was saturated, so its latencies may be its own. A
 * sharded run's verdict is its shards' (any suspect shard, named); each shard's figures beneath.
 */
export function LoadGeneratorWarning({ m }: { m: NonNullable<SessionDetail['summaryMetrics']> }) {
	const lg = m.loadGenerator
	if (!lg?.suspect) return ''
	return (
		<div id="load-generator-warning" class="col-span-full">
			<Notice tone="warning">
				<strong>⚠ Latencies suspect:</strong> the load generator was saturated during this run
				(event-loop lag p99 <span safe>{formatMs(lg.eventLoopLagMs.p99)}</span>, CPU avg{' '}
				<span safe>{formatPercent(lg.cpuPct.avg)}</span>).
				<ul class="mt-1 list-disc pl-5">
					{lg.reasons.map((r) => (
						<li safe>{r}</li>
					))}
				</ul>
				{lg.shards?.length ? (
					<ul id="load-generator-shards" class="mt-1 text-xs">
						{lg.shards.map((sh) => (
							<li safe>
								{`shard ${sh.shardIndex + 1} of ${sh.shardCount}: lag p99 ${formatMs(sh.eventLoopLagMs.p99)}, CPU avg ${formatPercent(sh.cpuPct.avg)}${sh.suspect ? ' (suspect)' : ''}`}
							</li>
						))}
					</ul>
				) : (
					''
				)}
			</Notice>
		</div>
	)
}

/** Nothing was priced: $0 would read as "free", so the tile says why instead. */
export const unpriced = (m: NonNullable<SessionDetail['summaryMetrics']>) =>
	m.totalCostUsd === 0 && m.unpricedMessages > 0

/** A finished session's figures (its stored `summaryMetrics`). */
export function SummaryTiles({ m }: { m: NonNullable<SessionDetail['summaryMetrics']> }) {
	const rl = m.rateLimit
	return (
		<div id="session-summary" class="grid grid-cols-2 gap-3 md:grid-cols-4">
			<LoadGeneratorWarning m={m} />
			<Tile
				label="Messages"
				value={formatInteger(m.totalMessages)}
				hint={`${formatInteger(m.conversationsCompleted)} conversation(s)`}
			/>
			<Tile
				label="Tokens"
				value={formatInteger(m.totalTokens)}
				hint={`${formatInteger(m.promptTokens)} in · ${formatInteger(m.completionTokens)} out${m.tokensEstimated ? ' (estimated)' : ''}`}
			/>
			<Tile
				label="Cost"
				value={unpriced(m) ? 'unpriced' : formatUsd(m.totalCostUsd)}
				hint={
					unpriced(m)
						? `no price for the model the target reports (${m.unpricedMessages} message(s)); set pricing on the target`
						: [
								m.costPerConversationUsd !== null
									? `${formatUsd(m.costPerConversationUsd)} per conversation`
									: '',
								m.unpricedMessages ? `${m.unpricedMessages} message(s) unpriced` : '',
							]
								.filter(Boolean)
								.join(' · ') || undefined
				}
			/>
			<Tile
				label="Error rate"
				value={formatPercent(m.errorRate)}
				hint={`${m.failedMessages} failed`}
			/>
			<Tile
				label="p50 response"
				value={formatMs(m.p50ResponseTimeMs)}
				hint={`avg ${formatMs(m.avgResponseTimeMs)}`}
			/>
			<Tile
				label="p95 response"
				value={formatMs(m.p95ResponseTimeMs)}
				hint={`p99 ${formatMs(m.p99ResponseTimeMs)} · max ${formatMs(m.maxResponseTimeMs)}`}
			/>
			<Tile
				label="Rate limits"
				value={rl.limitMet ? `${rl.events} × 429` : 'No limit met'}
				hint={
					rl.limitMet
						? rl.firstAtRequest
							? `first at request ${rl.firstAtRequest} (send order), after ${rl.messagesBeforeFirst} successful`
							: `first after ${rl.messagesBeforeFirst} message(s)`
						: 'the target never pushed back'
				}
			/>
			<LoadTiles m={m} />
			{m.retries && m.totalTime ? (
				<Tile
					label="p95 total wait"
					value={formatMs(m.totalTime.p95Ms)}
					hint={`first send to final reply, ${formatInteger(m.retries)} retries; response times above are last attempts`}
				/>
			) : (
				''
			)}
			{m.budget ? (
				<Tile
					label="Budget"
					value={
						m.budget.maxCostUsd !== null
							? `${formatUsd(m.budget.spentCostUsd)} of ${formatUsd(m.budget.maxCostUsd)}`
							: `${formatInteger(m.budget.spentTokens)} of ${formatInteger(m.budget.maxTokens)} tokens`
					}
					hint={
						m.budget.maxCostUsd !== null
							? `overshoot ${formatUsd(m.budget.overshootCostUsd)} (in flight at the stop)`
							: `overshoot ${formatInteger(m.budget.overshootTokens)} tokens (in flight at the stop)`
					}
				/>
			) : (
				''
			)}
			<Tile
				label="Throughput"
				value={m.messagesPerSecond !== null ? `${formatRate(m.messagesPerSecond)} msg/s` : DASH}
				hint={
					m.tokensPerSecond !== null
						? `${formatRate(m.tokensPerSecond)} tokens/s (input + output)`
						: undefined
				}
			/>
			{m.outputTokensPerSecond !== undefined ? (
				<Tile
					label="Output tokens/s"
					value={formatRate(m.outputTokensPerSecond)}
					hint={
						m.messageOutputTokensPerSecond
							? `per reply p50 ${formatRate(m.messageOutputTokensPerSecond.p50)} · p95 ${formatRate(m.messageOutputTokensPerSecond.p95)}`
							: undefined
					}
				/>
			) : (
				''
			)}
			{m.ttft ? (
				<Tile
					label="TTFT p50"
					value={formatMs(m.ttft.p50Ms)}
					hint={`p95 ${formatMs(m.ttft.p95Ms)}`}
				/>
			) : (
				''
			)}
			{m.tpot ? (
				<Tile
					label="TPOT p50"
					value={formatMs(m.tpot.p50Ms)}
					hint={`p95 ${formatMs(m.tpot.p95Ms)} · p99 ${formatMs(m.tpot.p99Ms)}`}
				/>
			) : (
				''
			)}
			{m.itl ? (
				<Tile
					label="ITL p50"
					value={formatMs(m.itl.p50Ms)}
					hint={`p95 ${formatMs(m.itl.p95Ms)} · p99 ${formatMs(m.itl.p99Ms)}`}
				/>
			) : (
				''
			)}
			<Tile label="Stopped because" value={m.stopReason || DASH} />
		</div>
	)
}
