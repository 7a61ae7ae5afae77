import type { Attempt } from '../engine/types'
import type { sessionTimeseries } from '../db/schema'
import { Sketch, spreadOf } from '../metrics/sketch'
import type { TimeseriesPoint } from '../metrics/model'

/**
 * A session's per-second buckets (docs/architecture.md §5 "Time series"), kept by the recorder.
 * A start counts in the second of its send (a message's first attempt), a completion in the second
 * of its `received_at`. Only open buckets are in memory: a second is closed `CLOSE_AFTER_MS`
 * after it ends (or at the end of the run) and handed to the recorder to write and publish.
 */
const CLOSE_AFTER_MS = 1000
/** During a long outage closed buckets wait in memory; past this many the oldest are dropped. */
const MAX_KEPT = 3600

type Row = typeof sessionTimeseries.$inferInsert

export class Bucket {
	started = 0
	completed = 0
	dropped = 0
	inFlight = 0
	errors = 0
	errorsByType: Record<string, number> = {}
	rateLimited = 0
	promptTokens = 0
	completionTokens = 0
	costUsd = 0
	responseTime = new Sketch()
	ttft = new Sketch()
	constructor(readonly second: number) {}

	/** Adds another bucket of the same second (a write that failed, put back). */
	absorb(o: Bucket) {
		this.started += o.started
		this.completed += o.completed
		this.dropped += o.dropped
		this.inFlight = Math.max(this.inFlight, o.inFlight)
		this.errors += o.errors
		for (const [k, n] of Object.entries(o.errorsByType))
			this.errorsByType[k] = (this.errorsByType[k] ?? 0) + n
		this.rateLimited += o.rateLimited
		this.promptTokens += o.promptTokens
		this.completionTokens += o.completionTokens
		this.costUsd += o.costUsd
		this.responseTime.merge(o.responseTime)
		this.ttft.merge(o.ttft)
	}
}

/** What a completed message adds to its bucket (a `session_messages` row's fields). */
export interface Completion {
	conversationIndex: number
	receivedAt: Date
	success: boolean
	errorType: string | null
	responseTimeMs: number | null
	ttftMs: number | null
	promptTokens: number | null
	completionTokens: number | null
	costUsd: number | null
	attempts: Attempt[]
}

/** The summary's rate-limit event (docs/architecture.md §5): a 429, or a 503 with a Retry-After. */
const isRateLimited = (a: Attempt) =>
	a.status === 429 || a.errorType === 'rate_limited' || (a.status === 503 && a.retryAfterMs != null)

export function createTimeseries(nowMs: () => number) {
	const open = new Map<number, Bucket>()
	/** Conversations with a message started and not yet recorded (retries are the same message). */
	const pending = new Set<number>()
	const bucket = (ms: number) => {
		const s = Math.floor(ms / 1000)
		let b = open.get(s)
		if (!b) open.set(s, (b = new Bucket(s)))
		return b
	}
	const gauge = (b: Bucket) => (b.inFlight = Math.max(b.inFlight, pending.size))
	return {
		/** Buckets in memory now (open, or closed and not written yet). */
		get size() {
			return open.size
		},
		started(conversationIndex: number) {
			if (pending.has(conversationIndex)) return
			pending.add(conversationIndex)
			const b = bucket(nowMs())
			b.started++
			gauge(b)
		},
		completed(c: Completion) {
			const b = bucket(c.receivedAt.getTime())
			gauge(b)
			pending.delete(c.conversationIndex)
			b.completed++
			if (!c.success) {
				b.errors++
				const t = c.errorType ?? 'unknown'
				b.errorsByType[t] = (b.errorsByType[t] ?? 0) + 1
			}
			b.rateLimited += c.attempts.filter(isRateLimited).length
			b.promptTokens += c.promptTokens ?? 0
			b.completionTokens += c.completionTokens ?? 0
			b.costUsd += c.costUsd ?? 0
			b.responseTime.add(c.responseTimeMs)
			b.ttft.add(c.ttftMs)
		},
		/** Due starts that were not made (the load models' `maxInFlight`, issue 14). */
		dropped(n = 1) {
			bucket(nowMs()).dropped += n
		},
		/** A conversation ended: a message it started and never recorded is no longer in flight. */
		ended(conversationIndex: number) {
			pending.delete(conversationIndex)
		},
		/** Called every flush tick: a second with messages in flight has a bucket even if nothing ends. */
		sample() {
			if (pending.size) gauge(bucket(nowMs()))
		},
		/** True when a bucket is closed and waits to be written. */
		due() {
			const limit = nowMs() - CLOSE_AFTER_MS
			for (const s of open.keys()) if ((s + 1) * 1000 <= limit) return true
			return false
		},
		/** Removes and returns the closed buckets (every bucket when `all`), oldest first. */
		take(all: boolean): Bucket[] {
			const limit = nowMs() - CLOSE_AFTER_MS
			const out: Bucket[] = []
			for (const [s, b] of open)
				if (all || (s + 1) * 1000 <= limit) {
					out.push(b)
					open.delete(s)
				}
			return out.sort((a, b) => a.second - b.second)
		},
		/** A write failed: the buckets go back (merged with any of the same second) for the next one. */
		restore(buckets: Bucket[]) {
			for (const b of buckets) {
				const cur = open.get(b.second)
				if (cur) cur.absorb(b)
				else open.set(b.second, b)
			}
			const excess = open.size - MAX_KEPT
			if (excess > 0)
				[...open.keys()]
					.sort((a, b) => a - b)
					.slice(0, excess)
					.forEach((s) => open.delete(s))
			return Math.max(0, excess)
		},
	}
}
export type Timeseries = ReturnType<typeof createTimeseries>

/** A bucket's counters, the same in its stored row and in what the API shows. */
const counters = (b: Bucket) => ({
	started: b.started,
	completed: b.completed,
	dropped: b.dropped,
	inFlight: b.inFlight,
	errors: b.errors,
	errorsByType: b.errorsByType,
	rateLimited: b.rateLimited,
	promptTokens: b.promptTokens,
	completionTokens: b.completionTokens,
})

export const bucketRow = (sessionId: string, b: Bucket, shard = 0): Row => ({
	// One row per (session, shard, second) unless a late message adds another: the id says which.
	id: `${sessionId}-${shard ? `${shard}-` : ''}${b.second}-${Math.random().toString(36).slice(2, 8)}`,
	sessionId,
	ts: new Date(b.second * 1000),
	shard,
	...counters(b),
	costUsd: b.costUsd,
	responseTimeSketch: b.responseTime.count ? b.responseTime.toBase64() : null,
	ttftSketch: b.ttft.count ? b.ttft.toBase64() : null,
})

/** A bucket as the API, the bus and the charts see it: figures, percentiles from the sketches. */
export const presentBucket = (b: Bucket): TimeseriesPoint => ({
	ts: new Date(b.second * 1000).toISOString(),
	...counters(b),
	costUsd: Math.round(b.costUsd * 1e9) / 1e9,
	responseTimeMs: spreadOf(b.responseTime),
	ttftMs: spreadOf(b.ttft),
})

/**
 * Rows of one session back into buckets, rows of the same second merged (sketches too). In flight
 * is a peak: the most of one shard's rows of a second, summed over the shards of a sharded run.
 */
export function bucketsFromRows(rows: (typeof sessionTimeseries.$inferSelect)[]): Bucket[] {
	const shards = new Set(rows.map((r) => r.shard ?? 0))
	if (shards.size > 1) {
		const per = [...shards].map((sh) => bucketsFromRows(rows.filter((r) => (r.shard ?? 0) === sh)))
		const by = new Map<number, Bucket>()
		for (const list of per)
			for (const b of list) {
				const cur = by.get(b.second)
				if (!cur) {
					by.set(b.second, b)
					continue
				}
				const inFlight = cur.inFlight + b.inFlight
				cur.absorb(b)
				cur.inFlight = inFlight
			}
		return [...by.values()].sort((a, b) => a.second - b.second)
	}
	const by = new Map<number, Bucket>()
	for (const r of rows) {
		const s = Math.floor(r.ts.getTime() / 1000)
		const b = new Bucket(s)
		Object.assign(b, {
			started: r.started,
			completed: r.completed,
			dropped: r.dropped,
			inFlight: r.inFlight,
			errors: r.errors,
			errorsByType: { ...r.errorsByType },
			rateLimited: r.rateLimited,
			promptTokens: r.promptTokens,
			completionTokens: r.completionTokens,
			costUsd: r.costUsd,
		})
		if (r.responseTimeSketch) b.responseTime = Sketch.fromBase64(r.responseTimeSketch)
		if (r.ttftSketch) b.ttft = Sketch.fromBase64(r.ttftSketch)
		const cur = by.get(s)
		if (cur) cur.absorb(b)
		else by.set(s, b)
	}
	return [...by.values()].sort((a, b) => a.second - b.second)
}
