import { and, eq, sql } from 'drizzle-orm'
import type { Deps } from '../deps'
import { sessionMessages as m, sessions } from '../db/schema'
import { NotFound } from '../http/errors'
import type { SessionSeries } from './model'
import { sessionSummary } from './summary'
import { isTerminal } from '../sessions/model'

const n = (v: unknown) => (v === null || v === undefined ? null : Number(v))

export async function getSessionSeries(
	deps: Pick<Deps, 'db'>,
	sessionId: string,
	opts: { maxPoints?: number; bins?: number } = {},
): Promise<SessionSeries> {
	const maxPoints = opts.maxPoints ?? 200
	const binCount = opts.bins ?? 20
	const [session] = await deps.db
		.select({ id: sessions.id, status: sessions.status })
		.from(sessions)
		.where(eq(sessions.id, sessionId))
	if (!session) throw new NotFound('Session not found')
	const [{ aggregate, amplification }, [bounds]] = await Promise.all([
		sessionSummary(deps, sessionId),
		deps.db
			.select({ lo: sql<number | null>`min(${m.seq})`, count: sql<number>`count(*)::int` })
			.from(m)
			.where(eq(m.sessionId, sessionId)),
	])
	const count = Number(bounds?.count ?? 0)
	const lo = Number(bounds?.lo ?? 0)
	const bucketSize = Math.max(1, Math.ceil(count / maxPoints))
	// Grouped by position (`group by 1`): a parameterised expression never equals its own copy.
	const bucket = sql<number>`((${m.seq} - ${lo}) / ${bucketSize})::int`
	const minMs = aggregate.responseTimeMs.min
	const maxMs = aggregate.responseTimeMs.max
	const [timeline, perTurn, bins] = await Promise.all([
		deps.db
			.select({
				bucket,
				seq: sql<number>`min(${m.seq})::int`,
				messages: sql<number>`count(*)::int`,
				rt: sql<number | null>`avg(${m.responseTimeMs})::float8`,
				ttft: sql<number | null>`avg(${m.ttftMs})::float8`,
				prompt: sql<number>`coalesce(avg(${m.promptTokens}), 0)::float8`,
				completion: sql<number>`coalesce(avg(${m.completionTokens}), 0)::float8`,
				errors: sql<number>`(count(*) filter (where not ${m.success}))::int`,
				cost: sql<number>`coalesce(sum(${m.costUsd}), 0)::float8`,
			})
			.from(m)
			.where(eq(m.sessionId, sessionId))
			.groupBy(sql`1`)
			.orderBy(sql`1`),
		deps.db
			.select({
				turn: m.turnIndex,
				messages: sql<number>`count(*)::int`,
				rt: sql<number | null>`avg(${m.responseTimeMs})::float8`,
				prompt: sql<number>`coalesce(avg(${m.promptTokens}), 0)::float8`,
				completion: sql<number>`coalesce(avg(${m.completionTokens}), 0)::float8`,
				cost: sql<number>`coalesce(avg(${m.costUsd}), 0)::float8`,
			})
			.from(m)
			.where(eq(m.sessionId, sessionId))
			.groupBy(m.turnIndex)
			.orderBy(m.turnIndex),
		minMs === null || maxMs === null
			? Promise.resolve([])
			: latencyBins(deps, sessionId, minMs, maxMs, binCount),
	])
	let cumulative = 0
	let cumulativeTurn = 0
	const turns = perTurn.map((r) => {
		cumulativeTurn += Number(r.cost)
		return {
			turnIndex: r.turn,
			messages: r.messages,
			avgResponseTimeMs: n(r.rt),
			avgPromptTokens: Number(r.prompt),
			avgCompletionTokens: Number(r.completion),
			avgCostUsd: Number(r.cost),
			cumulativeAvgCostUsd: cumulativeTurn,
		}
	})
	const first = turns[0]?.avgCostUsd
	const last = turns[turns.length - 1]?.avgCostUsd
	return {
		sessionId,
		status: session.status,
		messageCount: count,
		bucketSize,
		timeline: timeline.map((r) => {
			cumulative += Number(r.cost)
			return {
				seq: r.seq,
				messages: r.messages,
				avgResponseTimeMs: n(r.rt),
				avgTtftMs: n(r.ttft),
				avgPromptTokens: Number(r.prompt),
				avgCompletionTokens: Number(r.completion),
				errors: r.errors,
				costUsd: Number(r.cost),
				cumulativeCostUsd: cumulative,
			}
		}),
		perTurn: turns,
		latency: { bins },
		aggregate,
		amplification: {
			...amplification,
			lastToFirstTurnCostRatio:
				turns.length > 1 && first ? Number((last! / first).toFixed(4)) : null,
		},
	}
}

/** Equal-width bins over [min, max] of the measured response times; empty bins included. */
async function latencyBins(
	deps: Pick<Deps, 'db'>,
	sessionId: string,
	min: number,
	max: number,
	count: number,
) {
	const bins = min === max ? 1 : count
	const width = min === max ? 1 : (max - min) / bins
	// width_bucket puts max itself in bin count+1 (and values under a rounded min in 0): fold them in.
	const b = sql<number>`greatest(least(width_bucket(${m.responseTimeMs}, ${min}::float8, ${min === max ? min + 1 : max}::float8, ${bins}), ${bins}), 1)`
	const rows = await deps.db
		.select({ b, count: sql<number>`count(*)::int` })
		.from(m)
		.where(and(eq(m.sessionId, sessionId), sql`${m.responseTimeMs} is not null`))
		.groupBy(sql`1`)
	const counts = new Map(rows.map((r) => [Number(r.b), Number(r.count)]))
	return Array.from({ length: bins }, (_, i) => ({
		from: min + i * width,
		to: min + (i + 1) * width,
		count: counts.get(i + 1) ?? 0,
	}))
}

/**
 * The series of a running session as every viewer of its page asks for it (the page, then its
 * charts polling every 5 s, views/sessions/charts.tsx): one computation per session per
 * SHARED_SERIES_MS, shared by every request in that window (in flight or done), instead of six
 * aggregates over the session's rows per viewer and poll (issue 13, "200 live viewers"). A
 * request reads the session's status first (one primary-key row): a session whose status changed
 * since (it ended) is computed afresh, and an ended session is never shared.
 */
export const SHARED_SERIES_MS = 2_000
const SHARED_SERIES_MAX = 256
const shared = new Map<string, { at: number; status: string; value: Promise<SessionSeries> }>()

export async function getSharedSessionSeries(
	deps: Pick<Deps, 'db' | 'clock'>,
	sessionId: string,
): Promise<SessionSeries> {
	const [session] = await deps.db
		.select({ status: sessions.status })
		.from(sessions)
		.where(eq(sessions.id, sessionId))
	if (!session) throw new NotFound('Session not found')
	const now = deps.clock.perf()
	// Series older than the window are dropped (oldest first: each is set anew), so what is kept is
	// bounded by the sessions polled in the last window.
	for (const [key, e] of shared) {
		if (now - e.at < SHARED_SERIES_MS) break
		shared.delete(key)
	}
	const hit = shared.get(sessionId)
	if (hit && hit.status === session.status && now - hit.at < SHARED_SERIES_MS) return hit.value
	if (hit) shared.delete(sessionId)
	const value = getSessionSeries(deps, sessionId)
	if (!isTerminal(session.status)) {
		shared.set(sessionId, { at: now, status: session.status, value })
		if (shared.size > SHARED_SERIES_MAX) shared.delete(shared.keys().next().value!)
		value.catch(() => {
			if (shared.get(sessionId)?.value === value) shared.delete(sessionId)
		})
	}
	return value
}
