import { and, eq, inArray, sql, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../db/client'
import { sessionMessages as m, sessions } from '../db/schema'
import type { Aggregate } from './model'
import { OTPS, TPOT } from './definitions'

/**
 * Message aggregates, computed in SQL (docs/architecture.md §5). Definitions:
 * - response-time figures (avg, min, max, percentiles via `percentile_cont`) cover every message
 *   with a measured time, failures included (a timeout's time is what the user waited) — the
 *   same definition as the session's `summaryMetrics` (src/execution/summary.ts);
 * - an error is a message with `success = false`; `errorRate` is their percentage of all messages;
 * - cost sums the priced messages; `unpricedMessages` counts successful messages with no known
 *   price (a failed exchange with no usage costs nothing to price); cost per conversation is the
 *   cost ÷ the conversations that ran (recorded a message), as in `summaryMetrics`;
 * - TPOT, ITL and output tokens per second are per successful message, as in `summaryMetrics`.
 */
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v))
export const round = (v: number | null, digits = 2) =>
	v === null ? null : Number(v.toFixed(digits))

const pct = (p: number, v: SQL) =>
	sql<number | null>`(percentile_cont(${sql.raw(String(p))}) within group (order by ${v}))::float8`

const messageAggregateColumns = {
	conversations: sql<number>`count(distinct (${m.sessionId}, ${m.conversationIndex}))::int`,
	tpot50: pct(0.5, TPOT),
	tpot95: pct(0.95, TPOT),
	tpot99: pct(0.99, TPOT),
	itl50: pct(0.5, sql`${m.itlMs}`),
	itl95: pct(0.95, sql`${m.itlMs}`),
	itl99: pct(0.99, sql`${m.itlMs}`),
	otps50: pct(0.5, OTPS),
	otps95: pct(0.95, OTPS),
	otps99: pct(0.99, OTPS),
	totalMessages: sql<number>`count(*)::int`,
	totalTokens: sql<number>`coalesce(sum(${m.totalTokens}), 0)::float8`,
	promptTokens: sql<number>`coalesce(sum(${m.promptTokens}), 0)::float8`,
	completionTokens: sql<number>`coalesce(sum(${m.completionTokens}), 0)::float8`,
	totalErrors: sql<number>`(count(*) filter (where not ${m.success}))::int`,
	totalCostUsd: sql<number>`coalesce(sum(${m.costUsd}), 0)::float8`,
	unpricedMessages: sql<number>`(count(*) filter (where ${m.costUsd} is null and ${m.success}))::int`,
	avgMs: sql<number | null>`avg(${m.responseTimeMs})::float8`,
	minMs: sql<number | null>`min(${m.responseTimeMs})::float8`,
	maxMs: sql<number | null>`max(${m.responseTimeMs})::float8`,
	p50: sql<
		number | null
	>`(percentile_cont(0.5) within group (order by ${m.responseTimeMs}))::float8`,
	p90: sql<
		number | null
	>`(percentile_cont(0.9) within group (order by ${m.responseTimeMs}))::float8`,
	p95: sql<
		number | null
	>`(percentile_cont(0.95) within group (order by ${m.responseTimeMs}))::float8`,
	p99: sql<
		number | null
	>`(percentile_cont(0.99) within group (order by ${m.responseTimeMs}))::float8`,
}

type Row = { [K in keyof typeof messageAggregateColumns]: unknown }

function toAggregate(row: Row | undefined, totalSessions: number): Aggregate {
	const r = row ?? ({} as Row)
	const totalMessages = Number(r.totalMessages ?? 0)
	const totalErrors = Number(r.totalErrors ?? 0)
	const prompt = Number(r.promptTokens ?? 0)
	const completion = Number(r.completionTokens ?? 0)
	const conversations = Number(r.conversations ?? 0)
	const cost = Number(r.totalCostUsd ?? 0)
	const spread = (k: 'tpot' | 'itl' | 'otps') => ({
		p50: round(num(r[`${k}50`])),
		p95: round(num(r[`${k}95`])),
		p99: round(num(r[`${k}99`])),
	})
	return {
		totalSessions,
		totalMessages,
		totalTokens: Number(r.totalTokens ?? 0),
		avgResponseTimeMs: round(num(r.avgMs)),
		totalErrors,
		errorRate: totalMessages ? round((totalErrors / totalMessages) * 100)! : 0,
		totalCostUsd: round(cost, 10)!,
		conversations,
		costPerConversationUsd: conversations ? round(cost / conversations, 10) : null,
		unpricedMessages: Number(r.unpricedMessages ?? 0),
		promptTokens: prompt,
		completionTokens: completion,
		outputPerInputToken: prompt ? round(completion / prompt, 4) : null,
		responseTimeMs: {
			min: round(num(r.minMs)),
			max: round(num(r.maxMs)),
			p50: round(num(r.p50)),
			p90: round(num(r.p90)),
			p95: round(num(r.p95)),
			p99: round(num(r.p99)),
		},
		tpotMs: spread('tpot'),
		itlMs: spread('itl'),
		outputTokensPerSecond: spread('otps'),
		percentiles: { source: 'rows', relativeError: 0, sessionsWithoutSketch: 0 },
	}
}

/**
 * The exact aggregate over the messages of one session, if it matches `where` (`/api/metrics`
 * with `sessionId`: one session's rows may be read, docs/architecture.md §5); across sessions
 * the aggregate adds up rollups instead (src/metrics/aggregate-rollups.ts).
 */
export async function aggregateOneSession(
	db: DbOrTx,
	where: SQL | undefined,
	sessionId: string,
): Promise<Aggregate> {
	const ids = db.select({ id: sessions.id }).from(sessions).where(where)
	const [[count], [row]] = await Promise.all([
		db
			.select({ n: sql<number>`count(*)::int` })
			.from(sessions)
			.where(where),
		db
			.select(messageAggregateColumns)
			.from(m)
			.where(and(eq(m.sessionId, sessionId), inArray(m.sessionId, ids))),
	])
	return toAggregate(row as Row, Number(count?.n ?? 0))
}

/** The same aggregate for one session. */
export async function aggregateSession(db: DbOrTx, sessionId: string): Promise<Aggregate> {
	const [row] = await db.select(messageAggregateColumns).from(m).where(eq(m.sessionId, sessionId))
	return toAggregate(row as Row, 1)
}
