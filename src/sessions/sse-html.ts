import type { Paged } from '../http/model'
import type { TimeseriesPoint } from '../metrics/model'
import { ChatBubble, ChatBubbles, ProgressTiles } from '../../views/sessions/live'
import { TimeseriesCharts } from '../../views/sessions/timeseries'
import { StatusBadge } from '../../views/ui/badge'
import { SKETCH_RELATIVE_ERROR } from '../metrics/sketch'
import { messageEvents } from './events'
import type { SessionMessage } from './present'
import type { StreamRenderer } from './stream'

/**
 * Rendering the charts costs ≈ 6–8 ms (30–600 seconds), and every viewer of a session receives the
 * same seconds each time one closes: a fragment is rendered once per content and shared, not once
 * per viewer (a pure, bounded memo; the key is what the charts draw).
 */
const rendered = new Map<string, string>()
const RENDERED_MAX = 64
function chartsOf(sessionId: string, all: TimeseriesPoint[]): string {
	let completed = 0
	let cost = 0
	for (const p of all) {
		completed += p.completed
		cost += p.costUsd
	}
	const last = all[all.length - 1]
	const key = `${sessionId}|${all.length}|${all[0]?.ts}|${last?.ts}|${completed}|${cost}|${last?.responseTimeMs.p95}`
	const hit = rendered.get(key)
	if (hit !== undefined) return hit
	const html = String(
		TimeseriesCharts({
			series: { status: 'RUNNING', seconds: 1, relativeError: SKETCH_RELATIVE_ERROR, points: all },
		}),
	)
	rendered.set(key, html)
	if (rendered.size > RENDERED_MAX) rendered.delete(rendered.keys().next().value!)
	return html
}

/** `?format=html`: named events carrying rendered fragments for the htmx SSE extension. */
export const htmlRenderer: StreamRenderer = {
	status: (status) => ({ event: 'status', data: String(StatusBadge({ status })) }),
	message: (e) => ({ event: 'message', data: String(ChatBubble({ e })) }),
	progress: (p) => ({ event: 'progress', data: String(ProgressTiles({ progress: p })) }),
	complete: (status) => ({ event: 'complete', data: String(StatusBadge({ status })) }),
	// The charts of every second so far (one-second points; the page re-reads wider ones at the end).
	timeseries: (_fresh, all, sessionId) => ({ event: 'timeseries', data: chartsOf(sessionId, all) }),
	timeseriesHistory: true,
}

/** `GET /api/sessions/:id/messages` for htmx: the page's messages as the bubbles the stream sends. */
export const messagesFragment = (r: Paged<SessionMessage>) =>
	ChatBubbles({ events: r.data.flatMap(messageEvents) })
