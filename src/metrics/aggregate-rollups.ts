import { and, inArray, isNotNull, sql, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../db/client'
import { sessions } from '../db/schema'
import { round } from './aggregate'
import type { Aggregate } from './model'
import { refreshRollup, type RollupSketches, type SketchMetric } from './rollup'
import { Sketch, SKETCH_RELATIVE_ERROR } from './sketch'

/**
 * The `/api/metrics` aggregate over many sessions from their rollups (docs/architecture.md §5
 * "Across sessions"), never their rows: sums and min/max are exact; percentiles come from the
 * sessions' DDSketches merged, within `SKETCH_RELATIVE_ERROR` of the value at rank ⌊q·(n−1)⌋ (not
 * `percentile_cont`'s interpolation), and the result says so (`percentiles`). The sketches are
 * read from their own column, `rollup_sketches`, by a query of their own; the totals read only the
 * small `rollup` (src/metrics/rollup.ts RollupSketches says why).
 *
 * Fallbacks: a session still running counts through its live counters (messages, errors, tokens,
 * cost), without response times, tokens by direction or percentiles until it ends — as the
 * dashboard counts it. A session that ended without sketches (older versions) is brought up to
 * date here, its rollup and sketches recomputed from its own rows (one session_id-filtered scan
 * each, at most BACKFILL_PER_REQUEST per request, so the first request after an upgrade stays
 * bounded); until then it counts through its older rollup or counters and is left out of the
 * percentiles, counted in `percentiles.sessionsWithoutSketch`.
 */
const BACKFILL_PER_REQUEST = 25
const TERMINAL = ['COMPLETED', 'FAILED', 'CANCELLED'] as const

const R = (k: string) => sql.raw(`(sessions.rollup->>'${k}')`)
const sumOf = (v: SQL) => sql<number>`coalesce(sum(${v}), 0)::float8`

async function backfill(db: DbOrTx, where: SQL | undefined) {
	const stale = await db
		.select({ id: sessions.id })
		.from(sessions)
		.where(
			and(where, inArray(sessions.status, [...TERMINAL]), sql`${sessions.rollupSketches} is null`),
		)
		.limit(BACKFILL_PER_REQUEST)
	for (const s of stale) await refreshRollup(db, s.id)
}

const METRICS: SketchMetric[] = [
	'responseTimeMs',
	'ttftMs',
	'tpotMs',
	'itlMs',
	'outputTokensPerSecond',
]
/** Sketches read per statement when a cache entry is brought up to date. */
const FETCH_CHUNK = 500
/** Filters kept merged per database; the least recently used goes first. */
const MAX_ENTRIES = 32

/**
 * The merged sketches of the sessions one filter matched, and which sessions (with their row
 * version, `xmin`) they hold. A request reads the matching sessions' ids and versions (no sketch,
 * no detoasting), merges only the sketches of sessions that ended since, reads again those of a
 * member whose row changed (kept when they are the same), and rebuilds the entry when a member's
 * sketches changed or it left (sketches cannot be subtracted, min/max least of all). So a
 * dashboard polled by many clients merges each session's sketches once per process, not once per
 * request; every answer still reflects the rows as read.
 */
interface MergedEntry {
	/** Per session: its row version when merged, and a hash of the sketches merged then. */
	members: Map<string, { v: string; h: string }>
	merged: Record<SketchMetric, Sketch>
	/** Updates of one entry run one at a time (two requests must not merge the same session twice). */
	turn: Promise<void>
}
const mergedByDb = new WeakMap<object, Map<string, MergedEntry>>()

const emptyMerged = () =>
	Object.fromEntries(METRICS.map((m) => [m, new Sketch()])) as Record<SketchMetric, Sketch>

function entryFor(db: DbOrTx, key: string): MergedEntry {
	let byKey = mergedByDb.get(db)
	if (!byKey) mergedByDb.set(db, (byKey = new Map()))
	let e = byKey.get(key)
	if (e) byKey.delete(key)
	else e = { members: new Map(), merged: emptyMerged(), turn: Promise.resolve() }
	byKey.set(key, e)
	while (byKey.size > MAX_ENTRIES) byKey.delete(byKey.keys().next().value!)
	return e
}

const sketchHash = (s: unknown) =>
	String(Bun.hash(typeof s === 'string' ? s : JSON.stringify(s ?? null)))

/** The sketches of these sessions, with their row versions as read with them. */
async function readSketches(db: DbOrTx, ids: string[]) {
	const out: { id: string; s: unknown; v: string }[] = []
	for (let i = 0; i < ids.length; i += FETCH_CHUNK)
		out.push(
			...(await db
				.select({ id: sessions.id, s: sessions.rollupSketches, v: sql<string>`xmin::text` })
				.from(sessions)
				.where(inArray(sessions.id, ids.slice(i, i + FETCH_CHUNK)))),
		)
	return out
}

function mergeInto(e: MergedEntry, r: { id: string; s: unknown; v: string }) {
	const sk = (typeof r.s === 'string' ? JSON.parse(r.s) : r.s) as RollupSketches | null
	// A sketch of another accuracy cannot be merged (none is written yet; the check keeps it so).
	if (sk && sk.relativeError === SKETCH_RELATIVE_ERROR)
		for (const m of METRICS) addEncoded(e.merged[m], sk[m])
	// Its version as read with the sketch: a row rewritten between the two reads is merged at its
	// newer version, and the next request keeps it.
	e.members.set(r.id, { v: r.v, h: sketchHash(r.s) })
}

/**
 * The merged sketches of the sessions `where` matches (`key`: the filter, for the cache). Reads
 * the members inside the entry's turn, so the set an update works from is never older than the
 * one the entry holds. A member whose row changed is read again: the same sketches (its counters
 * or any other column moved) keep the merge; other sketches, or a member gone, rebuild it.
 */
function mergedSketches(
	db: DbOrTx,
	where: SQL | undefined,
	key: string,
): Promise<Record<SketchMetric, Sketch>> {
	const e = entryFor(db, key)
	const run = e.turn.then(async () => {
		const rows = await db
			.select({ id: sessions.id, v: sql<string>`xmin::text` })
			.from(sessions)
			.where(and(where, isNotNull(sessions.rollupSketches)))
		const current = new Map(rows.map((r) => [r.id, r.v]))
		let rebuild = false
		const changed: string[] = []
		for (const [id, m] of e.members) {
			const v = current.get(id)
			if (v === undefined) {
				rebuild = true
				break
			}
			if (v !== m.v) changed.push(id)
		}
		if (!rebuild) {
			const fresh = rows.filter((r) => !e.members.has(r.id)).map((r) => r.id)
			for (const r of await readSketches(db, [...changed, ...fresh])) {
				const m = e.members.get(r.id)
				if (!m) mergeInto(e, r)
				else if (m.h === sketchHash(r.s)) m.v = r.v
				else {
					rebuild = true
					break
				}
			}
		}
		if (rebuild) {
			e.members = new Map()
			e.merged = emptyMerged()
			for (const r of await readSketches(db, [...current.keys()])) mergeInto(e, r)
		}
		return e.merged
	})
	e.turn = run.then(
		() => {},
		() => {},
	)
	return run
}

function addEncoded(into: Sketch, b64: string | undefined) {
	if (!b64) return
	try {
		into.merge(Sketch.fromBase64(b64))
	} catch {
		// A value not written by src/metrics/sketch.ts (hand-edited jsonb): it adds nothing, never a 500.
	}
}

export async function aggregateRollups(
	db: DbOrTx,
	where: SQL | undefined,
	key: string,
): Promise<Aggregate> {
	await backfill(db, where)
	const [[t], sketches] = await Promise.all([
		db
			.select({
				sessions: sql<number>`count(*)::int`,
				messages: sumOf(sql`coalesce(${R('messages')}::int, ${sessions.messagesCompleted})`),
				errors: sumOf(sql`coalesce(${R('errors')}::int, ${sessions.errorCount})`),
				tokens: sumOf(sql`coalesce(${R('tokens')}::float8, ${sessions.tokensTotal})`),
				cost: sumOf(sql`coalesce(${R('costUsd')}::float8, ${sessions.costUsd})`),
				prompt: sumOf(sql`${R('promptTokens')}::float8`),
				completion: sumOf(sql`${R('completionTokens')}::float8`),
				unpriced: sumOf(sql`${R('unpricedMessages')}::float8`),
				conversations: sumOf(sql`${R('conversations')}::float8`),
				rtSum: sumOf(sql`${R('responseTimeSumMs')}::float8`),
				rtN: sumOf(sql`${R('responseTimeCount')}::float8`),
				rtMin: sql<number | null>`min(${R('responseTimeMinMs')}::float8)`,
				rtMax: sql<number | null>`max(${R('responseTimeMaxMs')}::float8)`,
				withoutSketch: sql<number>`(count(*) filter (where ${sessions.status} in ('COMPLETED', 'FAILED', 'CANCELLED') and ${sessions.rollupSketches} is null))::int`,
			})
			.from(sessions)
			.where(where),
		mergedSketches(db, where, key),
	])
	const merged = (k: SketchMetric) => sketches[k]
	const q = (s: Sketch, p: number) => round(s.quantile(p))
	const spread = (k: SketchMetric) => {
		const s = merged(k)
		return { p50: q(s, 0.5), p95: q(s, 0.95), p99: q(s, 0.99) }
	}
	const rt = merged('responseTimeMs')
	const n = (v: unknown) => Number(v ?? 0)
	const messages = n(t?.messages)
	const errors = n(t?.errors)
	const cost = n(t?.cost)
	const prompt = n(t?.prompt)
	const completion = n(t?.completion)
	const conversations = n(t?.conversations)
	return {
		totalSessions: n(t?.sessions),
		totalMessages: messages,
		totalTokens: n(t?.tokens),
		avgResponseTimeMs: n(t?.rtN) ? round(n(t?.rtSum) / n(t?.rtN)) : null,
		totalErrors: errors,
		errorRate: messages ? round((errors / messages) * 100)! : 0,
		totalCostUsd: round(cost, 10)!,
		conversations,
		costPerConversationUsd: conversations ? round(cost / conversations, 10) : null,
		unpricedMessages: n(t?.unpriced),
		promptTokens: prompt,
		completionTokens: completion,
		outputPerInputToken: prompt ? round(completion / prompt, 4) : null,
		responseTimeMs: {
			min: t?.rtMin === null || t?.rtMin === undefined ? null : round(Number(t.rtMin)),
			max: t?.rtMax === null || t?.rtMax === undefined ? null : round(Number(t.rtMax)),
			p50: q(rt, 0.5),
			p90: q(rt, 0.9),
			p95: q(rt, 0.95),
			p99: q(rt, 0.99),
		},
		tpotMs: spread('tpotMs'),
		itlMs: spread('itlMs'),
		outputTokensPerSecond: spread('outputTokensPerSecond'),
		percentiles: {
			source: 'sketches',
			relativeError: SKETCH_RELATIVE_ERROR,
			sessionsWithoutSketch: n(t?.withoutSketch),
		},
	}
}
