import { asc, desc, eq, sql } from 'drizzle-orm'
import type { Deps } from '../deps'
import { scenarios, sessions, targets } from '../db/schema'
import { versioned } from '../db/versioned'
import { pagination } from '../http/envelope'
import { aggregateOneSession, round } from './aggregate'
import { aggregateRollups } from './aggregate-rollups'
import { sessionFilter } from './filters'
import type { MetricsQuery, MetricsResult, SortKey } from './model'

type Db = Pick<Deps, 'db' | 'database'>

/**
 * Per-session figures for the page of sessions from each session's rollup (exact sums set at its
 * end, docs/architecture.md §5), its live counters while it runs; no scan of session_messages.
 */
const R = (k: string) => sql.raw(`(sessions.rollup->>'${k}')`)
const stats = {
	messages: sql<number>`coalesce(${R('messages')}::int, ${sessions.messagesCompleted})`,
	tokens: sql<number>`coalesce(${R('tokens')}::float8, ${sessions.tokensTotal})`,
	errors: sql<number>`coalesce(${R('errors')}::int, ${sessions.errorCount})`,
	avgResponseTimeMs: sql<
		number | null
	>`(${R('responseTimeSumMs')}::float8 / nullif(${R('responseTimeCount')}::float8, 0))`,
	costUsd: sql<number>`coalesce(${R('costUsd')}::float8, ${sessions.costUsd})`,
}

/** The filter's fields alone (not the page or the order): the merged sketches' cache key. */
const filterKey = (q: MetricsQuery) =>
	JSON.stringify([q.targetId, q.scenarioId, q.status, q.startDate, q.endDate])

/** `GET /api/metrics`: a page of sessions with their figures, and the aggregate over all matches. */
export function queryMetrics(deps: Db, q: MetricsQuery): Promise<MetricsResult> {
	// Kept while sessions, targets and scenarios are unchanged (src/db/versioned.ts). One session's
	// figures come from its rows, which that version does not cover: always read.
	if (q.sessionId) return metricsOf(deps, q)
	return versioned(deps.database, ['sessions', 'targets', 'scenarios'], JSON.stringify(q), () =>
		metricsOf(deps, q),
	)
}

async function metricsOf(deps: Db, q: MetricsQuery): Promise<MetricsResult> {
	const where = sessionFilter(q)
	const sortCol = {
		createdAt: sessions.createdAt,
		startedAt: sessions.startedAt,
		status: sessions.status,
		messages: sql`coalesce(${stats.messages}, 0)`,
		tokens: sql`coalesce(${stats.tokens}, 0)`,
		avgResponseTimeMs: stats.avgResponseTimeMs,
		errors: sql`coalesce(${stats.errors}, 0)`,
		costUsd: sql`coalesce(${stats.costUsd}, 0)`,
	}[(q.sort ?? 'createdAt') as SortKey]
	const dir = q.order === 'asc' ? asc : desc
	const [rows, aggregate] = await Promise.all([
		deps.db
			.select({
				id: sessions.id,
				targetId: sessions.targetId,
				scenarioId: sessions.scenarioId,
				status: sessions.status,
				startedAt: sessions.startedAt,
				completedAt: sessions.completedAt,
				createdAt: sessions.createdAt,
				summaryMetrics: sessions.summaryMetrics,
				targetName: targets.name,
				connectorType: targets.connectorType,
				scenarioName: scenarios.name,
				messages: stats.messages,
				tokens: stats.tokens,
				errors: stats.errors,
				avgResponseTimeMs: stats.avgResponseTimeMs,
				costUsd: stats.costUsd,
			})
			.from(sessions)
			.innerJoin(targets, eq(targets.id, sessions.targetId))
			.leftJoin(scenarios, eq(scenarios.id, sessions.scenarioId))
			.where(where)
			.orderBy(
				// created_at is never null: the order its index gives (a page without sorting them all).
				...((q.sort ?? 'createdAt') === 'createdAt'
					? [dir(sessions.createdAt), asc(sessions.id)]
					: [sql`${dir(sortCol as never)} nulls last`, desc(sessions.createdAt), asc(sessions.id)]),
			)
			.limit(q.limit)
			.offset(q.offset),
		q.sessionId
			? aggregateOneSession(deps.db, where, q.sessionId)
			: aggregateRollups(deps.db, where, filterKey(q)),
	])
	const list = rows.map((r) => {
		const messages = Number(r.messages ?? 0)
		const errors = Number(r.errors ?? 0)
		return {
			id: r.id,
			targetId: r.targetId,
			scenarioId: r.scenarioId,
			status: r.status,
			startedAt: r.startedAt,
			completedAt: r.completedAt,
			createdAt: r.createdAt,
			summaryMetrics: r.summaryMetrics,
			target: { name: r.targetName, connectorType: r.connectorType },
			scenario: r.scenarioName === null ? null : { name: r.scenarioName },
			metrics: {
				messageCount: messages,
				totalTokens: Number(r.tokens ?? 0),
				avgResponseTimeMs: round(r.avgResponseTimeMs === null ? null : Number(r.avgResponseTimeMs)),
				errorCount: errors,
				errorRate: messages ? round((errors / messages) * 100)! : 0,
				costUsd: round(Number(r.costUsd ?? 0), 10)!,
			},
		}
	})
	return {
		success: true,
		data: {
			sessions: list,
			aggregate,
			pagination: pagination(aggregate.totalSessions, q.limit, q.offset),
		},
	}
}
