import { and, asc, eq, gt, gte, lte, sql } from 'drizzle-orm'
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
/** How often a replay waiting for a slow socket looks again. */
const REPLAY_WAIT_MS = 20

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

const enc = new TextEncoder()

/**
 * What every viewer of a session shares (issue 13, "200 live viewers"): both buses hand the same
 * event object to every subscriber of its channel, so each event is rendered and encoded once per
 * renderer, whatever the number of viewers, and each viewer only enqueues the shared bytes.
 * Frames whose id is the viewer's cursor (status, progress, timeseries) are kept per id: viewers
 * that are caught up share one.
 */
/**
 * Message events' ids and frames, in order, and all of them as one chunk; `starts`: where each
 * frame begins in it, when the ids increase (then the frames after a cursor are a suffix).
 */
type Frames = { ids: number[]; frames: Uint8Array[]; all: Uint8Array; starts?: number[] }
type Shared = {
	/** A `messages` event's frames. */
	messages?: Frames
	/** Other events: the frame for a cursor. */
	byCursor?: Map<number, Uint8Array>
}
const sharedFrames = new WeakMap<object, Map<StreamRenderer, Shared>>()
function sharedOf(e: object, r: StreamRenderer): Shared {
	let perRenderer = sharedFrames.get(e)
	if (!perRenderer) sharedFrames.set(e, (perRenderer = new Map()))
	let s = perRenderer.get(r)
	if (!s) perRenderer.set(r, (s = {}))
	return s
}
function messageFrames(sessionId: string, e: { messages: SessionMessage[] }, r: StreamRenderer) {
	const s = sharedOf(e, r)
	// Kept for the replay too: a viewer that reconnects (or joins) replays these rows from the
	// cache instead of reading and rendering them again (replayPage).
	s.messages ??= framesOf(e.messages.map((m) => cachedFrames(sessionId, m.seq, r, () => m)))
	return s.messages
}
function framesOf(rows: RowFrames[]): Frames {
	const ids: number[] = []
	const frames: Uint8Array[] = []
	for (const f of rows) {
		ids.push(...f.ids)
		frames.push(...f.frames)
	}
	const starts: number[] = []
	let at = 0
	for (let i = 0; i < frames.length; i++) {
		if (i && ids[i]! <= ids[i - 1]!) return { ids, frames, all: Buffer.concat(frames) }
		starts.push(at)
		at += frames[i]!.byteLength
	}
	return { ids, frames, all: Buffer.concat(frames), starts }
}
/**
 * Replay pages' frames per renderer, by their first and last seq and their count: two reads of
 * the committed seqs after one cursor that agree on these found the same rows (what is committed
 * only grows, so of two such reads one holds the other). The last REPLAY_PAGES_MAX pages are kept.
 */
const replayPages = new Map<string, Frames>()
const REPLAY_PAGES_MAX = 8
const keptPage = (key: string) => {
	const hit = replayPages.get(key)
	if (hit) {
		replayPages.delete(key)
		replayPages.set(key, hit)
	}
	return hit
}
/** A frame with the viewer's cursor as its id, rendered once per (event, cursor). */
function cursorFrame(
	e: object,
	r: StreamRenderer,
	cursor: number,
	render: () => { event?: string; data: string },
) {
	const s = sharedOf(e, r)
	s.byCursor ??= new Map()
	let bytes = s.byCursor.get(cursor)
	if (!bytes) s.byCursor.set(cursor, (bytes = enc.encode(frame(cursor, render()))))
	return bytes
}
/**
 * The replay's reads, shared by the viewers replaying the same page at the same time (a page is
 * the REPLAY_PAGE rows after a `seq`). A viewer may only use a read that started after the moment
 * it needs to see (its subscription, or the event that showed a gap): that read holds every row
 * committed before then, as the viewer's own query would. One read per page is in flight; viewers
 * that need a later one wait for it to end and share the next. At most REPLAY_READS_MAX pages kept.
 * The stored seconds a charts viewer starts from are read the same way.
 */
type Row = typeof sessionMessages.$inferSelect
type Read = { epoch: number; rows: Promise<unknown>; done: boolean }
type Slot = { latest?: Read; next?: Promise<unknown> }
const reads = new Map<string, Slot>()
const REPLAY_READS_MAX = 16
let epoch = 0
const readEpoch = () => ++epoch
function startRead(slot: Slot, query: () => Promise<unknown>): Read {
	const r: Read = { epoch: readEpoch(), rows: query(), done: false }
	void r.rows.then(
		() => (r.done = true),
		() => {
			r.done = true
			// A failed read is nobody's answer: the next caller reads again.
			if (slot.latest === r) slot.latest = undefined
		},
	)
	slot.latest = r
	return r
}
function sharedRead<T>(key: string, since: number, query: () => Promise<T>): Promise<T> {
	let slot = reads.get(key)
	if (!slot) {
		reads.set(key, (slot = {}))
		if (reads.size > REPLAY_READS_MAX) reads.delete(reads.keys().next().value!)
	}
	const s = slot
	const l = s.latest
	if (l && l.epoch > since) return l.rows as Promise<T>
	if (l && !l.done) {
		s.next ??= l.rows
			.catch(() => undefined)
			.then(() => {
				s.next = undefined
				return startRead(s, query).rows
			})
		return s.next as Promise<T>
	}
	return startRead(s, query).rows as Promise<T>
}

/**
 * The replay's frames (a viewer joining a running session reads every message after its cursor
 * from the database): recorded rows never change, so a row's frames are rendered once per
 * renderer and kept for the next viewer, up to REPLAY_FRAMES_MAX_BYTES in all (oldest first out).
 */
type RowFrames = { ids: [number, number]; frames: [Uint8Array, Uint8Array] }
/** Per renderer and session (`rendererKey|sessionId`), the frames by seq. */
const replayCache = new Map<string, Map<number, RowFrames>>()
const rendererKeys = new WeakMap<StreamRenderer, string>()
let renderers = 0
let replayCacheBytes = 0
const REPLAY_FRAMES_MAX_BYTES = 32 * 1024 * 1024
/** What a kept row costs besides its frames (its key and entry). */
const ROW_OVERHEAD_BYTES = 64
const rendererKey = (r: StreamRenderer) => {
	let rk = rendererKeys.get(r)
	if (!rk) rendererKeys.set(r, (rk = String(++renderers)))
	return rk
}
/** A renderer's frames of one session's rows (one lookup per seq, not a string key each). */
const keptFrames = (r: StreamRenderer, sessionId: string) =>
	replayCache.get(`${rendererKey(r)}|${sessionId}`)
const rowBytes = (f: RowFrames) =>
	f.frames[0].byteLength + f.frames[1].byteLength + ROW_OVERHEAD_BYTES
/** A message's two frames for a renderer, rendered once and kept (live and replay alike). */
function cachedFrames(
	sessionId: string,
	seq: number,
	r: StreamRenderer,
	message: () => SessionMessage,
): RowFrames {
	let kept = keptFrames(r, sessionId)
	const hit = kept?.get(seq)
	if (hit) return hit
	const [a, b] = messageEvents(message())
	const f: RowFrames = {
		ids: [a.id, b.id],
		frames: [enc.encode(frame(a.id, r.message(a))), enc.encode(frame(b.id, r.message(b)))],
	}
	if (!kept) replayCache.set(`${rendererKey(r)}|${sessionId}`, (kept = new Map()))
	kept.set(seq, f)
	replayCacheBytes += rowBytes(f)
	// Oldest first out: the first session's first rows (a session's rows come in order).
	while (replayCacheBytes > REPLAY_FRAMES_MAX_BYTES) {
		const [key, rows] = replayCache.entries().next().value!
		const first = rows.entries().next().value
		if (!first) {
			replayCache.delete(key)
			continue
		}
		rows.delete(first[0])
		replayCacheBytes -= rowBytes(first[1])
		if (!rows.size) replayCache.delete(key)
	}
	return f
}
const replayFrames = (sessionId: string, row: Row, r: StreamRenderer) =>
	cachedFrames(sessionId, row.seq, r, () => presentMessage(row))

/** Per session, the whole-row fetch under way (replayPage): the next waits for it. */
const rowFetches = new Map<string, Promise<void>>()
async function rowFetchTurn(sessionId: string, fetch: () => Promise<void>) {
	const before = rowFetches.get(sessionId) ?? Promise.resolve()
	const mine = before.then(fetch, fetch)
	const settled = mine.catch(() => {})
	rowFetches.set(sessionId, settled)
	try {
		await mine
	} finally {
		if (rowFetches.get(sessionId) === settled) rowFetches.delete(sessionId)
	}
}

/**
 * The `seq`s committed after `after`, at most REPLAY_PAGE, as one row (issue 13: 200 viewers read
 * 320,000 seqs for a 2,000-message run, a row each through PGlite, the worker's channel and drizzle):
 * their first, last and count, and the list itself only when they are not every integer between.
 */
async function replaySeqs(deps: Ctx, id: string, after: number): Promise<number[]> {
	const page = deps.db
		.select({ seq: sessionMessages.seq })
		.from(sessionMessages)
		.where(and(eq(sessionMessages.sessionId, id), gt(sessionMessages.seq, after)))
		.orderBy(asc(sessionMessages.seq))
		.limit(REPLAY_PAGE)
		.as('page')
	const [r] = await deps.db
		.select({
			lo: sql<number | null>`min(${page.seq})::int`,
			hi: sql<number | null>`max(${page.seq})::int`,
			n: sql<number>`count(*)::int`,
			seqs: sql<
				number[] | null
			>`case when count(*) = max(${page.seq}) - min(${page.seq}) + 1 then null else array_agg(${page.seq} order by ${page.seq}) end`,
		})
		.from(page)
	if (!r || !r.n || r.lo === null || r.hi === null) return []
	if (r.seqs) return r.seqs.map(Number)
	const lo = Number(r.lo)
	return Array.from({ length: Number(r.n) }, (_, i) => lo + i)
}

/**
 * One replay page: the `seq`s committed after `after` (replaySeqs, shared as above), then the
 * whole rows of only those whose frames are not cached yet. With many viewers of one session the
 * first renders a row's frames and the others read one row for the page.
 */
async function replayPage(
	deps: Ctx,
	id: string,
	after: number,
	since: number,
	r: StreamRenderer,
): Promise<{ frames: Frames; full: boolean }> {
	const seqs = await sharedRead(`${id}|${after}`, since, () => replaySeqs(deps, id, after))
	const full = seqs.length === REPLAY_PAGE
	if (!seqs.length) return { frames: framesOf([]), full }
	// Viewers whose reads found the same page share its frames, and the page as one chunk.
	const key = `${rendererKey(r)}|${id}|${seqs[0]}|${seqs[seqs.length - 1]}|${seqs.length}`
	const page0 = keptPage(key)
	if (page0) return { frames: page0, full }
	const kept = keptFrames(r, id)
	const frames: (RowFrames | undefined)[] = seqs.map((seq) => kept?.get(seq))
	let done: Frames | undefined
	if (seqs.some((_, i) => !frames[i]))
		// One fetch of whole rows per session at a time: viewers that missed the same rows at the
		// same moment wait, then find them cached, so a row is read and rendered once.
		await rowFetchTurn(id, async () => {
			if ((done = keptPage(key))) return
			const now = keptFrames(r, id)
			seqs.forEach((seq, i) => (frames[i] ??= now?.get(seq)))
			const missing = seqs.filter((_, i) => !frames[i])
			if (!missing.length) return
			// Rows never change once committed, and these are known to be.
			const rows = await deps.db
				.select()
				.from(sessionMessages)
				.where(
					and(
						eq(sessionMessages.sessionId, id),
						gte(sessionMessages.seq, missing[0]!),
						lte(sessionMessages.seq, missing[missing.length - 1]!),
					),
				)
				.orderBy(asc(sessionMessages.seq))
			const bySeq = new Map(rows.map((row) => [row.seq, row]))
			seqs.forEach((seq, i) => {
				const row = bySeq.get(seq)
				if (!frames[i] && row) frames[i] = replayFrames(id, row, r)
			})
		})
	if (done) return { frames: done, full }
	const page = framesOf(frames.filter((f) => f !== undefined))
	replayPages.set(key, page)
	if (replayPages.size > REPLAY_PAGES_MAX) replayPages.delete(replayPages.keys().next().value!)
	return { frames: page, full }
}

/**
 * Timeseries charts are drawn from each viewer's own history (identical for viewers that share
 * it; sse-html.ts memoises the rendering to the same string): their frames are shared by that
 * string, a bounded memo.
 */
const chartFrames = new Map<string, Map<string, Uint8Array>>()
const CHART_FRAMES_MAX = 16
function dataFrame(cursor: number, ev: { event?: string; data: string }) {
	let byId = chartFrames.get(ev.data)
	if (!byId) {
		chartFrames.set(ev.data, (byId = new Map()))
		if (chartFrames.size > CHART_FRAMES_MAX) chartFrames.delete(chartFrames.keys().next().value!)
	}
	const key = `${ev.event ?? ''} ${cursor}`
	let bytes = byId.get(key)
	if (!bytes) byId.set(key, (bytes = enc.encode(frame(cursor, ev))))
	return bytes
}

/**
 * A viewer's bounds: bytes the socket has not taken yet, and bus events not yet written. A viewer
 * past either is too slow to follow the run: its stream ends (the browser's EventSource reconnects
 * with Last-Event-ID and replays from the database), so it never holds memory or the engine.
 */
export const VIEWER_MAX_BUFFERED_BYTES = 1024 * 1024
export const VIEWER_MAX_PENDING_EVENTS = 2_000

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
		/** The viewer's bounds (VIEWER_MAX_BUFFERED_BYTES, VIEWER_MAX_PENDING_EVENTS by default). */
		maxBufferedBytes?: number
		maxPendingEvents?: number
	},
): Promise<ReadableStream<Uint8Array>> {
	const [exists] = isPlausibleId(id)
		? await deps.db.select({ id: sessions.id }).from(sessions).where(eq(sessions.id, id))
		: []
	if (!exists) throw new NotFound('Session not found')
	const r = opts.renderer
	let cursor = Math.max(0, Math.floor(opts.lastEventId ?? 0))
	let closed = false
	let wake: (() => void) | undefined
	const live: BusEvent[] = []
	let cleanup = async () => {}

	return new ReadableStream<Uint8Array>(
		{
			async start(controller) {
				/**
				 * Too slow a viewer (the bytes the socket has not taken pass the bound while live events
				 * come) is ended; the replay instead waits for the socket before it reads the next page.
				 */
				let slow = false
				let replaying = false
				const write = (bytes: Uint8Array) => {
					if (closed) return
					try {
						controller.enqueue(bytes)
					} catch {
						closed = true
						return
					}
					if (!replaying && (controller.desiredSize ?? 0) < 0 && !slow) {
						slow = true
						deps.log.info('slow stream viewer ended', { sessionId: id, reason: 'buffered bytes' })
						void finish()
					}
				}
				const send = (chunk: string) => write(enc.encode(chunk))
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
					if (closed) return
					if (live.length >= (opts.maxPendingEvents ?? VIEWER_MAX_PENDING_EVENTS)) {
						if (!slow) {
							slow = true
							deps.log.info('slow stream viewer ended', { sessionId: id, reason: 'pending events' })
							live.length = 0
							void finish()
						}
						return
					}
					live.push(m as BusEvent)
					wake?.()
				})
				const subscribedAt = readEpoch()
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
				/** Recorded rows (the replay): their frames, shared by the viewers replaying them. */
				/**
				 * Message frames after the cursor: all of them as the one shared chunk when the viewer is
				 * before the first (usually), else the rest as one chunk (each chunk is a socket write).
				 */
				const emitFrames = (f: Frames) => {
					if (!f.ids.length) return
					const last = f.ids[f.ids.length - 1]!
					if (f.ids[0]! > cursor) {
						cursor = last
						return write(f.all)
					}
					if (f.starts) {
						// Increasing ids: the frames after the cursor are the shared chunk's tail (no copy).
						if (last <= cursor) return
						let i = 1
						while (f.ids[i]! <= cursor) i++
						cursor = last
						return write(f.all.subarray(f.starts[i]!))
					}
					const out: Uint8Array[] = []
					for (let i = 0; i < f.ids.length; i++) {
						if (f.ids[i]! <= cursor) continue
						cursor = f.ids[i]!
						out.push(f.frames[i]!)
					}
					if (out.length) write(out.length === 1 ? out[0]! : Buffer.concat(out))
				}
				/** Everything committed after the cursor, page by page. */
				const replay = async (since: number) => {
					replaying = true
					try {
						for (;;) {
							while (!closed && (controller.desiredSize ?? 1) <= 0) await Bun.sleep(REPLAY_WAIT_MS)
							if (closed) return
							const page = await replayPage(deps, id, Math.floor(cursor / 2), since, r)
							emitFrames(page.frames)
							if (!page.full || closed) return
						}
					} finally {
						replaying = false
					}
				}
				/** The seconds so far, when the renderer draws them (subscribed first: none is missed). */
				let history: TimeseriesPoint[] = []
				let loadedUpTo = ''
				const emitTimeseries = (e: BusEvent & { type: 'timeseries' }) => {
					const draw = r.timeseries
					if (!draw) return
					// Only a renderer that draws every second keeps them (the JSON form sends the new ones,
					// every bucket of the event: the same frame for every viewer at the same cursor).
					if (!r.timeseriesHistory) {
						if (e.buckets.length)
							write(cursorFrame(e, r, cursor, () => draw(e.buckets, history, id)))
						return
					}
					const fresh = e.buckets.filter((p) => !history.length || p.ts > loadedUpTo)
					if (!fresh.length) return
					for (const p of fresh) addPoint(history, p)
					if (history.length > MAX_CHART_POINTS) history = history.slice(-MAX_CHART_POINTS)
					write(dataFrame(cursor, draw(fresh, history, id)))
				}
				try {
					// Read after the subscription (so no `complete` is missed), shared by the viewers that
					// subscribed before the same read.
					// (A drizzle query runs again on each `then`: it is awaited once, inside.)
					const [s] = await sharedRead(
						`session|${id}`,
						subscribedAt,
						async () => await deps.db.select().from(sessions).where(eq(sessions.id, id)),
					)
					if (!s) return void (await finish())
					if (r.timeseries && r.timeseriesHistory && !isTerminal(s.status))
						// Shared like the replay's pages; each viewer merges live seconds into its own copy.
						history = structuredClone(
							(
								await sharedRead(`timeseries|${id}`, subscribedAt, () =>
									getSessionTimeseries(deps, id),
								)
							).buckets.slice(-MAX_CHART_POINTS),
						)
					// Seconds read from the table that the bus also delivers (published before the read).
					loadedUpTo = history[history.length - 1]?.ts ?? ''
					send(frame(cursor, r.status(s.status, progressOf(s, deps.clock.now()))))
					await replay(subscribedAt)
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
							if (first && receivedId(first.seq) - 1 > cursor + 1) await replay(readEpoch())
							emitFrames(messageFrames(id, e, r))
						} else if (e.type === 'status') {
							write(cursorFrame(e, r, cursor, () => r.status(e.status, e.progress ?? null)))
						} else if (e.type === 'timeseries') {
							emitTimeseries(e)
						} else if (e.type === 'progress') {
							const draw = r.progress
							if (draw) write(cursorFrame(e, r, cursor, () => draw(e.progress)))
						} else if (e.type === 'complete') {
							await replay(readEpoch())
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
		},
		// desiredSize counts the bytes enqueued and not yet taken by the response (the socket).
		{
			highWaterMark: opts.maxBufferedBytes ?? VIEWER_MAX_BUFFERED_BYTES,
			size: (chunk) => chunk?.byteLength ?? 0,
		},
	)
}
