import type { Deps } from '../deps'
import { checkScheduleRegression } from '../schedules/regression'
import { emitSessionEvent } from '../webhooks/events'

const EVENTS = {
	COMPLETED: 'session.completed',
	FAILED: 'session.failed',
	CANCELLED: 'session.cancelled',
} as const

/** Fires the session's terminal webhook event; never throws (a webhook must not fail a session). */
export async function notifySessionEnded(
	deps: Pick<Deps, 'db' | 'database' | 'queue' | 'clock' | 'log'>,
	sessionId: string,
	status: string,
) {
	const event = EVENTS[status as keyof typeof EVENTS]
	if (!event) return
	try {
		await emitSessionEvent(deps, sessionId, event)
	} catch (e) {
		deps.log.warn('webhook event failed', { sessionId, event, error: e })
	}
	if (status === 'COMPLETED') await checkScheduleRegression(deps, sessionId)
}
