import { desc, eq, gte, inArray, sql } from 'drizzle-orm'
import type { Deps } from '../deps'
import { versioned } from '../db/versioned'
import { scenarios, sessions, targets } from '../db/schema'
import type { DashboardStats, DayCost, SessionPoint, SessionWithNames } from './model'
import { round } from '../metrics/aggregate'
import { runClock } from '../sessions/present'
import type { ExecutionSnapshot, LoadModel } from '../sessions/snapshot'
import { listScenarioOptions } from '../scenarios/service'
import { listTargetOptions } from '../targets/service'

type Db = Pick<Deps, 'db' | 'database' | 'clock'>

const ACTIVE = ['RUNNING', 'QUEUED'] as const

/** The last sessions with their names, newest first (the stats' `recentSessions`, the live list). */
function sessionsWithNames(deps: Pick<Deps, 'db'>) {
	return deps.db
		.select({
			id: sessions.id,
			targetId: sessions.targetId,
			scenarioId: sessions.scenarioId,
			targetName: targets.name,
			scenarioName: scenarios.name,
			status: sessions.status,
			startedAt: sessions.startedAt,
			completedAt: sessions.completedAt,
			createdAt: sessions.createdAt,
			summaryMetrics: sessions.summaryMetrics,
			messagesTotal: sessions.messagesTotal,
			messagesCompleted: sessions.messagesCompleted,
			conversationsTotal: sessions.conversationsTotal,
			conversationsCompleted: sessions.conversationsCompleted,
			droppedConversations: sessions.droppedConversations,
			// The load model alone (its duration), not the whole snapshot.
			load: sql<LoadModel | null>`${sessions.executionConfig}->'load'`,
			errorCount: sessions.errorCount,
			tokensTotal: sessions.tokensTotal,
			costUsd: sessions.costUsd,
		})
		.from(sessions)
		.innerJoin(targets, eq(targets.id, sessions.targetId))
		.leftJoin(scenarios, eq(scenarios.id, sessions.scenarioId))
		.orderBy(desc(sessions.createdAt), desc(sessions.id))
		.$dynamic()
}

/** `GET /api/dashboard/stats`, as the reference defines it, plus total cost. */
export function getDashboardStats(deps: Db): Promise<{ success: true; data: DashboardStats }> {
	// Kept while sessions, targets and scenarios are unchanged, for the second it counts from
	// (src/db/versioned.ts): `sessionsLast24h` moves with the time too.
	const second = Math.floor(deps.clock.now().getTime() / 1000) * 1000
	return versioned(deps.database, ['sessions', 'targets', 'scenarios'], `stats:${second}`, () =>
		dashboardStats(deps, second),
	)
}

async function dashboardStats(
	deps: Db,
	now: number,
): Promise<{ success: true; data: DashboardStats }> {
	const dayAgo = new Date(now - 86_400_000)
	const [[t], [s], [msg], recent] = await Promise.all([
		deps.db.select({ n: sql<number>`count(*)::int` }).from(targets),
		deps.db
			.select({
				total: sql<number>`count(*)::int`,
				active: sql<number>`(count(*) filter (where ${inArray(sessions.status, [...ACTIVE])}))::int`,
				failed: sql<number>`(count(*) filter (where ${eq(sessions.status, 'FAILED')}))::int`,
				last24h: sql<number>`(count(*) filter (where ${gte(sessions.createdAt, dayAgo)}))::int`,
				scenarios: sql<number>`(select count(*) from ${scenarios})::int`,
			})
			.from(sessions),
		// docs/architecture.md §5: from each session's rollup (set at its end), its live counters
		// while it runs; never a scan of session_messages.
		deps.db
			.select({
				rtSum: sql<number>`coalesce(sum((${sessions.rollup}->>'responseTimeSumMs')::float8), 0)::float8`,
				rtN: sql<number>`coalesce(sum((${sessions.rollup}->>'responseTimeCount')::float8), 0)::float8`,
				tokens: sql<number>`coalesce(sum(coalesce((${sessions.rollup}->>'tokens')::float8, ${sessions.tokensTotal})), 0)::float8`,
				cost: sql<number>`coalesce(sum(coalesce((${sessions.rollup}->>'costUsd')::float8, ${sessions.costUsd})), 0)::float8`,
				messages: sql<number>`coalesce(sum(coalesce((${sessions.rollup}->>'messages')::int, ${sessions.messagesCompleted})), 0)::int`,
			})
			.from(sessions),
		sessionsWithNames(deps).limit(10),
	])
	const total = Number(s?.total ?? 0)
	return {
		success: true,
		data: {
			counts: {
				targets: Number(t?.n ?? 0),
				scenarios: Number(s?.scenarios ?? 0),
				activeSessions: Number(s?.active ?? 0),
				totalSessions: total,
			},
			metrics: {
				avgResponseTimeMs: Number(msg?.rtN ?? 0)
					? round(Number(msg!.rtSum) / Number(msg!.rtN))
					: null,
				totalTokensConsumed: Number(msg?.tokens ?? 0),
				errorRate: total ? round(Number(s?.failed ?? 0) / total, 4)! : 0,
				sessionsLast24h: Number(s?.last24h ?? 0),
				totalCostUsd: round(Number(msg?.cost ?? 0), 10)!,
				totalMessages: Number(msg?.messages ?? 0),
			},
			recentSessions: recent.map((r) => ({
				id: r.id,
				targetId: r.targetId,
				scenarioId: r.scenarioId,
				targetName: r.targetName,
				scenarioName: r.scenarioName,
				status: r.status,
				startedAt: r.startedAt,
				completedAt: r.completedAt,
				createdAt: r.createdAt,
				summaryMetrics: r.summaryMetrics,
				progress: {
					messagesCompleted: r.messagesCompleted,
					messagesTotal: r.messagesTotal,
					errorCount: r.errorCount,
					tokensTotal: r.tokensTotal,
					costUsd: r.costUsd,
				},
			})),
		},
	}
}

/** Sessions still running or queued, for the live panel (progress from the live counters). */
export async function getLiveSessions(
	deps: Pick<Deps, 'db' | 'database' | 'clock'>,
): Promise<SessionWithNames[]> {
	// A query builder runs again at each await: the rows are what is kept.
	const rows = await versioned(
		deps.database,
		['sessions', 'targets', 'scenarios'],
		'live',
		async () =>
			await sessionsWithNames(deps)
				.where(inArray(sessions.status, [...ACTIVE]))
				.limit(20),
	)
	const now = deps.clock.now()
	return rows.map(({ load, ...r }) => ({
		...r,
		...runClock({ ...r, executionConfig: { load: load ?? undefined } as ExecutionSnapshot }, now),
	}))
}

/** Per-session figures for the last `n` sessions that exchanged messages, oldest first (charts). */
export function getRecentSessionSeries(
	deps: Pick<Deps, 'db' | 'database'>,
	n = 20,
): Promise<SessionPoint[]> {
	return versioned(deps.database, ['sessions', 'targets'], `series:${n}`, () =>
		recentSessionSeries(deps, n),
	)
}

async function recentSessionSeries(deps: Pick<Deps, 'db'>, n: number): Promise<SessionPoint[]> {
	// From the rollup and the summary's exact p95 of each session (docs/architecture.md §5).
	const messages = sql<number>`coalesce((${sessions.rollup}->>'messages')::int, 0)`
	const rows = await deps.db
		.select({
			id: sessions.id,
			createdAt: sessions.createdAt,
			targetName: targets.name,
			rtSum: sql<number>`(${sessions.rollup}->>'responseTimeSumMs')::float8`,
			rtN: sql<number>`(${sessions.rollup}->>'responseTimeCount')::float8`,
			p95: sql<number | null>`(${sessions.summaryMetrics}->>'p95ResponseTimeMs')::float8`,
			tokens: sql<number>`coalesce((${sessions.rollup}->>'tokens')::float8, 0)`,
			messages,
		})
		.from(sessions)
		.innerJoin(targets, eq(targets.id, sessions.targetId))
		.where(sql`${messages} > 0`)
		.orderBy(desc(sessions.createdAt), desc(sessions.id))
		.limit(n)
	return rows.reverse().map((r) => ({
		id: r.id,
		createdAt: r.createdAt,
		targetName: r.targetName,
		avgResponseTimeMs: Number(r.rtN ?? 0) ? Number(r.rtSum) / Number(r.rtN) : null,
		p95ResponseTimeMs: r.p95 === null ? null : Number(r.p95),
		totalTokens: Number(r.tokens),
		messages: Number(r.messages),
	}))
}

/** Cost per UTC day over the last `days` days (by message time), zero-filled. */
export async function getCostPerDay(
	deps: Pick<Deps, 'database' | 'clock'>,
	days = 14,
): Promise<DayCost[]> {
	const now = deps.clock.now()
	const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())
	const start = new Date(end - (days - 1) * 86_400_000)
	// Each session's rollup keeps its cost per UTC day of message time (docs/architecture.md §5).
	const from = start.toISOString().slice(0, 10)
	const rows = await versioned(deps.database, ['sessions'], `cost:${from}`, () =>
		costSince(deps, from),
	)
	const byDay = new Map(rows.map((r) => [r.day, r]))
	return Array.from({ length: days }, (_, i) => {
		const d = new Date(start.getTime() + i * 86_400_000).toISOString().slice(0, 10)
		const r = byDay.get(d)
		return { day: d, costUsd: Number(r?.cost ?? 0), messages: Number(r?.messages ?? 0) }
	})
}

async function costSince(deps: Pick<Deps, 'database'>, from: string) {
	return (await deps.database.rows<{ day: string; cost: number; messages: number }>(sql`
		select d.key as day, sum((d.value->>'costUsd')::float8)::float8 as cost,
			sum((d.value->>'messages')::int)::int as messages
		from ${sessions}, jsonb_each(coalesce(${sessions.rollup}->'costByDay', '{}'::jsonb)) d
		where d.key >= ${from}
		group by d.key`)) as { day: string; cost: number; messages: number }[]
}

/** Targets and scenarios by name, for the metrics filters. */
export function getFilterOptions(deps: Pick<Deps, 'db' | 'database'>) {
	return versioned(deps.database, ['targets', 'scenarios'], 'options', async () => {
		const [t, s] = await Promise.all([listTargetOptions(deps), listScenarioOptions(deps)])
		return { targets: t, scenarios: s }
	})
}
