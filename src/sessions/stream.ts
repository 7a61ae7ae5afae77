import { and, asc, eq, gt } from 'drizzle-orm'
import type { Deps } from '../deps'
import { sessionMessages, sessions } from '../db/schema'
import { NotFound } from '../http/errors'
import { messageEvents, receivedId, sessionChannel, type BusEvent, type Progress } from './events'
import type { TimeseriesPoint } from '../metrics/model'
import { getSessionTimeseries, MAX_CHART_POINTS } from '../metrics/timeseries'
import { isTerminal } from './model'
import { presentMessage, runClock, type SessionMessage, type SseMessageEvent } from './present'
import { isPlausibleId } from './text'

const SSE_HEARTBEAT_MS = 15_000
const REPLAY_PAGE = 500

type Ctx = Pick<Deps, 'db' | 'bus' | 'log' | 'clock'>

/** How events are written: the reference's JSON, or rendered fragments for the htmx SSE extension. */
export interface StreamRenderer {
	status(status: string, progress: Progress | null): { event?: string; data: string }
	message(e: SseMessageEvent): { event?: string; data: string }
	progress?(p: Progress): { event?: string; data: string }
	complete(status: string, error: string | null): { event?: string; data: string }
	/**
	 * Seconds just closed (`fresh`); with `timeseriesHistory`, `all` holds every second so far (the
	 * stored ones, read at connect, then the live ones; the last MAX_CHART_POINTS) for rendered charts.
	 */
	timeseries?(
		fresh: TimeseriesPoint[],
		all: TimeseriesPoint[],
		sessionId: string,
	): { event?: string; data: string }
	timeseriesHistory?: boolean
}

export const jsonRenderer: StreamRenderer = {
	status: (status, progress) => ({
		data: JSON.stringify({ type: 'status', status, ...(progress ? { progress } : {}) }),
	}),
	message: (e) => ({ data: JSON.stringify({ type: 'message', data: e.data }) }),
	complete: (status, error) => ({
		data: JSON.stringify({ type: 'complete', status, ...(error ? { error } : {}) }),
	}),
	timeseries: (fresh) => ({ data: JSON.stringify({ type: 'timeseries', buckets: fresh }) }),
}

/**
 * A live second into the history: a second already there (a message recorded after its second
 * was written) adds its counts; its percentiles stay those of the larger part (the table's merged
 * sketches are exact to the stated error; this is only the live picture).
 */
function addPoint(all: TimeseriesPoint[], p: TimeseriesPoint) {
	const cur = all.find((o) => o.ts === p.ts)
	if (!cur) {
		all.push(p)
		all.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0))
		return
	}
	const bigger = p.responseTimeMs.count > cur.responseTimeMs.count ? p : cur
	const errorsByType = { ...cur.errorsByType }
	for (const [k, n] of Object.entries(p.errorsByType)) errorsByType[k] = (errorsByType[k] ?? 0) + n
	Object.assign(cur, {
		started: cur.started + p.started,
		completed: cur.completed + p.completed,
		dropped: cur.dropped + p.dropped,
		inFlight: Math.max(cur.inFlight, p.inFlight),
		errors: cur.errors + p.errors,
		errorsByType,
		rateLimited: cur.rateLimited + p.rateLimited,
		promptTokens: cur.promptTokens + p.promptTokens,
		completionTokens: cur.completionTokens + p.completionTokens,
		costUsd: cur.costUsd + p.costUsd,
		responseTimeMs: bigger.responseTimeMs,
		ttftMs: bigger.ttftMs,
	})
}

/** One SSE frame; multi-line data gets one `data:` line per line, as the format requires. */
function frame(id: number | null, ev: { event?: string; data: string }) {
	let out = ''
	if (id !== null) out += `id: ${id}\n`
	if (ev.event) out += `event: ${ev.event}\n`
	for (const line of ev.data.split(/\r?\n/)) out += `data: ${line}\n`
	return out + '\n'
}

const progressOf = (s: typeof sessions.$inferSelect, now: Date): Progress => ({
	messagesCompleted: s.messagesCompleted,
	errorCount: s.errorCount,
	conversationsCompleted: s.conversationsCompleted,
	conversationsTotal: s.conversationsTotal,
	droppedConversations: s.droppedConversations,
	...runClock(s, now),
	tokensTotal: s.tokensTotal,
	costUsd: s.costUsd,
})

/**
 * GET /api/sessions/:id/stream (docs/architecture.md §6): `status`, then the recorded messages after
 * `lastEventId`, then live events from the bus until the session ends (`complete`). The bus is
 * subscribed to before the replay query and the worker publishes only committed rows, so the
 * hand-over from replay to live has no gap; ids already sent are skipped, so no duplicates.
 */
export async function openSessionStream(
	deps: Ctx,
	id: string,
	opts: {
		lastEventId?: number
		renderer: StreamRenderer
		signal?: AbortSignal
		heartbeatMs?: number
	},
): Promise<ReadableStream<Uint8Array>> {
	const [exists] = isPlausibleId(id)
		? await deps.db.select({ id: sessions.id }).from(sessions).where(eq(sessions.id, id))
		: []
	if (!exists) throw new NotFound('Session not found')
	const enc = new TextEncoder()
	const r = opts.renderer
	let cursor = Math.max(0, Math.floor(opts.lastEventId ?? 0))
	let closed = false
	let wake: (() => void) | undefined
	const live: BusEvent[] = []
	let cleanup = async () => {}

	return new ReadableStream<Uint8Array>({
		async start(controller) {
			const send = (chunk: string) => {
				if (closed) return
				try {
					controller.enqueue(enc.encode(chunk))
				} catch {
					closed = true
				}
			}
			const finish = async () => {
				if (closed) return
				closed = true
				await cleanup()
				try {
					controller.close()
				} catch {
					// Already closed by the client: nothing left to end.
				}
			}
			const unsubscribe = await deps.bus.subscribe(sessionChannel(id), (m) => {
				live.push(m as BusEvent)
				wake?.()
			})
			const heartbeat = setInterval(
				() => send(': heartbeat\n\n'),
				opts.heartbeatMs ?? SSE_HEARTBEAT_MS,
			)
			const onAbort = () => void finish()
			opts.signal?.addEventListener('abort', onAbort, { once: true })
			cleanup = async () => {
				clearInterval(heartbeat)
				opts.signal?.removeEventListener('abort', onAbort)
				wake?.()
				await unsubscribe().catch((error) =>
					deps.log.debug('stream unsubscribe failed', { sessionId: id, error }),
				)
			}
			const emitMessages = (messages: SessionMessage[]) => {
				for (const m of messages) {
					for (const e of messageEvents(m)) {
						if (e.id <= cursor) continue
						cursor = e.id
						send(frame(e.id, r.message(e)))
					}
				}
			}
			/** Everything committed after the cursor, page by page. */
			const replay = async () => {
				for (;;) {
					const rows = await deps.db
						.select()
						.from(sessionMessages)
						.where(
							and(
								eq(sessionMessages.sessionId, id),
								gt(sessionMessages.seq, Math.floor(cursor / 2)),
							),
						)
						.orderBy(asc(sessionMessages.seq))
						.limit(REPLAY_PAGE)
					emitMessages(rows.map(presentMessage))
					if (rows.length < REPLAY_PAGE || closed) return
				}
			}
			/** The seconds so far, when the renderer draws them (subscribed first: none is missed). */
			let history: TimeseriesPoint[] = []
			const emitTimeseries = (fresh: TimeseriesPoint[]) => {
				if (!r.timeseries || !fresh.length) return
				// Only a renderer that draws every second keeps them (the JSON form sends the new ones).
				if (r.timeseriesHistory) for (const p of fresh) addPoint(history, p)
				if (history.length > MAX_CHART_POINTS) history = history.slice(-MAX_CHART_POINTS)
				send(frame(cursor, r.timeseries(fresh, history, id)))
			}
			try {
				const [s] = await deps.db.select().from(sessions).where(eq(sessions.id, id))
				if (!s) return void (await finish())
				if (r.timeseries && r.timeseriesHistory && !isTerminal(s.status))
					history = (await getSessionTimeseries(deps, id)).buckets.slice(-MAX_CHART_POINTS)
				// Seconds read from the table that the bus also delivers (published before the read).
				const loadedUpTo = history[history.length - 1]?.ts ?? ''
				send(frame(cursor, r.status(s.status, progressOf(s, deps.clock.now()))))
				await replay()
				if (isTerminal(s.status)) {
					send(frame(cursor + 1, r.complete(s.status, s.error)))
					return void (await finish())
				}
				while (!closed) {
					const e = live.shift()
					if (!e) {
						await new Promise<void>((resolve) => (wake = resolve))
						wake = undefined
						continue
					}
					if (e.type === 'messages') {
						const first = e.messages[0]
						// A gap (an event lost by the bus): fill it from the database first.
						if (first && receivedId(first.seq) - 1 > cursor + 1) await replay()
						emitMessages(e.messages)
					} else if (e.type === 'status') {
						send(frame(cursor, r.status(e.status, e.progress ?? null)))
					} else if (e.type === 'timeseries') {
						emitTimeseries(e.buckets.filter((p) => !history.length || p.ts > loadedUpTo))
					} else if (e.type === 'progress') {
						if (r.progress) send(frame(cursor, r.progress(e.progress)))
					} else if (e.type === 'complete') {
						await replay()
						send(frame(cursor + 1, r.complete(e.status, e.error ?? null)))
						return void (await finish())
					}
				}
			} catch (e) {
				deps.log.warn('session stream failed', { sessionId: id, error: e })
				await finish()
			}
		},
		async cancel() {
			closed = true
			await cleanup()
		},
	})
}
