import { eq, sql } from 'drizzle-orm'
import type { DbOrTx } from '../db/client'
import { statement } from '../db/statement'
import { sessions } from '../db/schema'
import { OTPS, TPOT } from './definitions'
import { Sketch, SKETCH_GAMMA, SKETCH_RELATIVE_ERROR } from './sketch'

/**
 * A session's rollup (docs/architecture.md §5, "across sessions"): exact sums over its messages,
 * computed once from its own rows (one session_id-filtered scan) when it ends, so dashboards add
 * up sessions instead of scanning `session_messages`. Averages across sessions are
 * sum ÷ count, hence exact; cost per day is by message send time (UTC day).
 */
export interface SessionRollup {
	messages: number
	errors: number
	tokens: number
	costUsd: number
	/** Sum and count of the measured response times (failures included, as in summaryMetrics). */
	responseTimeSumMs: number
	responseTimeCount: number
	/** UTC day (YYYY-MM-DD) → the cost and messages sent that day. */
	costByDay: Record<string, { costUsd: number; messages: number }>
	// The fields below came with the merged sketches (issue 13); older rollups lack them.
	promptTokens?: number
	completionTokens?: number
	/** Successful messages with no price. */
	unpricedMessages?: number
	/** Conversations that recorded a message. */
	conversations?: number
	responseTimeMinMs?: number | null
	responseTimeMaxMs?: number | null
	// Its sketches are stored apart, in `sessions.rollup_sketches` (RollupSketches below): rollups
	// before migration 0011 carried them here as `sketches`, which it moved out.
}

export type SketchMetric =
	'responseTimeMs' | 'ttftMs' | 'tpotMs' | 'itlMs' | 'outputTokensPerSecond'
/**
 * Base64 DDSketches (src/metrics/sketch.ts) over a session's rows, merged across sessions for
 * `/api/metrics`'s percentiles. Stored in `sessions.rollup_sketches`, not in the rollup: ~12 KB a
 * session, so a jsonb Postgres keeps TOASTed and compressed, and every `rollup->>'x'` would
 * decompress it whole (docs/architecture.md §5).
 */
export type RollupSketches = { relativeError: number } & Record<SketchMetric, string>

/** A session's rollup and its sketches, as computeRollup makes them (stored in two columns). */
export interface ComputedRollup {
	rollup: SessionRollup
	sketches: RollupSketches
}

/**
 * The session's sketches, binned in SQL (bin ⌈ln v ÷ ln γ⌉, as the library maps a value; values
 * ≤ 0 in the zero bin): one session_id-filtered scan, a result of at most a few hundred bins per
 * metric, whatever the number of rows. Built from the rows, not from the recorder's buckets, so a
 * message replayed from the spool or a session another worker ended is counted too.
 */
const SKETCH_BINS = statement('krawall_session_sketch_bins', ['sessionId'], ({ sessionId }) => {
	const lnGamma = sql.raw(String(Math.log(SKETCH_GAMMA)))
	return sql`
		with v as materialized (
			select response_time_ms as rt, ttft_ms as ttft, ${TPOT} as tpot, itl_ms as itl, ${OTPS} as otps
			from session_messages where session_id = ${sessionId}
		),
		u as (
			select 'responseTimeMs' as m, rt::float8 as x from v
			union all select 'ttftMs', ttft::float8 from v
			union all select 'tpotMs', tpot::float8 from v
			union all select 'itlMs', itl::float8 from v
			union all select 'outputTokensPerSecond', otps::float8 from v
		)
		select m, case when x > 0 then ceil(ln(x) / ${lnGamma})::int end as k,
			count(*)::float8 as n, min(x)::float8 as lo, max(x)::float8 as hi, sum(x)::float8 as total
		from u where x is not null group by 1, 2`
})

async function sketchesOf(db: DbOrTx, sessionId: string): Promise<RollupSketches> {
	const rows = await SKETCH_BINS(db, { sessionId })
	const metrics: SketchMetric[] = [
		'responseTimeMs',
		'ttftMs',
		'tpotMs',
		'itlMs',
		'outputTokensPerSecond',
	]
	const out = { relativeError: SKETCH_RELATIVE_ERROR } as RollupSketches
	for (const metric of metrics) {
		const mine = rows.filter((r) => r.m === metric)
		const zero = mine.find((r) => r.k === null || r.k === undefined)
		out[metric] = Sketch.fromBins({
			zeroCount: Number(zero?.n ?? 0),
			bins: mine.filter((r) => r !== zero).map((r) => [Number(r.k), Number(r.n)]),
			min: Math.min(...mine.map((r) => Number(r.lo))),
			max: Math.max(...mine.map((r) => Number(r.hi))),
			sum: mine.reduce((a, r) => a + Number(r.total), 0),
		}).toBase64()
	}
	return out
}

const ROLLUP = statement('krawall_session_rollup', ['sessionId'], ({ sessionId }) => {
	const day = sql`to_char(sent_at at time zone 'UTC', 'YYYY-MM-DD')`
	return sql`
		select
			coalesce(sum(n), 0)::int as messages,
			coalesce(sum(errors), 0)::int as errors,
			coalesce(sum(tokens), 0)::float8 as tokens,
			coalesce(sum(cost), 0)::float8 as cost,
			coalesce(sum(rt_sum), 0)::float8 as rt_sum,
			coalesce(sum(rt_n), 0)::int as rt_n,
			coalesce(sum(prompt), 0)::float8 as prompt,
			coalesce(sum(completion), 0)::float8 as completion,
			coalesce(sum(unpriced), 0)::int as unpriced,
			min(rt_min)::float8 as rt_min, max(rt_max)::float8 as rt_max,
			(select count(distinct conversation_index) from session_messages
				where session_id = ${sessionId})::int as conversations,
			coalesce(jsonb_object_agg(day, jsonb_build_object('costUsd', cost, 'messages', n))
				filter (where day is not null), '{}'::jsonb) as by_day
		from (
			select ${day} as day, count(*)::int as n,
				(count(*) filter (where not success))::int as errors,
				coalesce(sum(total_tokens), 0)::float8 as tokens,
				coalesce(sum(cost_usd), 0)::float8 as cost,
				coalesce(sum(response_time_ms), 0)::float8 as rt_sum,
				count(response_time_ms)::int as rt_n,
				coalesce(sum(prompt_tokens), 0)::float8 as prompt,
				coalesce(sum(completion_tokens), 0)::float8 as completion,
				(count(*) filter (where cost_usd is null and success))::int as unpriced,
				min(response_time_ms) as rt_min, max(response_time_ms) as rt_max
			from session_messages where session_id = ${sessionId}
			group by 1
		) d`
})

/**
 * Computes the rollup of one session and its sketches from its rows; the caller stores them as
 * `rollup` and `rollupSketches`.
 */
export async function computeRollup(db: DbOrTx, sessionId: string): Promise<ComputedRollup> {
	const [rows, sketches] = await Promise.all([ROLLUP(db, { sessionId }), sketchesOf(db, sessionId)])
	const r = rows[0] ?? {}
	const byDay = (
		typeof r.by_day === 'string' ? JSON.parse(r.by_day) : (r.by_day ?? {})
	) as SessionRollup['costByDay']
	const rollup: SessionRollup = {
		messages: Number(r.messages ?? 0),
		errors: Number(r.errors ?? 0),
		tokens: Number(r.tokens ?? 0),
		costUsd: Number(r.cost ?? 0),
		responseTimeSumMs: Number(r.rt_sum ?? 0),
		responseTimeCount: Number(r.rt_n ?? 0),
		promptTokens: Number(r.prompt ?? 0),
		completionTokens: Number(r.completion ?? 0),
		unpricedMessages: Number(r.unpriced ?? 0),
		conversations: Number(r.conversations ?? 0),
		responseTimeMinMs: r.rt_min === null || r.rt_min === undefined ? null : Number(r.rt_min),
		responseTimeMaxMs: r.rt_max === null || r.rt_max === undefined ? null : Number(r.rt_max),
		costByDay: Object.fromEntries(
			Object.entries(byDay).map(([d, v]) => [
				d,
				{ costUsd: Number(v.costUsd), messages: Number(v.messages) },
			]),
		),
	}
	return { rollup, sketches }
}

/**
 * Recomputes and stores a session's rollup and sketches (the `/api/metrics` backfill and seeded
 * test data; the session-end path stores them with the rest, src/execution/lifecycle.ts).
 */
export async function refreshRollup(db: DbOrTx, sessionId: string): Promise<ComputedRollup> {
	const computed = await computeRollup(db, sessionId)
	await db
		.update(sessions)
		.set({ rollup: computed.rollup, rollupSketches: computed.sketches })
		.where(eq(sessions.id, sessionId))
	return computed
}
