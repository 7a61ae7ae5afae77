import { ChatBubble, ProgressTiles, StatusBadge } from '../../views/sessions'
import type { StreamRenderer } from './stream'

/** `?format=html`: named events carrying rendered fragments for the htmx SSE extension. */
export const htmlRenderer: StreamRenderer = {
	status: (status) => ({ event: 'status', data: String(StatusBadge({ status })) }),
	message: (e) => ({ event: 'message', data: String(ChatBubble({ e })) }),
	progress: (p) => ({ event: 'progress', data: String(ProgressTiles({ progress: p })) }),
	complete: (status) => ({ event: 'complete', data: String(StatusBadge({ status })) }),
}
