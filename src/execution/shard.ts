import { and, eq, isNull, lt, or, sql } from 'drizzle-orm'
import type { AnyPgColumn } from 'drizzle-orm/pg-core'
import type { Deps } from '../deps'
import { sessions, sessionShards } from '../db/schema'
import { SESSION_SHARD_JOB, type SessionShardJob } from '../sessions/model'
import { shardLimit } from '../sessions/load-input'
import type { ExecutionSnapshot, LoadModel } from '../sessions/snapshot'
import { DEFAULT_MAX_IN_FLIGHT, isOpenModel } from './load'
import { finishSession, type SessionRow } from './lifecycle'
import { mergeShardHealth } from './health'
import type { LoadGeneratorHealth } from './summary-metrics'

/**
 * One run across many workers (docs/architecture.md §4). A session whose `load.workers` asks for
 * N > 1 shards is split, in the scaled mode, into N `session.shard` jobs: each takes its share of
 * the conversations, lanes, rate or in-flight cap, claims its `session_shards` row once
 * (QUEUED → RUNNING), numbers its rows `seq = local × N + shard` (disjoint), adds its spend to the
 * session's shared budget counter, and ends on its own; the last shard to end ends the session.
 */

type Ctx = Pick<Deps, 'db' | 'database' | 'bus' | 'queue' | 'clock' | 'log' | 'config' | 'workerId'>
export type ShardRow = typeof sessionShards.$inferSelect
export interface Shard {
	index: number
	count: number
}

const WORKER_LOST = 'worker lost'

/** The bus channel a shard that reached the shared budget tells the others on. */
export const budgetChannel = (id: string) => `session.${id}.budget`

/** `total` split over `count` parts as evenly as integers allow; part `index`'s size. */
export const share = (total: number, index: number, count: number) =>
	Math.floor(total / count) + (index < total % count ? 1 : 0)

/**
 * How many shards a claimed session runs as: 1 (today's single run) without `load.workers`, in the
 * embedded mode (one process: the same run is one shard), or when `auto` finds one live worker.
 * `auto` is one shard per live `--worker`, at most as many as the run can give work to.
 */
export async function shardCountFor(deps: Ctx, row: SessionRow): Promise<number> {
	const snap = row.executionConfig
	const workers = snap.load?.workers
	if (!workers || workers === 1 || deps.queue.kind !== 'bullmq') return 1
	if (workers !== 'auto') return workers
	const live = (await deps.queue.workers?.(SESSION_SHARD_JOB).catch(() => 1)) ?? 1
	return Math.max(1, Math.min(live, shardLimit(snap.load!, snap).limit))
}

/** The part of the snapshot shard `index` of `count` runs (docs/architecture.md §4). */
export function shardSnapshot(
	snap: ExecutionSnapshot,
	index: number,
	count: number,
): ExecutionSnapshot {
	const { workers: _, ...whole } = snap.load ?? { type: 'closed' as const }
	const load = whole as LoadModel
	const concurrency = Math.max(1, share(snap.concurrency, index, count))
	const repetitions = Math.max(1, share(snap.repetitions, index, count))
	if (load.type === 'closed') return { ...snap, load, concurrency, repetitions }
	const inFlight = (cap: number) => Math.max(1, share(cap, index, count))
	if (load.type === 'arrival')
		return {
			...snap,
			load: {
				...load,
				rate: load.rate / count,
				maxInFlight: inFlight(load.maxInFlight),
				...(load.seed !== undefined ? { seed: (load.seed + index) >>> 0 } : {}),
			},
		}
	if (isOpenModel(load))
		return {
			...snap,
			load: {
				...load,
				stages: load.stages.map((s) => ({ durationSec: s.durationSec, rate: s.rate! / count })),
				maxInFlight: inFlight(load.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT),
			},
		}
	return {
		...snap,
		load: {
			...load,
			stages: load.stages.map((s) => ({
				durationSec: s.durationSec,
				concurrency: share(s.concurrency ?? 0, index, count),
			})),
		},
	}
}

/** Writes the N shard rows and enqueues their jobs (job id `<session>-<shard>`: never doubled). */
export async function startShards(deps: Ctx, row: SessionRow, count: number) {
	await deps.db
		.insert(sessionShards)
		.values(
			Array.from({ length: count }, (_, i) => ({
				id: `${row.id}-${i}`,
				sessionId: row.id,
				shardIndex: i,
				shardCount: count,
			})),
		)
		.onConflictDoNothing()
	for (let i = 0; i < count; i++) {
		const data: SessionShardJob = { sessionId: row.id, shard: i }
		await deps.queue.enqueue(SESSION_SHARD_JOB, data, { jobId: `${row.id}-${i}` })
	}
	deps.log.info('session sharded', { sessionId: row.id, shards: count })
}

/** QUEUED → RUNNING for one shard of a RUNNING session, in one conditional UPDATE: taken once. */
export async function claimShard(
	deps: Ctx,
	sessionId: string,
	index: number,
): Promise<{ shard: ShardRow; session: SessionRow } | undefined> {
	const now = deps.clock.now()
	const [shard] = await deps.db
		.update(sessionShards)
		.set({ status: 'RUNNING', workerId: deps.workerId, heartbeatAt: now, startedAt: now })
		.where(
			and(
				eq(sessionShards.sessionId, sessionId),
				eq(sessionShards.shardIndex, index),
				eq(sessionShards.status, 'QUEUED'),
				sql`exists (select 1 from ${sessions} where ${sessions.id} = ${sessionId} and ${sessions.status} = 'RUNNING')`,
			),
		)
		.returning()
	if (!shard) return undefined
	const [session] = await deps.db.select().from(sessions).where(eq(sessions.id, sessionId))
	return session ? { shard, session } : undefined
}

const mine = (deps: Ctx, sessionId: string, index: number) =>
	and(
		eq(sessionShards.sessionId, sessionId),
		eq(sessionShards.shardIndex, index),
		eq(sessionShards.status, 'RUNNING'),
		eq(sessionShards.workerId, deps.workerId),
	)

/**
 * Renews the shard's heartbeat and the session's (any live shard keeps the session from being
 * swept); false when the shard or the session is no longer running (cancelled or failed elsewhere).
 */
export async function beatShard(deps: Ctx, sessionId: string, index: number): Promise<boolean> {
	const now = deps.clock.now()
	const rows = await deps.db
		.update(sessionShards)
		.set({ heartbeatAt: now })
		.where(mine(deps, sessionId, index))
		.returning({ id: sessionShards.id })
	if (!rows.length) return false
	const s = await deps.db
		.update(sessions)
		.set({ heartbeatAt: now })
		.where(and(eq(sessions.id, sessionId), eq(sessions.status, 'RUNNING')))
		.returning({ id: sessions.id })
	return s.length > 0
}

export interface ShardProgress {
	messagesCompleted: number
	errorCount: number
	conversationsCompleted: number
	tokensTotal: number
	costUsd: number
	droppedConversations: number
}

/**
 * A shard's progress: its own row, then the session's counters as the sum over its shards, which
 * it answers (what the live progress event shows); undefined when the session is not RUNNING.
 */
export async function writeShardProgress(
	deps: Ctx,
	sessionId: string,
	index: number,
	p: ShardProgress,
): Promise<(ShardProgress & { conversationsTotal: number }) | undefined> {
	const now = deps.clock.now()
	await deps.db
		.update(sessionShards)
		.set({ ...p, heartbeatAt: now })
		.where(mine(deps, sessionId, index))
	const sum = (col: AnyPgColumn) =>
		sql`(select coalesce(sum(${col}), 0) from ${sessionShards} where ${sessionShards.sessionId} = ${sessionId})`
	const [row] = await deps.db
		.update(sessions)
		.set({
			messagesCompleted: sql`${sum(sessionShards.messagesCompleted)}::int`,
			errorCount: sql`${sum(sessionShards.errorCount)}::int`,
			conversationsCompleted: sql`${sum(sessionShards.conversationsCompleted)}::int`,
			tokensTotal: sql`${sum(sessionShards.tokensTotal)}::int`,
			costUsd: sql`${sum(sessionShards.costUsd)}::float8`,
			droppedConversations: sql`${sum(sessionShards.droppedConversations)}::int`,
			heartbeatAt: now,
		})
		.where(and(eq(sessions.id, sessionId), eq(sessions.status, 'RUNNING')))
		.returning({
			messagesCompleted: sessions.messagesCompleted,
			errorCount: sessions.errorCount,
			conversationsCompleted: sessions.conversationsCompleted,
			conversationsTotal: sessions.conversationsTotal,
			tokensTotal: sessions.tokensTotal,
			costUsd: sessions.costUsd,
			droppedConversations: sessions.droppedConversations,
		})
	return row
}

/**
 * Adds a shard's spend to the session's shared budget counter in one atomic UPDATE and answers the
 * totals over every shard, so N shards never spend the budget N times (docs/architecture.md §4).
 */
export async function addSpend(
	deps: Ctx,
	sessionId: string,
	tokens: number,
	costUsd: number,
): Promise<{ tokens: number; costUsd: number } | undefined> {
	const [row] = await deps.db
		.update(sessions)
		.set({
			budgetTokens: sql`${sessions.budgetTokens} + ${Math.round(tokens)}`,
			budgetCostUsd: sql`${sessions.budgetCostUsd} + ${costUsd}`,
		})
		.where(eq(sessions.id, sessionId))
		.returning({ tokens: sessions.budgetTokens, costUsd: sessions.budgetCostUsd })
	return row
}

/**
 * A serialized, coalescing feed into the shared counter: one UPDATE in flight per shard; what is
 * recorded meanwhile goes in the next one. `onTotals` sees the session-wide totals.
 */
export function spendFeed(
	deps: Ctx,
	sessionId: string,
	onTotals: (t: { tokens: number; costUsd: number }) => void,
) {
	let tokens = 0
	let cost = 0
	let running: Promise<void> | null = null
	const pump = async () => {
		while (tokens || cost) {
			const t = tokens
			const c = cost
			tokens = 0
			cost = 0
			try {
				const totals = await addSpend(deps, sessionId, t, c)
				if (totals) onTotals(totals)
			} catch (error) {
				// Put it back: the next record retries; the budget is checked late, never skipped.
				tokens += t
				cost += c
				deps.log.warn('shared budget update failed', { sessionId, error })
				return
			}
		}
	}
	return {
		add(t: number, c: number) {
			tokens += t
			cost += c
			running ??= pump().finally(() => (running = null))
		},
		settled: () => running ?? Promise.resolve(),
	}
}

export interface ShardEnd {
	status: 'COMPLETED' | 'FAILED' | 'CANCELLED'
	error: string | null
	stopReason: string
	conversationsCompleted: number
	conversationsStarted: number | null
	droppedConversations: number
	/** The shard process's health (src/execution/health.ts); merged over shards for the session. */
	loadGenerator?: LoadGeneratorHealth | null
}

/** Ends this worker's shard (only if it is still ours and RUNNING), then settles the session. */
export async function finishShard(deps: Ctx, sessionId: string, index: number, end: ShardEnd) {
	await deps.db
		.update(sessionShards)
		.set({
			status: end.status,
			error: end.error,
			stopReason: end.stopReason,
			conversationsCompleted: end.conversationsCompleted,
			conversationsStarted: end.conversationsStarted,
			droppedConversations: end.droppedConversations,
			loadGenerator: end.loadGenerator ?? null,
			completedAt: deps.clock.now(),
		})
		.where(mine(deps, sessionId, index))
	await settleShards(deps, sessionId)
}

/**
 * Fails a RUNNING shard whose heartbeat is older than the stall interval ("worker lost"; the UPDATE
 * is conditioned on it still being stale, so a worker that beat meanwhile keeps its shard). It is
 * never run again: a repeat would spend the target's money twice.
 */
export async function failLostShard(deps: Omit<Ctx, 'workerId'>, sessionId: string, index: number) {
	const before = new Date(deps.clock.now().getTime() - deps.config.workerStallMs)
	const rows = await deps.db
		.update(sessionShards)
		.set({
			status: 'FAILED',
			error: WORKER_LOST,
			stopReason: WORKER_LOST,
			conversationsStarted: null,
			completedAt: deps.clock.now(),
		})
		.where(
			and(
				eq(sessionShards.sessionId, sessionId),
				eq(sessionShards.shardIndex, index),
				eq(sessionShards.status, 'RUNNING'),
				or(isNull(sessionShards.heartbeatAt), lt(sessionShards.heartbeatAt, before)),
			),
		)
		.returning({ id: sessionShards.id })
	if (rows.length) deps.log.warn('session shard failed: worker lost', { sessionId, shard: index })
	return rows.length > 0
}

/**
 * After a shard ends (or is found lost): stale RUNNING shards are failed "worker lost"; when no
 * shard is QUEUED or RUNNING any more, the session ends once, with one summary over every
 * shard's rows (finishSession's UPDATE is conditioned on RUNNING, so of two last shards one wins).
 */
export async function settleShards(
	deps: Omit<Ctx, 'workerId'>,
	sessionId: string,
): Promise<boolean> {
	let shards = await shardsOf(deps, sessionId)
	const stale = deps.clock.now().getTime() - deps.config.workerStallMs
	let failed = false
	for (const s of shards)
		if (s.status === 'RUNNING' && (s.heartbeatAt?.getTime() ?? 0) < stale)
			failed = (await failLostShard(deps, sessionId, s.shardIndex)) || failed
	if (failed) shards = await shardsOf(deps, sessionId)
	if (shards.some((s) => s.status === 'QUEUED' || s.status === 'RUNNING')) return false
	const [row] = await deps.db.select().from(sessions).where(eq(sessions.id, sessionId))
	if (!row || row.status !== 'RUNNING') return false
	// Any owner: the session is the shards', not one worker's (no workerId condition).
	return finishSession({ ...deps, workerId: '' }, row, mergeShards(shards), { anyOwner: true })
}

export const shardsOf = (deps: Pick<Ctx, 'db'>, sessionId: string) =>
	deps.db
		.select()
		.from(sessionShards)
		.where(eq(sessionShards.sessionId, sessionId))
		.orderBy(sessionShards.shardIndex)

const part = (s: ShardRow) => `shard ${s.shardIndex + 1} of ${s.shardCount}`

/**
 * The session's end from its shards' (docs/architecture.md §4): a failure wins (naming the shard),
 * then a lost worker ("worker lost: shard 2 of 3"), then a shutdown, a cancel, a budget stop.
 * The load-generator health is the shards' merged (src/execution/health.ts, mergeShardHealth).
 */
export function mergeShards(shards: ShardRow[]): ShardEnd {
	const sum = (f: (s: ShardRow) => number) => shards.reduce((n, s) => n + f(s), 0)
	const counts = {
		conversationsCompleted: sum((s) => s.conversationsCompleted),
		conversationsStarted: shards.some((s) => s.conversationsStarted === null)
			? null
			: sum((s) => s.conversationsStarted ?? 0),
		droppedConversations: sum((s) => s.droppedConversations),
		loadGenerator: mergeShardHealth(
			shards.flatMap((s) =>
				s.loadGenerator
					? [
							{
								...s.loadGenerator,
								shardIndex: s.shardIndex,
								shardCount: s.shardCount,
								workerId: s.workerId,
							},
						]
					: [],
			),
		),
	}
	const failed = shards.filter((s) => s.status === 'FAILED' && s.error !== WORKER_LOST)
	if (failed.length) {
		const reason = `${part(failed[0])}: ${failed[0].error ?? 'failed'}`
		return { status: 'FAILED', error: reason, stopReason: reason, ...counts }
	}
	const lost = shards.filter((s) => s.status === 'FAILED')
	if (lost.length) {
		const reason = `${WORKER_LOST}: ${lost.map(part).join(', ')}`
		return { status: 'FAILED', error: reason, stopReason: reason, ...counts }
	}
	const shutdown = shards.find((s) => s.status === 'CANCELLED' && s.error)
	if (shutdown)
		return { status: 'CANCELLED', error: shutdown.error, stopReason: shutdown.error!, ...counts }
	if (shards.some((s) => s.status === 'CANCELLED'))
		return { status: 'CANCELLED', error: null, stopReason: 'cancelled', ...counts }
	const budget = shards.find((s) => s.stopReason && s.stopReason !== 'completed')
	return {
		status: 'COMPLETED',
		error: null,
		stopReason: budget?.stopReason ?? 'completed',
		...counts,
	}
}
