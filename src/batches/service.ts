import { asc, count, desc, eq, inArray } from 'drizzle-orm'
import type { Deps } from '../deps'
import { batches, scenarios, sessions, targets } from '../db/schema'
import { compareSessions } from '../compare/service'
import { detail, Invalid, NotFound } from '../http/errors'
import { isTerminal } from '../sessions/model'
import { prepareExecution, queuePrepared } from '../sessions/service'
import { isPlausibleId } from '../sessions/text'
import type {
	BatchListItem,
	BatchListQuery,
	BatchSession,
	BatchStatus,
	BatchView,
	Cheapest,
	CreateBatch,
} from './model'

type Ctx = Parameters<typeof prepareExecution>[0]

/**
 * POST /api/batches: every target is prepared exactly as POST /api/execute prepares one (same
 * validation, budgets, pricing check) before anything is written, so a bad id or an inactive
 * target refuses the whole batch with nothing created; then the batch row and one ordinary
 * QUEUED session per target (docs/architecture.md §4).
 */
export async function createBatch(deps: Ctx, input: CreateBatch) {
	input.targetIds.forEach((id, i) => {
		if (input.targetIds.indexOf(id) !== i)
			throw new Invalid([detail(['targetIds', i], `Target ${id} is listed twice`)])
	})
	const prepared = []
	for (const targetId of input.targetIds) {
		prepared.push(
			await prepareExecution(deps, {
				targetId,
				scenarioId: input.scenarioId,
				...(input.executionConfig ? { executionConfig: input.executionConfig } : {}),
			}),
		)
	}
	const [batch] = await deps.db
		.insert(batches)
		.values({
			scenarioId: input.scenarioId,
			targetIds: input.targetIds,
			executionConfig: input.executionConfig ?? null,
		})
		.returning()
	const sessionIds: string[] = []
	for (const p of prepared) {
		sessionIds.push((await queuePrepared(deps, p, { batchId: batch!.id })).sessionId)
	}
	return { batchId: batch!.id, sessionIds, status: 'QUEUED' as const }
}

export function batchStatus(statuses: string[]): BatchStatus {
	if (statuses.some((s) => !isTerminal(s))) {
		return statuses.every((s) => s === 'QUEUED' || s === 'PENDING') ? 'QUEUED' : 'RUNNING'
	}
	const done = statuses.filter((s) => s === 'COMPLETED').length
	return done === statuses.length ? 'COMPLETED' : done === 0 ? 'FAILED' : 'PARTIAL'
}

const batchSessions = (deps: Pick<Deps, 'db'>, batchIds: string[]) =>
	deps.db
		.select({ s: sessions, targetName: targets.name })
		.from(sessions)
		.leftJoin(targets, eq(targets.id, sessions.targetId))
		.where(inArray(sessions.batchId, batchIds))
		.orderBy(asc(sessions.createdAt), asc(sessions.id))

const presentSession = (r: Awaited<ReturnType<typeof batchSessions>>[number]): BatchSession => ({
	id: r.s.id,
	status: r.s.status,
	targetId: r.s.targetId,
	targetName: r.targetName,
	costUsd: r.s.costUsd,
	messagesCompleted: r.s.messagesCompleted,
	messagesTotal: r.s.messagesTotal,
	error: r.s.error,
})

/** GET /api/batches/:id: the sessions, the derived status, and their comparison once finished. */
export async function getBatch(deps: Pick<Deps, 'db'>, id: string): Promise<BatchView> {
	const [row] = isPlausibleId(id)
		? await deps.db
				.select({ b: batches, scenarioName: scenarios.name })
				.from(batches)
				.leftJoin(scenarios, eq(scenarios.id, batches.scenarioId))
				.where(eq(batches.id, id))
		: []
	if (!row) throw new NotFound('Batch not found')
	// In the order the targets were given (sessions created in one millisecond sort by id alone).
	const rows = (await batchSessions(deps, [id])).sort(
		(a, b) => row.b.targetIds.indexOf(a.s.targetId) - row.b.targetIds.indexOf(b.s.targetId),
	)
	const list = rows.map(presentSession)
	const status = batchStatus(list.map((s) => s.status))
	const finished = rows.filter((r) => r.s.summaryMetrics).map((r) => r.s.id)
	const comparison =
		status !== 'QUEUED' && status !== 'RUNNING' && finished.length >= 2
			? await compareSessions(deps, finished.join(','))
			: null
	return {
		id: row.b.id,
		scenario: { id: row.b.scenarioId, name: row.scenarioName },
		targetIds: row.b.targetIds,
		status,
		sessions: list,
		comparison,
		cheapest: comparison
			? cheapestOf(
					comparison,
					list,
					new Set(
						rows
							.filter((r) => r.s.summaryMetrics && r.s.summaryMetrics.unpricedMessages === 0)
							.map((r) => r.s.id),
					),
				)
			: null,
		createdAt: row.b.createdAt,
	}
}

/** Lowest cost per conversation (src/compare/metrics.ts) among priced sessions; first on a tie. */
function cheapestOf(
	c: NonNullable<BatchView['comparison']>,
	list: BatchSession[],
	priced: Set<string>,
): Cheapest | null {
	const row = c.rows.find((r) => r.metric === 'cost-per-conversation')
	if (!row) return null
	let best: Cheapest | null = null
	for (const [i, s] of c.sessions.entries()) {
		const v = row.values[i]
		// An unpriced reply costs 0 by omission, not by price: such a session cannot be the cheapest.
		if (v === null || v === undefined || !priced.has(s.id)) continue
		if (!best || v < best.costPerConversationUsd) {
			const t = list.find((x) => x.id === s.id)
			best = {
				sessionId: s.id,
				targetId: t?.targetId ?? s.target?.id ?? '',
				targetName: t?.targetName ?? s.target?.name ?? null,
				costPerConversationUsd: v,
			}
		}
	}
	return best
}

/** GET /api/batches: newest first, each with its sessions' ids and derived status. */
export async function listBatches(deps: Pick<Deps, 'db'>, q: BatchListQuery) {
	const limit = q.limit ?? 50
	const offset = q.offset ?? 0
	const [rows, [total]] = await Promise.all([
		deps.db
			.select({ b: batches, scenarioName: scenarios.name })
			.from(batches)
			.leftJoin(scenarios, eq(scenarios.id, batches.scenarioId))
			.orderBy(desc(batches.createdAt), desc(batches.id))
			.limit(limit)
			.offset(offset),
		deps.db.select({ n: count() }).from(batches),
	])
	const all = rows.length
		? await batchSessions(
				deps,
				rows.map((r) => r.b.id),
			)
		: []
	const items: BatchListItem[] = rows.map((r) => {
		const mine = all
			.filter((x) => x.s.batchId === r.b.id)
			.sort((a, b) => r.b.targetIds.indexOf(a.s.targetId) - r.b.targetIds.indexOf(b.s.targetId))
		return {
			id: r.b.id,
			scenario: { id: r.b.scenarioId, name: r.scenarioName },
			targetIds: r.b.targetIds,
			status: batchStatus(mine.map((x) => x.s.status)),
			sessionIds: mine.map((x) => x.s.id),
			createdAt: r.b.createdAt,
		}
	})
	return { items, total: total?.n ?? 0, limit, offset }
}
