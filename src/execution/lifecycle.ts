import { and, eq, lt, or, isNull, sql } from 'drizzle-orm'
import type { Deps } from '../deps'
import { sessions, sessionShards } from '../db/schema'
import { SESSION_SHARD_JOB } from '../sessions/model'
import { publishSessionEvent } from '../sessions/events'
import { notifySessionEnded } from '../sessions/notify'
import { computeRollup } from '../metrics/rollup'
import { computeSummary } from './summary'
import type { LoadGeneratorHealth, SummaryMetrics } from './summary-metrics'

/** A budget stop's default grace period for requests in flight (k6's gracefulStop default). */
export const DEFAULT_GRACEFUL_STOP_MS = 30_000

type Ctx = Pick<Deps, 'db' | 'database' | 'bus' | 'queue' | 'clock' | 'log' | 'config' | 'workerId'>
export type SessionRow = typeof sessions.$inferSelect

const WORKER_LOST = 'worker lost'

/** Heartbeat period: a few beats per stall interval, so one missed beat is not a death. */
export const heartbeatMs = (config: Deps['config']) =>
	Math.max(50, Math.min(5000, Math.floor(config.workerStallMs / 4)))

/** QUEUED → RUNNING in one conditional UPDATE: exactly one worker ever takes a session. */
export async function claimSession(deps: Ctx, id: string): Promise<SessionRow | undefined> {
	const now = deps.clock.now()
	const [row] = await deps.db
		.update(sessions)
		.set({
			status: 'RUNNING',
			workerId: deps.workerId,
			heartbeatAt: now,
			startedAt: now,
			error: null,
		})
		.where(and(eq(sessions.id, id), eq(sessions.status, 'QUEUED')))
		.returning()
	return row
}

/** Renews this worker's claim; false when the session is no longer ours (cancelled or failed elsewhere). */
export async function beat(deps: Ctx, id: string): Promise<boolean> {
	const rows = await deps.db
		.update(sessions)
		.set({ heartbeatAt: deps.clock.now() })
		.where(
			and(
				eq(sessions.id, id),
				eq(sessions.status, 'RUNNING'),
				eq(sessions.workerId, deps.workerId),
			),
		)
		.returning({ id: sessions.id })
	return rows.length > 0
}

/**
 * What an ended session stores from its rows: the summary, the rollup and its sketches, and the
 * counters taken from the summary (the recorded counts, not the planned ones).
 */
export const endedColumns = (
	summary: SummaryMetrics,
	{ rollup, sketches }: Awaited<ReturnType<typeof computeRollup>>,
) => ({
	summaryMetrics: summary,
	rollup,
	rollupSketches: sketches,
	messagesCompleted: summary.totalMessages,
	messagesTotal: summary.totalMessages,
	errorCount: summary.failedMessages,
	tokensTotal: summary.totalTokens,
	costUsd: summary.totalCostUsd,
})

/**
 * Ends a RUNNING session: summary from the recorded rows, terminal status (only if it is still
 * RUNNING and, unless `anyOwner`, still ours), the bus's `complete`, the webhook event.
 */
export async function finishSession(
	deps: Ctx,
	row: SessionRow,
	end: {
		status: 'COMPLETED' | 'FAILED' | 'CANCELLED'
		error: string | null
		stopReason: string
		conversationsCompleted: number
		/** Conversations the run took; null when no process watched it to the end (worker lost). */
		conversationsStarted?: number | null
		/** Due starts dropped at the in-flight cap; a lost session keeps the count it last wrote. */
		droppedConversations?: number
		/** The run's load-generator health (src/execution/health.ts); absent when no process watched it. */
		loadGenerator?: LoadGeneratorHealth | null
	},
	opts: { anyOwner?: boolean; heartbeatBefore?: Date } = {},
): Promise<boolean> {
	const completedAt = deps.clock.now()
	const snap = row.executionConfig
	const dropped = end.droppedConversations ?? row.droppedConversations
	// docs/architecture.md §5: the rollup dashboards add up instead of scanning messages; both at
	// once (on Postgres, their statements on connections of their own).
	const [summary, { rollup, sketches }] = await Promise.all([
		computeSummary(deps, row.id, {
			load: snap.load ?? null,
			droppedConversations: dropped,
			conversationsStarted: end.conversationsStarted ?? null,
			startedAt: row.startedAt,
			completedAt,
			repetitions: snap.repetitions ?? 1,
			conversationsCompleted: end.conversationsCompleted,
			stopReason: end.stopReason,
			loadGenerator: end.loadGenerator,
			budget:
				snap.maxTokens || snap.maxCostUsd
					? {
							maxTokens: snap.maxTokens,
							maxCostUsd: snap.maxCostUsd,
							gracefulStopMs: snap.gracefulStopMs ?? DEFAULT_GRACEFUL_STOP_MS,
						}
					: undefined,
		}),
		computeRollup(deps.db, row.id),
	])
	const conds = [eq(sessions.id, row.id), eq(sessions.status, 'RUNNING')]
	if (!opts.anyOwner) conds.push(eq(sessions.workerId, deps.workerId))
	if (opts.heartbeatBefore)
		conds.push(or(isNull(sessions.heartbeatAt), lt(sessions.heartbeatAt, opts.heartbeatBefore))!)
	const [done] = await deps.db
		.update(sessions)
		.set({
			status: end.status,
			error: end.error,
			completedAt,
			...endedColumns(summary, { rollup, sketches }),
			conversationsCompleted: end.conversationsCompleted,
			droppedConversations: dropped,
		})
		.where(and(...conds))
		.returning({ id: sessions.id })
	if (!done) return false
	await publishSessionEvent(deps, row.id, {
		type: 'complete',
		status: end.status,
		error: end.error,
	})
	await notifySessionEnded(deps, row.id, end.status)
	deps.log.info('session ended', {
		sessionId: row.id,
		status: end.status,
		messages: summary.totalMessages,
		stopReason: end.stopReason,
	})
	if (summary.loadGenerator?.suspect)
		deps.log.warn('latencies suspect: load generator saturated', {
			sessionId: row.id,
			reasons: summary.loadGenerator.reasons,
		})
	return true
}

/**
 * Fails a RUNNING session whose worker is gone: FAILED "worker lost", keeping what it recorded.
 * With `heartbeatBefore`, only if it is still silent since then when the UPDATE runs (a worker
 * that beat meanwhile keeps its session).
 */
function failWorkerLost(deps: Ctx, row: SessionRow, heartbeatBefore?: Date): Promise<boolean> {
	return finishSession(
		deps,
		row,
		{
			status: 'FAILED',
			error: WORKER_LOST,
			stopReason: WORKER_LOST,
			conversationsCompleted: row.conversationsCompleted,
		},
		{ anyOwner: true, ...(heartbeatBefore ? { heartbeatBefore } : {}) },
	)
}

/** Fails a RUNNING session whose worker stopped heartbeating for a stall interval. */
export const failLostSession = (deps: Ctx, row: SessionRow): Promise<boolean> =>
	failWorkerLost(deps, row, new Date(deps.clock.now().getTime() - deps.config.workerStallMs))

/**
 * The recovery start-up and the periodic sweep share (docs/architecture.md §4): every RUNNING
 * session silent since `staleBefore` — or every RUNNING one when `staleBefore` is null (the
 * embedded mode at start-up, where this process is the only worker) — is failed "worker lost",
 * then every QUEUED one gets its job again through `enqueue` (jobId = session id, so a job still
 * waiting is not doubled; the claim is atomic, so a session runs once).
 */
export async function recoverStale(
	deps: Ctx,
	staleBefore: Date | null,
	enqueue: (id: string) => Promise<unknown>,
): Promise<{ failed: number; requeued: number }> {
	const running = await deps.db
		.select()
		.from(sessions)
		.where(
			staleBefore
				? and(
						eq(sessions.status, 'RUNNING'),
						or(isNull(sessions.heartbeatAt), lt(sessions.heartbeatAt, staleBefore)),
						// A sharded session with a shard still waiting for a worker is not lost: its
						// job is enqueued again below (docs/architecture.md §4).
						sql`not exists (select 1 from ${sessionShards} where ${sessionShards.sessionId} = ${sessions.id} and ${sessionShards.status} = 'QUEUED')`,
					)
				: eq(sessions.status, 'RUNNING'),
		)
	let failed = 0
	for (const row of running) {
		if (!(await failWorkerLost(deps, row, staleBefore ?? undefined))) continue
		failed++
		deps.log.warn('session failed: worker lost', { sessionId: row.id, workerId: row.workerId })
	}
	const queued = await deps.db
		.select({ id: sessions.id })
		.from(sessions)
		.where(eq(sessions.status, 'QUEUED'))
	for (const q of queued) await enqueue(q.id)
	// Shards of a RUNNING session still waiting: their jobs again (job id `<session>-<shard>`, so
	// one still waiting is not doubled; the claim is atomic, so a shard runs once).
	const shards = staleBefore
		? await deps.db
				.select({ sessionId: sessionShards.sessionId, shard: sessionShards.shardIndex })
				.from(sessionShards)
				.innerJoin(sessions, eq(sessions.id, sessionShards.sessionId))
				.where(and(eq(sessionShards.status, 'QUEUED'), eq(sessions.status, 'RUNNING')))
		: []
	for (const sh of shards)
		await deps.queue.enqueue(SESSION_SHARD_JOB, sh, { jobId: `${sh.sessionId}-${sh.shard}` })
	return { failed, requeued: queued.length + shards.length }
}

/** Sessions silent for twice the stall interval have lost their worker (or their job). */
export const staleSince = (deps: Ctx) =>
	new Date(deps.clock.now().getTime() - 2 * deps.config.workerStallMs)

/**
 * Start-up recovery (docs/architecture.md §4). Embedded (in-process queue): this process is the only
 * worker, so every RUNNING session was left by a dead process → FAILED "worker lost", and QUEUED
 * ones are re-enqueued (safe: nothing was sent yet). Scaled out, BullMQ redelivers stalled jobs;
 * only RUNNING sessions silent for twice the stall interval (their job lost) are failed here.
 */
export async function recoverSessions(deps: Ctx, enqueue: (id: string) => Promise<unknown>) {
	const embedded = deps.queue.kind === 'memory'
	const r = await recoverStale(deps, embedded ? null : staleSince(deps), enqueue)
	if (r.failed || r.requeued) deps.log.info('sessions recovered', r)
	return r
}
