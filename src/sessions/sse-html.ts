import type { Paged } from '../http/model'
import { ChatBubble, ChatBubbles, ProgressTiles } from '../../views/sessions/live'
import { TimeseriesCharts } from '../../views/sessions/timeseries'
import { StatusBadge } from '../../views/ui/badge'
import { SKETCH_RELATIVE_ERROR } from '../metrics/sketch'
import { messageEvents } from './events'
import type { SessionMessage } from './present'
import type { StreamRenderer } from './stream'

/** `?format=html`: named events carrying rendered fragments for the htmx SSE extension. */
export const htmlRenderer: StreamRenderer = {
	status: (status) => ({ event: 'status', data: String(StatusBadge({ status })) }),
	message: (e) => ({ event: 'message', data: String(ChatBubble({ e })) }),
	progress: (p) => ({ event: 'progress', data: String(ProgressTiles({ progress: p })) }),
	complete: (status) => ({ event: 'complete', data: String(StatusBadge({ status })) }),
	// The charts of every second so far (one-second points; the page re-reads wider ones at the end).
	timeseries: (_fresh, all) => ({
		event: 'timeseries',
		data: String(
			TimeseriesCharts({
				series: {
					status: 'RUNNING',
					seconds: 1,
					relativeError: SKETCH_RELATIVE_ERROR,
					points: all,
				},
			}),
		),
	}),
	timeseriesHistory: true,
}

/** `GET /api/sessions/:id/messages` for htmx: the page's messages as the bubbles the stream sends. */
export const messagesFragment = (r: Paged<SessionMessage>) =>
	ChatBubbles({ events: r.data.flatMap(messageEvents) })
