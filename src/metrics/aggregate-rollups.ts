import { and, inArray, isNotNull, sql, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../db/client'
import { sessions } from '../db/schema'
import { round } from './aggregate'
import type { Aggregate } from './model'
import { refreshRollup, type RollupSketches, type SketchMetric } from './rollup'
import { mergeSketches, SKETCH_RELATIVE_ERROR, type Sketch } from './sketch'

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

export async function aggregateRollups(db: DbOrTx, where: SQL | undefined): Promise<Aggregate> {
	await backfill(db, where)
	const [[t], sketchRows] = await Promise.all([
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
		db
			.select({ s: sessions.rollupSketches })
			.from(sessions)
			.where(and(where, isNotNull(sessions.rollupSketches))),
	])
	// A sketch of another accuracy cannot be merged (none is written yet; the check keeps it so).
	const sk = sketchRows
		.map((r) => (typeof r.s === 'string' ? JSON.parse(r.s) : r.s) as RollupSketches)
		.filter((s) => s && s.relativeError === SKETCH_RELATIVE_ERROR)
	const merged = (k: SketchMetric) => mergeSketches(sk.map((s) => s[k]))
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
