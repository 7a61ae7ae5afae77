import type { Deps } from '../deps'
import type { TimeseriesPoint } from '../metrics/model'
import type { SessionMessage, SseMessageEvent } from './present'

/**
 * Bus channels and event shapes shared by the worker (publisher) and the SSE stream
 * (subscriber). Events are published only after the rows they describe are committed, so a
 * viewer that subscribes, then replays from the database, never misses one (docs/architecture.md §6).
 */
export const sessionChannel = (id: string) => `session.${id}`
export const cancelChannel = (id: string) => `session.${id}.cancel`

export type Progress = {
	messagesCompleted: number
	errorCount: number
	conversationsCompleted: number
	conversationsTotal: number
	/** Due starts an open load model dropped at its in-flight cap so far. */
	droppedConversations: number
	/** The planned length of a run that time ends; null when a count ends it (present.ts runClock). */
	durationSec: number | null
	/** Seconds since the run started; null before it starts. */
	elapsedSec: number | null
	tokensTotal: number
	costUsd: number
	/** Messages sent and not answered yet (live views only; at most a few, text truncated). */
	inFlight?: { conversationIndex: number; content: string; since: string }[]
}

export type BusEvent =
	| { type: 'messages'; messages: SessionMessage[] }
	| { type: 'status'; status: string; progress?: Progress }
	| { type: 'progress'; progress: Progress }
	| { type: 'complete'; status: string; error?: string | null }
	/** Seconds just closed (src/execution/timeseries.ts), after their rows are written. */
	| { type: 'timeseries'; buckets: TimeseriesPoint[] }

/**
 * Publishes a session event. A lost event is logged, never thrown: the rows are committed, and a
 * viewer that reconnects replays them from the database.
 */
export const publishSessionEvent = (deps: Pick<Deps, 'bus' | 'log'>, id: string, e: BusEvent) =>
	deps.bus
		.publish(sessionChannel(id), e)
		.catch((err) => deps.log.warn('bus publish failed', { sessionId: id, error: err }))

/**
 * The `messages` event of presented messages already serialised one by one (`JSON.stringify` of
 * each `SessionMessage`), published as is: the recorder writes the same texts to the JSONL log.
 */
export const publishSessionMessages = (
	deps: Pick<Deps, 'bus' | 'log'>,
	id: string,
	messageJson: readonly string[],
) =>
	deps.bus
		.publishJson(sessionChannel(id), `{"type":"messages","messages":[${messageJson.join(',')}]}`)
		.catch((err) => deps.log.warn('bus publish failed', { sessionId: id, error: err }))

/** SSE ids: message `seq` n is two events, sent = 2n-1 and received = 2n; replay resumes after an id. */
const sentId = (seq: number) => 2 * seq - 1
export const receivedId = (seq: number) => 2 * seq

const iso = (d: Date | string | null | undefined) =>
	d ? new Date(d).toISOString() : new Date(0).toISOString()

/** One recorded message as the reference's two `message` events (extra fields allowed). */
export function messageEvents(m: SessionMessage): [SseMessageEvent, SseMessageEvent] {
	const common = {
		seq: m.seq,
		conversationIndex: m.conversationIndex,
		turnIndex: m.turnIndex,
		stepId: m.stepId,
		scheduledAt: m.scheduledAt ? iso(m.scheduledAt) : null,
	}
	return [
		{
			id: sentId(m.seq),
			type: 'message',
			data: { timestamp: iso(m.sentAt), direction: 'sent', content: m.request, ...common },
		},
		{
			id: receivedId(m.seq),
			type: 'message',
			data: {
				timestamp: iso(m.receivedAt ?? m.sentAt),
				direction: 'received',
				content: m.response ?? '',
				...common,
				success: m.success,
				httpStatus: m.httpStatus,
				responseTimeMs: m.responseTimeMs,
				ttftMs: m.ttftMs,
				promptTokens: m.promptTokens,
				completionTokens: m.completionTokens,
				totalTokens: m.totalTokens,
				tokensEstimated: m.tokensEstimated,
				costUsd: m.costUsd,
				errorType: m.errorType,
				errorMessage: m.errorMessage,
				retries: m.retries,
				attempts: m.attempts,
				totalTimeMs: m.totalTimeMs,
			},
		},
	]
}
