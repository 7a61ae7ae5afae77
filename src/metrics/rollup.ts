import { eq, sql } from 'drizzle-orm'
import type { DbOrTx } from '../db/client'
import { sessions } from '../db/schema'

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
}

/** Computes the rollup of one session from its rows. */
export async function computeRollup(db: DbOrTx, sessionId: string): Promise<SessionRollup> {
	const day = sql`to_char(sent_at at time zone 'UTC', 'YYYY-MM-DD')`
	const res = await db.execute(sql`
		select
			coalesce(sum(n), 0)::int as messages,
			coalesce(sum(errors), 0)::int as errors,
			coalesce(sum(tokens), 0)::float8 as tokens,
			coalesce(sum(cost), 0)::float8 as cost,
			coalesce(sum(rt_sum), 0)::float8 as rt_sum,
			coalesce(sum(rt_n), 0)::int as rt_n,
			coalesce(jsonb_object_agg(day, jsonb_build_object('costUsd', cost, 'messages', n))
				filter (where day is not null), '{}'::jsonb) as by_day
		from (
			select ${day} as day, count(*)::int as n,
				(count(*) filter (where not success))::int as errors,
				coalesce(sum(total_tokens), 0)::float8 as tokens,
				coalesce(sum(cost_usd), 0)::float8 as cost,
				coalesce(sum(response_time_ms), 0)::float8 as rt_sum,
				count(response_time_ms)::int as rt_n
			from session_messages where session_id = ${sessionId}
			group by 1
		) d`)
	const rows = (Array.isArray(res) ? res : (res as { rows: unknown[] }).rows) as Record<
		string,
		unknown
	>[]
	const r = rows[0] ?? {}
	const byDay = (
		typeof r.by_day === 'string' ? JSON.parse(r.by_day) : (r.by_day ?? {})
	) as SessionRollup['costByDay']
	return {
		messages: Number(r.messages ?? 0),
		errors: Number(r.errors ?? 0),
		tokens: Number(r.tokens ?? 0),
		costUsd: Number(r.cost ?? 0),
		responseTimeSumMs: Number(r.rt_sum ?? 0),
		responseTimeCount: Number(r.rt_n ?? 0),
		costByDay: Object.fromEntries(
			Object.entries(byDay).map(([d, v]) => [
				d,
				{ costUsd: Number(v.costUsd), messages: Number(v.messages) },
			]),
		),
	}
}

/** Recomputes and stores a session's rollup (the session-end path and seeded test data). */
export async function refreshRollup(db: DbOrTx, sessionId: string): Promise<SessionRollup> {
	const rollup = await computeRollup(db, sessionId)
	await db.update(sessions).set({ rollup }).where(eq(sessions.id, sessionId))
	return rollup
}
