import { and, eq } from 'drizzle-orm'
import { appendFile, mkdir, readFile, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { TokenUsage } from '../connectors/types'
import type { Deps } from '../deps'
import { bulkInsert, executePrepared } from '../db/bulk'
import { createCoalescer } from '../db/coalesce'
import { sessionMessages, sessions, sessionTimeseries } from '../db/schema'
import type { ExchangeRecord, Recorder } from '../engine/types'
import { costOf, resolvePricing, templateModel } from '../pricing/cost'
import type { ResolvedPricing } from '../pricing/model'
import {
	publishSessionEvent,
	publishSessionMessages,
	type BusEvent,
	type Progress,
} from '../sessions/events'
import { sessionLogFile } from '../sessions/log-path'
import { presentMessage } from '../sessions/present'
import { storableText as cleanText } from '../db/text'
import { RepetitionTracker } from './repetition'
import { bucketRow, createTimeseries, presentBucket, type Timeseries } from './timeseries'

type Row = typeof sessionMessages.$inferInsert

const FLUSH_EVERY_MS = 100
const FLUSH_AT_ROWS = 200
/** Past this many unflushed rows, `record` waits for the database (backpressure). */
const MAX_PENDING_ROWS = 2000
const PROGRESS_EVERY_MS = 250
const MAX_TEXT = 1_000_000
const MAX_IN_FLIGHT_SHOWN = 10
/** During an outage: rows kept in memory before the older half goes to the spool file. */
const MAX_MEMORY_ROWS = 5000
const SPOOL_BATCH = 500
const RETRY_FIRST_MS = 100
const RETRY_MAX_MS = 2000
/** The live progress write: a prepared statement on postgres.js, drizzle's update elsewhere. */
const PROGRESS_UPDATE = `update "sessions" set "messages_completed" = $1, "error_count" = $2, "conversations_completed" = $3, "tokens_total" = $4, "cost_usd" = $5, "dropped_conversations" = $6, "heartbeat_at" = $7, "updated_at" = $8 where "id" = $9 and "worker_id" = $10`

export interface SessionRecorder extends Recorder {
	readonly totals: Omit<Progress, 'durationSec' | 'elapsedSec'> & {
		messages: number
		promptTokens: number
		completionTokens: number
	}
	/** A conversation's message went out / came back: shown live as "waiting for a reply". */
	sending(conversationIndex: number, content: string): void
	answered(conversationIndex: number): void
	/** A due start the load model dropped at its in-flight cap (docs/architecture.md §4). */
	dropped(): void
	/** Frees the conversation's state; `completed` counts it towards progress. */
	endConversation(index: number, completed: boolean): void
	/** Flushes everything recorded so far (rows, JSONL, bus events, progress). */
	flush(): Promise<void>
	/** The per-second buckets (src/execution/timeseries.ts); `dropped()` above counts there too. */
	readonly timeseries: Pick<Timeseries, 'dropped' | 'size'>
	/** Final flush; stops the timer. During an outage, retries until written or `dbOutageMs`. */
	close(): Promise<void>
	/** After a failed close: one more write of the kept rows; true when nothing is left unwritten. */
	retryUnwritten(): Promise<boolean>
}

/** Sessions whose recorder still holds rows in this process: the sweep leaves their spool alone. */
export const activeRecorders = new Set<string>()

/** Rows the database could not take, one JSON row a line (docs/architecture.md §4). */
export const spoolDir = (dataDir: string) => join(dataDir, 'spool')
export const spoolFile = (dataDir: string, sessionId: string) =>
	join(spoolDir(dataDir), `${sessionId}.jsonl`)

export async function readSpool(path: string): Promise<Row[]> {
	const text = await readFile(path, 'utf8').catch(() => '')
	return text
		.split('\n')
		.filter(Boolean)
		.map((l) => {
			const r = JSON.parse(l)
			return {
				...r,
				scheduledAt: r.scheduledAt ? new Date(r.scheduledAt) : null,
				sentAt: new Date(r.sentAt),
				receivedAt: new Date(r.receivedAt),
			}
		})
}

/** Writes spooled rows (idempotent: (session_id, seq) is unique), then removes the file. */
export async function replaySpool(deps: Pick<Deps, 'db'>, path: string) {
	const rows = await readSpool(path)
	for (let i = 0; i < rows.length; i += SPOOL_BATCH)
		await insertMessages(deps.db, rows.slice(i, i + SPOOL_BATCH))
	await rm(path, { force: true })
	return rows.length
}

/** (session_id, seq) is unique, so a batch retried after an unacknowledged commit never doubles. */
const insertMessages = (db: Deps['db'], rows: Row[]) =>
	bulkInsert(db, sessionMessages, rows, { onConflictDoNothing: ['session_id', 'seq'] })

/**
 * The recorders of one database share their inserts (src/db/coalesce.ts): the rows every session
 * flushes in the same tick go as one statement. Idempotent (above), so a failed shared insert is
 * retried per recorder and each gets its own rows' outcome.
 */
const MAX_SHARED_ROWS = 2000
const writers = new WeakMap<object, ReturnType<typeof createCoalescer<Row>>>()
function writeMessages(db: Deps['db'], rows: Row[]) {
	let w = writers.get(db)
	if (!w)
		writers.set(
			db,
			(w = createCoalescer<Row>((r) => insertMessages(db, r), { maxRows: MAX_SHARED_ROWS })),
		)
	return w.write(rows)
}

/**
 * One timer for every recorder of the process (each used to have its own, at its own phase): the
 * flushes of all running sessions fall in the same tick and share their insert (above).
 */
const ticking = new Set<() => void>()
let ticker: ReturnType<typeof setInterval> | undefined
function onTick(fn: () => void) {
	ticking.add(fn)
	ticker ??= setInterval(() => {
		for (const f of ticking) f()
	}, FLUSH_EVERY_MS)
	return () => {
		ticking.delete(fn)
		if (ticking.size || !ticker) return
		clearInterval(ticker)
		ticker = undefined
	}
}

/** SQLSTATE classes that mean "try again" (connection, operator intervention, resources, rollback). */
const TRANSIENT_CLASSES = new Set(['08', '40', '53', '57', '58'])

/**
 * The SQLSTATE of an error the database itself raised and will raise again (a constraint, bad
 * data), else undefined: connection errors (ECONNREFUSED, CONNECTION_CLOSED…) are outages.
 */
export function refusedCode(e: unknown): string | undefined {
	for (let cur: unknown = e, i = 0; cur && i < 5; cur = (cur as { cause?: unknown }).cause, i++) {
		const code = (cur as { code?: unknown }).code
		// SQLSTATE: five characters; no class starts with E (errno names like EPIPE do).
		if (typeof code === 'string' && /^[0-9A-DF-Z][0-9A-Z]{4}$/.test(code))
			return TRANSIENT_CLASSES.has(code.slice(0, 2)) ? undefined : code
	}
	return undefined
}

/** What a log line says about a database error: its code and first line, never the statement. */
export function shortError(e: unknown): string {
	let cur: unknown = e
	// drizzle wraps the driver's error ("Failed query: <sql> params: ...") with it as `cause`.
	while (cur instanceof Error && cur.cause instanceof Error) cur = cur.cause
	const err = cur as { code?: unknown; message?: unknown }
	const msg = typeof err?.message === 'string' ? err.message.split('\n')[0].slice(0, 120) : ''
	if (/^Failed query/.test(msg)) return 'query failed'
	return [typeof err?.code === 'string' ? err.code : '', msg].filter(Boolean).join(': ') || 'error'
}

interface RecorderOptions {
	sessionId: string
	workerId: string
	conversationsTotal: number
	/** The run's clock for live progress: its start (default: now) and, for a run that time ends, its length. */
	startedAt?: Date
	durationSec?: number | null
	target: { requestTemplate: unknown; pricing: unknown; presetId: string | null }
	/** Called after each record with the running totals (budgets). */
	onRecorded?: (totals: SessionRecorder['totals']) => void
	/**
	 * A shard of a sharded run (docs/architecture.md §4): its rows' seq are `local × count + index`
	 * (disjoint from the other shards'), and its progress goes to its `session_shards` row through
	 * `writeProgress` (the session's counters are the sum), never over another shard's totals.
	 */
	shard?: {
		index: number
		count: number
		writeProgress: (p: {
			messagesCompleted: number
			errorCount: number
			conversationsCompleted: number
			tokensTotal: number
			costUsd: number
			droppedConversations: number
		}) => Promise<ShardSum | undefined>
	}
}

/** The session's counters summed over its shards, as `writeProgress` answers them. */
type ShardSum = Pick<
	Progress,
	| 'messagesCompleted'
	| 'errorCount'
	| 'conversationsCompleted'
	| 'conversationsTotal'
	| 'tokensTotal'
	| 'costUsd'
	| 'droppedConversations'
>

/**
 * Turns engine records into `session_messages` rows (multi-row inserts, a few per second, not
 * one round trip per message), JSONL lines under `logs/sessions/<id>/`, bus events for live
 * viewers (published after the rows commit) and the session's progress counters.
 */
export function createSessionRecorder(
	deps: Pick<Deps, 'db' | 'bus' | 'log' | 'config' | 'clock'>,
	opts: RecorderOptions,
): SessionRecorder {
	const file = sessionLogFile(deps.config.dataDir, opts.sessionId)
	const repetition = new RepetitionTracker()
	const pricingCache = new Map<string, ResolvedPricing | undefined>()
	const tplModel = templateModel(opts.target.requestTemplate)
	let seq = 0
	let failure: unknown
	let chain: Promise<void> = mkdir(dirname(file), { recursive: true }).then(() => {})
	let lastProgress = 0
	let progressDirty = false
	const totals = {
		messages: 0,
		messagesCompleted: 0,
		errorCount: 0,
		conversationsCompleted: 0,
		conversationsTotal: opts.conversationsTotal,
		tokensTotal: 0,
		promptTokens: 0,
		completionTokens: 0,
		costUsd: 0,
		droppedConversations: 0,
	}

	const pricingFor = (usage: TokenUsage) => {
		const model = tplModel ?? usage.model ?? ''
		if (!pricingCache.has(model)) {
			pricingCache.set(
				model,
				resolvePricing({
					model: model || null,
					targetPricing: opts.target.pricing,
					presetId: opts.target.presetId,
				}),
			)
		}
		return pricingCache.get(model)
	}

	/** Conversations waiting for a reply: the message shown and when it went out (ms; formatted when shown). */
	const inFlight = new Map<number, { content: string; since: number }>()
	const series = createTimeseries(() => deps.clock.now().getTime())
	let closing = false
	const startedAt = (opts.startedAt ?? deps.clock.now()).getTime()
	const progress = (): Progress => ({
		messagesCompleted: totals.messagesCompleted,
		errorCount: totals.errorCount,
		conversationsCompleted: totals.conversationsCompleted,
		conversationsTotal: totals.conversationsTotal,
		droppedConversations: totals.droppedConversations,
		durationSec: opts.durationSec ?? null,
		elapsedSec: Math.max(0, Math.round((deps.clock.now().getTime() - startedAt) / 100)) / 10,
		tokensTotal: totals.tokensTotal,
		costUsd: Math.round(totals.costUsd * 1e9) / 1e9,
	})
	/** The published progress: the counters just written (`p`), so no event is ahead of the row. */
	const live = (p: Progress): Progress => {
		const shown: NonNullable<Progress['inFlight']> = []
		for (const [conversationIndex, v] of inFlight) {
			if (shown.length === MAX_IN_FLIGHT_SHOWN) break
			shown.push({ conversationIndex, content: v.content, since: new Date(v.since).toISOString() })
		}
		return { ...p, inFlight: shown }
	}

	/** Rows recorded and not yet written, oldest first; past MAX_MEMORY_ROWS they go to the spool. */
	let queue: Row[] = []
	let spooled = false
	/** When the database first refused a write of the current outage (perf ms), and the retry plan. */
	let outageSince: number | undefined
	let retryAt = 0
	let backoff = RETRY_FIRST_MS
	const spool = spoolFile(deps.config.dataDir, opts.sessionId)
	const logPrefix = `{"sessionId":${JSON.stringify(opts.sessionId)},`

	/** Inserts, then the JSONL lines and bus events; (session_id, seq) is unique, so a retry never doubles. */
	async function insertRows(batch: Row[]) {
		await writeMessages(deps.db, batch)
		// Each row presented and serialised once: the JSONL line is the bus payload's text with the
		// session's id in front (`{"sessionId":…, …message}`).
		const json = batch.map((r) => JSON.stringify(presentMessage(r as never)))
		let lines = ''
		for (const m of json) lines += logPrefix + m.slice(1) + '\n'
		await appendFile(file, lines)
		await publishSessionMessages(deps, opts.sessionId, json)
	}

	async function writeAll(force: boolean) {
		if (spooled) {
			const rows = await readSpool(spool)
			for (let i = 0; i < rows.length; i += SPOOL_BATCH)
				await insertRows(rows.slice(i, i + SPOOL_BATCH))
			await rm(spool, { force: true })
			spooled = false
		}
		// The rows there now; those recorded while they are written wait for the next flush (a tick or
		// FLUSH_AT_ROWS), so batches stay large instead of one small insert per write's worth of rows.
		let left = force ? Number.POSITIVE_INFINITY : queue.length
		while (queue.length && left > 0) {
			const batch = queue.slice(0, Math.min(SPOOL_BATCH, left))
			await insertRows(batch)
			queue = queue.slice(batch.length)
			left -= batch.length
		}
		await writeBuckets()
		const now = deps.clock.perf()
		if (progressDirty && (force || now - lastProgress >= PROGRESS_EVERY_MS)) {
			lastProgress = now
			progressDirty = false
			const p = progress()
			// A shard's live progress is the session's: the sum over its shards (the write answers it).
			const counters = {
				messagesCompleted: p.messagesCompleted,
				errorCount: p.errorCount,
				conversationsCompleted: p.conversationsCompleted,
				tokensTotal: p.tokensTotal,
				costUsd: p.costUsd,
				droppedConversations: totals.droppedConversations,
			}
			let whole: ShardSum | undefined
			if (opts.shard) whole = await opts.shard.writeProgress(counters)
			else {
				// messagesTotal stays what execute planned (a run reaching 100 % at every write
				// made the home page's bar useless); the end of the run sets the recorded count.
				const now = deps.clock.now()
				const set = { ...counters, heartbeatAt: now }
				await executePrepared(
					deps.db,
					PROGRESS_UPDATE,
					[
						set.messagesCompleted,
						set.errorCount,
						set.conversationsCompleted,
						set.tokensTotal,
						set.costUsd,
						set.droppedConversations,
						now.toISOString(),
						// What drizzle's `$onUpdate` sets (the wall clock, not the run's).
						new Date().toISOString(),
						opts.sessionId,
						opts.workerId,
					],
					() =>
						deps.db
							.update(sessions)
							.set(set)
							.where(and(eq(sessions.id, opts.sessionId), eq(sessions.workerId, opts.workerId))),
				)
			}
			const sum = whole && {
				messagesCompleted: whole.messagesCompleted,
				errorCount: whole.errorCount,
				conversationsCompleted: whole.conversationsCompleted,
				conversationsTotal: whole.conversationsTotal,
				tokensTotal: whole.tokensTotal,
				costUsd: whole.costUsd,
				droppedConversations: whole.droppedConversations,
			}
			await publish({ type: 'progress', progress: { ...live(p), ...sum } })
		}
	}

	/**
	 * A write the database refused (docs/architecture.md §4): the rows stay (memory, then the spool
	 * file) and are retried with backoff; past `dbOutageMs` the session fails with a short error.
	 */
	async function deferred(e: unknown) {
		const now = deps.clock.perf()
		outageSince ??= now
		progressDirty = true
		deps.log.warn('recording deferred: database unavailable', {
			sessionId: opts.sessionId,
			rows: queue.length,
			error: shortError(e),
		})
		const refused = refusedCode(e)
		if (refused) {
			// The database answered and said no (a constraint, bad data): waiting will not help,
			// and spooling the rows would only replay the refusal. The session fails now.
			failure ??= new Error(`Recording failed: the database refused the messages (${refused})`)
			deps.log.error('recording failed: rows refused', { sessionId: opts.sessionId, code: refused })
			queue = []
			return
		}
		const outOfTime = now - outageSince >= deps.config.dbOutageMs
		if (queue.length > MAX_MEMORY_ROWS || outOfTime) {
			const keep = outOfTime ? 0 : MAX_MEMORY_ROWS / 2
			const moved = queue.slice(0, queue.length - keep)
			await mkdir(dirname(spool), { recursive: true })
			await appendFile(spool, moved.map((r) => JSON.stringify(r)).join('\n') + '\n')
			queue = queue.slice(moved.length)
			spooled = true
		}
		if (outOfTime && !failure) {
			failure = new Error(
				`Recording failed: the database was unreachable for more than ${Math.round(deps.config.dbOutageMs / 1000)} s`,
			)
			deps.log.error('recording failed: database outage', {
				sessionId: opts.sessionId,
				spool,
			})
		}
		retryAt = now + backoff
		backoff = Math.min(RETRY_MAX_MS, backoff * 2)
	}

	/**
	 * Closed seconds (all of them at close) after the rows they count: written, then published. A
	 * failed write puts them back for the next flush; they are figures for charts, not the record
	 * (the summary is computed from the rows), so the rows' outage handling does not wait for them.
	 */
	async function writeBuckets() {
		const buckets = series.take(closing)
		if (!buckets.length) return
		try {
			await deps.db
				.insert(sessionTimeseries)
				.values(buckets.map((b) => bucketRow(opts.sessionId, b, opts.shard?.index ?? 0)))
		} catch (e) {
			const lost = series.restore(buckets)
			deps.log.warn('time series write deferred', {
				sessionId: opts.sessionId,
				buckets: buckets.length,
				lost,
				error: shortError(e),
			})
			return
		}
		await publish({ type: 'timeseries', buckets: buckets.map(presentBucket) })
	}

	const publish = (e: BusEvent) => publishSessionEvent(deps, opts.sessionId, e)

	/** Flushes queued on the chain and not yet started: the timer and FLUSH_AT_ROWS add none while one waits. */
	let waiting = 0
	function flush(force = false): Promise<void> {
		waiting++
		chain = chain
			.then(async () => {
				waiting--
				try {
					await writeAll(force)
					if (outageSince !== undefined)
						deps.log.info('recording resumed', { sessionId: opts.sessionId })
					outageSince = undefined
					backoff = RETRY_FIRST_MS
				} catch (e) {
					await deferred(e)
				}
			})
			.catch((e) => {
				// The spool itself could not be written (disk): nothing left to keep the rows in.
				failure ??= new Error('Recording failed: the messages could not be kept')
				deps.log.error('recording failed', { sessionId: opts.sessionId, error: shortError(e) })
			})
		return chain
	}
	const unwritten = () => queue.length > 0 || spooled

	const stopTicking = onTick(() => {
		series.sample()
		if (waiting) return
		if ((unwritten() || progressDirty || series.due()) && deps.clock.perf() >= retryAt) void flush()
	})
	activeRecorders.add(opts.sessionId)

	return {
		totals,
		timeseries: series,
		async record(r: ExchangeRecord) {
			const res = r.result
			const usage = res.usage
			const cost =
				res.success || usage.totalTokens ? costOf(usage, pricingFor(usage)) : { costUsd: null }
			const n = opts.shard ? ++seq * opts.shard.count + opts.shard.index : ++seq
			const row: Row = {
				// (session, seq) is unique already; a cuid per row costs more than the insert (SHA-3).
				id: `${opts.sessionId}-${n}`,
				sessionId: opts.sessionId,
				seq: n,
				conversationIndex: r.conversationIndex,
				turnIndex: r.turnIndex,
				stepId: r.stepId === null ? null : cleanText(r.stepId),
				requestContent: cleanText(r.request.slice(0, MAX_TEXT)),
				responseContent: res.content == null ? null : cleanText(res.content.slice(0, MAX_TEXT)),
				scheduledAt: r.scheduledAt ?? null,
				sentAt: r.sentAt,
				receivedAt: new Date(r.sentAt.getTime() + Math.round(res.responseTimeMs)),
				ttftMs: res.ttftMs ?? null,
				itlMs: res.itlMs ?? null,
				responseTimeMs: res.responseTimeMs,
				httpStatus: res.httpStatus ?? null,
				success: res.success,
				errorType: res.success ? null : (res.error?.type ?? 'unknown'),
				errorMessage:
					res.success || !res.error?.message ? null : cleanText(res.error.message.slice(0, 2000)),
				retries: r.retries,
				promptTokens: usage.promptTokens,
				completionTokens: usage.completionTokens,
				totalTokens: usage.totalTokens,
				cachedTokens: usage.cachedTokens,
				tokensEstimated: usage.estimated,
				costUsd: cost.costUsd,
				repetitionScore: res.success ? repetition.score(r.conversationIndex, res.content) : null,
				attempts: r.attempts,
			}
			queue.push(row)
			series.completed({
				conversationIndex: r.conversationIndex,
				receivedAt: row.receivedAt!,
				success: res.success,
				errorType: row.errorType ?? null,
				responseTimeMs: res.responseTimeMs,
				ttftMs: row.ttftMs ?? null,
				promptTokens: usage.promptTokens,
				completionTokens: usage.completionTokens,
				costUsd: cost.costUsd,
				attempts: r.attempts,
			})
			totals.messages++
			totals.messagesCompleted++
			if (!res.success) totals.errorCount++
			totals.tokensTotal += usage.totalTokens || 0
			totals.promptTokens += usage.promptTokens || 0
			totals.completionTokens += usage.completionTokens || 0
			totals.costUsd += cost.costUsd ?? 0
			progressDirty = true
			// Past the outage bound the row is still kept (spooled with the rest); the run stops here.
			if (failure) {
				void flush()
				throw failure
			}
			opts.onRecorded?.(totals)
			// Backpressure only while the database answers; during an outage rows go to the spool.
			if (queue.length >= MAX_PENDING_ROWS && outageSince === undefined) await flush()
			else if (queue.length >= FLUSH_AT_ROWS && !waiting && deps.clock.perf() >= retryAt)
				void flush()
		},
		sending(index: number, content: string) {
			inFlight.set(index, { content: content.slice(0, 300), since: deps.clock.now().getTime() })
			series.started(index)
			progressDirty = true
		},
		answered(index: number) {
			inFlight.delete(index)
			progressDirty = true
		},
		dropped() {
			totals.droppedConversations++
			series.dropped()
			progressDirty = true
		},
		endConversation(index: number, completed: boolean) {
			inFlight.delete(index)
			repetition.end(index)
			series.ended(index)
			if (!completed) return
			totals.conversationsCompleted++
			progressDirty = true
		},
		flush: () => flush(true),
		async close() {
			stopTicking()
			closing = true
			await flush(true)
			// An outage under way: keep retrying until the rows are written or the bound is reached.
			while (!failure && (unwritten() || outageSince !== undefined)) {
				await deps.clock.sleep(Math.max(FLUSH_EVERY_MS, retryAt - deps.clock.perf()))
				await flush(true)
			}
			if (!unwritten()) activeRecorders.delete(opts.sessionId)
			if (failure) throw failure
		},
		retryUnwritten: async () => {
			await flush(true)
			const left = unwritten()
			if (!left) activeRecorders.delete(opts.sessionId)
			return !left
		},
	}
}
