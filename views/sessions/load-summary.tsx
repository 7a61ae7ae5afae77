import type { SessionDetail } from '../../src/sessions/present'
import { formatInteger, formatMs, formatRate } from '../ui/format'
import { Tile } from '../ui/tile'

type Summary = NonNullable<SessionDetail['summaryMetrics']>
type LoadModel = NonNullable<Summary['load']>['model']

/** A load model in a few words: `arrival 20/s · 10 s`, `stages 30s:5 → 2m:20`, `closed · 60 s`. */
export function describeLoad(m: LoadModel): string {
	if (m.type === 'arrival')
		return `arrival ${formatRate(m.rate)}/s · ${formatRate(m.durationSec)} s${m.distribution === 'poisson' ? ' (Poisson)' : ''}`
	if (m.type === 'stages')
		return `stages ${m.stages.map((s) => `${formatRate(s.durationSec)}s:${s.rate ?? `${s.concurrency}c`}`).join(' → ')}`
	return `closed${m.durationSec ? ` · ${formatRate(m.durationSec)} s` : ''}`
}

/**
 * The load model's tiles (docs/architecture.md §5): what it asked for, starts dropped at the
 * in-flight cap, and latency from the scheduled time beside the service time.
 */
export function LoadTiles({ m }: { m: Summary }) {
	if (!m.load) return ''
	const sched = m.scheduledLatency
	return (
		<>
			<Tile
				id="summary-load"
				label="Load model"
				value={describeLoad(m.load.model)}
				hint={`${formatInteger(m.load.startedConversations)} started · ${formatInteger(m.load.droppedConversations)} dropped at the in-flight cap`}
			/>
			<Tile
				id="summary-scheduled-latency"
				label="p95 from schedule"
				value={formatMs(sched?.p95Ms ?? null)}
				hint={`p50 ${formatMs(sched?.p50Ms ?? null)} · p99 ${formatMs(sched?.p99Ms ?? null)} · service time p95 ${formatMs(m.totalTime?.p95Ms ?? null)}`}
			/>
		</>
	)
}
