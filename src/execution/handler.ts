import type { Connector } from '../connectors/types'
import type { Deps } from '../deps'
import type { Job } from '../queue/types'
import { cancelChannel, publishSessionEvent } from '../sessions/events'
import { SESSION_RUN_JOB, type SessionRunJob, type SessionShardJob } from '../sessions/model'
import { targetSpecFromSnapshot } from '../targets/service'
import { and, eq } from 'drizzle-orm'
import { sessionShards } from '../db/schema'
import { openConnector } from './connect'
import {
	DEFAULT_GRACEFUL_STOP_MS,
	beat,
	claimSession,
	failLostSession,
	finishSession,
	heartbeatMs,
	recoverSessions,
	type SessionRow,
} from './lifecycle'
import { healthLimits, startHealthMonitor } from './health'
import { loadDurationSec, plannedConversations } from './load'
import { createSessionRecorder, shortError } from './recorder'
import { RunStop, runConversations, type StopCause } from './runner'
import {
	beatShard,
	budgetChannel,
	claimShard,
	failLostShard,
	finishShard,
	settleShards,
	shardCountFor,
	shardSnapshot,
	spendFeed,
	startShards,
	writeShardProgress,
	type Shard,
} from './shard'

/**
 * The `session.run` job (docs/architecture.md §4). The job is taken once: QUEUED → RUNNING atomically.
 * A job for a session in any other state does nothing, except a redelivered job for a RUNNING
 * session whose worker stopped heartbeating: that session is failed ("worker lost"), never
 * re-run, because a repeat would spend the target's money twice.
 */
export function sessionRunHandler(deps: Deps) {
	// The runs of this worker, told when it begins to shut down (drain: start nothing new).
	const draining = new Set<() => void>()
	const handler = async (job: Job<SessionRunJob>, signal: AbortSignal) => {
		const id = job.data?.sessionId
		if (typeof id !== 'string') return
		const row = await claimSession(deps, id)
		if (row) {
			// One run across many workers (docs/architecture.md §4): N shard jobs instead of one run.
			const shards = await shardCountFor(deps, row)
			if (shards > 1) return startShards(deps, row, shards)
			return runSession(deps, row, signal, draining)
		}
		await checkAbandoned(deps, id, signal)
	}
	/** Shutdown begins: running sessions start nothing new; in flight finishes until the job is aborted. */
	const drain = () => draining.forEach((f) => f())
	return Object.assign(handler, { drain })
}

/**
 * The `session.shard` job (docs/architecture.md §4): claims its shard once (QUEUED → RUNNING) and
 * runs its share. A redelivered job whose shard is RUNNING watches that shard's heartbeat and, once
 * it is stale, fails it "worker lost" — never re-runs it — and ends the session if it was the last.
 */
export function sessionShardHandler(deps: Deps) {
	const draining = new Set<() => void>()
	const handler = async (job: Job<SessionShardJob>, signal: AbortSignal) => {
		const id = job.data?.sessionId
		const index = job.data?.shard
		if (typeof id !== 'string' || typeof index !== 'number') return
		const claimed = await claimShard(deps, id, index)
		if (claimed)
			return runSession(deps, claimed.session, signal, draining, {
				index,
				count: claimed.shard.shardCount,
			})
		await checkAbandonedShard(deps, id, index, signal)
	}
	const drain = () => draining.forEach((f) => f())
	return Object.assign(handler, { drain })
}

async function checkAbandonedShard(deps: Deps, id: string, index: number, signal: AbortSignal) {
	const deadline = deps.clock.perf() + 2 * deps.config.workerStallMs
	while (!signal.aborted) {
		const [row] = await deps.db.query.sessionShards.findMany({
			where: (s, { and, eq }) => and(eq(s.sessionId, id), eq(s.shardIndex, index)),
			limit: 1,
		})
		if (!row) return
		if (row.status === 'QUEUED') {
			// Its session ended before the shard started (cancelled, failed): nothing to run.
			await deps.db
				.update(sessionShards)
				.set({ status: 'CANCELLED', stopReason: 'cancelled', completedAt: deps.clock.now() })
				.where(and(eq(sessionShards.id, row.id), eq(sessionShards.status, 'QUEUED')))
			await settleShards(deps, id)
			return
		}
		if (row.status !== 'RUNNING') return
		const beatAt = row.heartbeatAt?.getTime() ?? 0
		if (deps.clock.now().getTime() - beatAt > deps.config.workerStallMs) {
			if (await failLostShard(deps, id, index)) await settleShards(deps, id)
			return
		}
		if (deps.clock.perf() > deadline) return
		// Rejects only when aborted, which ends the loop.
		await deps.clock.sleep(heartbeatMs(deps.config), signal).catch(() => {})
	}
}

async function checkAbandoned(deps: Deps, id: string, signal: AbortSignal) {
	const deadline = deps.clock.perf() + 2 * deps.config.workerStallMs
	while (!signal.aborted) {
		const [row] = await deps.db.query.sessions.findMany({
			where: (s, { eq }) => eq(s.id, id),
			limit: 1,
		})
		if (!row || row.status !== 'RUNNING') return
		const beatAt = row.heartbeatAt?.getTime() ?? 0
		if (deps.clock.now().getTime() - beatAt > deps.config.workerStallMs) {
			if (await failLostSession(deps, row))
				deps.log.warn('session failed: worker lost', { sessionId: id, workerId: row.workerId })
			return
		}
		if (deps.clock.perf() > deadline) return
		// Rejects only when aborted, which ends the loop.
		await deps.clock.sleep(heartbeatMs(deps.config), signal).catch(() => {})
	}
}

const END: Record<StopCause['kind'] | 'none', 'COMPLETED' | 'FAILED' | 'CANCELLED'> = {
	none: 'COMPLETED',
	budget: 'COMPLETED',
	cancelled: 'CANCELLED',
	shutdown: 'CANCELLED',
	failed: 'FAILED',
	lost: 'FAILED',
}

/** What runs a claimed session's conversations: the runner, or an assessment probe's own pacing. */
export type ConversationsRun = typeof runConversations

/**
 * Claims a QUEUED session and runs it in this job, as `session.run` would, with `run` in place of
 * the runner: an assessment's probes (src/assessments/) pace their own requests but record,
 * budget, cancel and end through the same path, so their sessions are ordinary sessions.
 * False when the session could not be claimed.
 */
export async function runSessionInline(
	deps: Deps,
	sessionId: string,
	signal: AbortSignal,
	run: ConversationsRun,
	/** Ends the session CANCELLED (its owner was cancelled), where `signal` means shutdown. */
	cancelSignal?: AbortSignal,
): Promise<boolean> {
	const row = await claimSession(deps, sessionId)
	if (!row) return false
	await runSession(deps, row, signal, new Set(), undefined, run, cancelSignal)
	return true
}

async function runSession(
	deps: Deps,
	row: SessionRow,
	jobSignal: AbortSignal,
	draining: Set<() => void>,
	/** One shard of a sharded run (docs/architecture.md §4); absent: the whole run, as always. */
	shard?: Shard,
	run: ConversationsRun = runConversations,
	cancelSignal?: AbortSignal,
) {
	const id = row.id
	const snap = shard
		? shardSnapshot(row.executionConfig, shard.index, shard.count)
		: row.executionConfig
	const controller = new AbortController()
	const stopping = new AbortController()
	let graceTimer: ReturnType<typeof setTimeout> | undefined
	/** Aborts everything at once, requests in flight included (cancel, lost ownership). */
	const stop = (cause: StopCause) => {
		if (!stopping.signal.aborted) stopping.abort(new RunStop(cause))
		if (!controller.signal.aborted) controller.abort(new RunStop(cause))
	}
	/**
	 * k6's graceful stop (docs/architecture.md §4): nothing new starts; requests in flight get
	 * `graceMs` to finish and are recorded and billed; then they are aborted (recorded `aborted`).
	 */
	const stopGracefully = (cause: StopCause, graceMs: number | undefined) => {
		if (stopping.signal.aborted) return
		stopping.abort(new RunStop(cause))
		if (graceMs === 0) return stop(cause)
		if (graceMs !== undefined) graceTimer = setTimeout(() => stop(cause), graceMs)
	}
	const SHUTDOWN = 'The worker shut down before the session finished'
	// Shutdown drains without a timer of its own: the worker's close bound aborts the job.
	const onDrain = () => stopGracefully({ kind: 'shutdown', reason: SHUTDOWN }, undefined)
	draining.add(onDrain)
	const onJobAbort = () => stop({ kind: 'shutdown', reason: SHUTDOWN })
	jobSignal.addEventListener('abort', onJobAbort, { once: true })
	const onCancel = () => stop({ kind: 'cancelled', reason: 'Cancelled' })
	if (cancelSignal?.aborted) onCancel()
	else cancelSignal?.addEventListener('abort', onCancel, { once: true })
	// Without the subscription a cancel from the API does not reach this run (it ends on its own,
	// at its budget or at shutdown); the run is still worth finishing, so a warning, not a failure.
	const unsubscribe = await deps.bus
		.subscribe(cancelChannel(id), () => stop({ kind: 'cancelled', reason: 'Cancelled' }))
		.catch((error) => {
			deps.log.warn('cancel channel unavailable', { sessionId: id, error })
			return async () => {}
		})
	const grace = snap.gracefulStopMs ?? DEFAULT_GRACEFUL_STOP_MS
	// A shard that reached the shared budget tells the others, which stop as gracefully.
	const unsubscribeBudget = shard
		? await deps.bus
				.subscribe(budgetChannel(id), (m) => {
					const reason = (m as { reason?: unknown })?.reason
					if (typeof reason === 'string') stopGracefully({ kind: 'budget', reason }, grace)
				})
				.catch((error) => {
					deps.log.warn('budget channel unavailable', { sessionId: id, error })
					return async () => {}
				})
		: async () => {}
	const budgetStop = (reason: string) => {
		if (stopping.signal.aborted) return
		stopGracefully({ kind: 'budget', reason }, grace)
		if (shard)
			void deps.bus
				.publish(budgetChannel(id), { reason })
				.catch((error) => deps.log.warn('budget stop not published', { sessionId: id, error }))
	}
	const budgetReason = (tokens: number, costUsd: number) =>
		snap.maxTokens && tokens >= snap.maxTokens
			? `Token budget reached (${tokens} ≥ ${snap.maxTokens} tokens)`
			: snap.maxCostUsd && costUsd >= snap.maxCostUsd
				? `Cost budget reached ($${costUsd.toFixed(6)} ≥ $${snap.maxCostUsd})`
				: null
	// A shard's budget is the session's: its spend goes into one shared counter (docs/architecture.md §4).
	const spend =
		shard && (snap.maxTokens || snap.maxCostUsd)
			? spendFeed(deps, id, (t) => {
					const reason = budgetReason(t.tokens, t.costUsd)
					if (reason) budgetStop(reason)
				})
			: undefined
	let spentTokens = 0
	let spentCost = 0
	const timer = setInterval(() => {
		;(shard ? beatShard(deps, id, shard.index) : beat(deps, id))
			.then(
				(mine) =>
					mine || stop({ kind: 'lost', reason: 'The session is no longer owned by this worker' }),
			)
			.catch((e) => deps.log.warn('heartbeat failed', { sessionId: id, error: e }))
	}, heartbeatMs(deps.config))
	await publishSessionEvent(deps, id, { type: 'status', status: 'RUNNING' })
	deps.log.info('session started', {
		sessionId: id,
		repetitions: snap.repetitions,
		concurrency: snap.concurrency,
		load: snap.load?.type ?? 'default',
		...(shard ? { shard: shard.index, shards: shard.count } : {}),
	})

	const recorder = createSessionRecorder(deps, {
		sessionId: id,
		workerId: deps.workerId,
		conversationsTotal: plannedConversations(snap),
		startedAt: row.startedAt ?? deps.clock.now(),
		durationSec: loadDurationSec(snap.load),
		target: {
			requestTemplate: snap.target.requestTemplate,
			pricing: snap.target.pricing,
			presetId: snap.target.presetId,
		},
		onRecorded: (t) => {
			if (spend) {
				spend.add(t.tokensTotal - spentTokens, t.costUsd - spentCost)
				spentTokens = t.tokensTotal
				spentCost = t.costUsd
				return
			}
			const reason = budgetReason(t.tokensTotal, t.costUsd)
			if (reason) budgetStop(reason)
		},
		...(shard
			? {
					shard: {
						...shard,
						writeProgress: (p) => writeShardProgress(deps, id, shard.index, p),
					},
				}
			: {}),
	})
	let cause: StopCause | null = null
	let started: number | null = null
	let connector: Connector | undefined
	// docs/architecture.md §5: the generator's own lag and CPU, sampled for the whole run.
	const health = startHealthMonitor(healthLimits(deps.config))
	let loadGenerator: ReturnType<typeof health.stop> | null = null
	try {
		connector = openConnector(deps, targetSpecFromSnapshot(deps, snap.target))
		const result = await run(deps, {
			sessionId: id,
			snapshot: snap,
			connector,
			recorder,
			controller,
			stopSignal: stopping.signal,
			...(shard
				? { conversationIndexOf: (local: number) => local * shard.count + shard.index }
				: {}),
		})
		cause = result.cause
		started = result.started
	} catch (e) {
		cause = { kind: 'failed', reason: e instanceof Error ? e.message : String(e) }
	} finally {
		loadGenerator = health.stop()
		clearInterval(timer)
		clearTimeout(graceTimer)
		draining.delete(onDrain)
		jobSignal.removeEventListener('abort', onJobAbort)
		cancelSignal?.removeEventListener('abort', onCancel)
		await unsubscribe().catch((error) =>
			deps.log.debug('cancel unsubscribe failed', { sessionId: id, error }),
		)
		await unsubscribeBudget().catch((error) =>
			deps.log.debug('budget unsubscribe failed', { sessionId: id, error }),
		)
		await spend?.settled()
		await connector
			?.close()
			.catch((error) => deps.log.warn('connector close failed', { sessionId: id, error }))
	}
	try {
		await recorder.close()
	} catch (e) {
		// The recorder's errors are short already (never the SQL statement, docs/architecture.md §4).
		const msg = e instanceof Error ? e.message : String(e)
		cause = {
			kind: 'failed',
			reason: msg.startsWith('Recording failed') ? msg : `Recording failed: ${msg}`,
		}
	}
	const status = END[cause?.kind ?? 'none']
	const error = cause && cause.kind !== 'budget' && cause.kind !== 'cancelled' ? cause.reason : null
	const end = {
		status,
		error,
		stopReason: cause ? (cause.kind === 'cancelled' ? 'cancelled' : cause.reason) : 'completed',
		conversationsCompleted: recorder.totals.conversationsCompleted,
		conversationsStarted: started,
		droppedConversations: recorder.totals.droppedConversations,
		loadGenerator,
	}
	// A session must not stay RUNNING because the database is away: retry for 5× the outage bound
	// (the rows it kept are written first, so the summary counts them); past it the sweep of
	// whichever process sees the database again fails it ("worker lost").
	const giveUpAt = deps.clock.perf() + Math.max(5000, 5 * deps.config.dbOutageMs)
	for (let attempt = 1; ; attempt++) {
		try {
			// The session ends only after its kept rows are written (its summary counts them), unless
			// the bound is past: then the spool stays for the sweep and the session ends anyway.
			if (!(await recorder.retryUnwritten().catch(() => false))) {
				if (deps.clock.perf() < giveUpAt) throw new Error('the kept rows are not written yet')
				// Past the bound, one last try: the failed one may have been a pooled connection the
				// restarted server had terminated, and the next query gets a fresh one.
				await recorder.retryUnwritten().catch(() => false)
			}
			if (shard) await finishShard(deps, id, shard.index, end)
			else await finishSession(deps, row, end)
			return
		} catch (e) {
			deps.log.error('could not finish session', { sessionId: id, attempt, error: shortError(e) })
			if (deps.clock.perf() >= giveUpAt)
				throw new Error('could not finish the session: database unavailable')
			await deps.clock.sleep(Math.min(2000, 100 * 2 ** attempt))
		}
	}
}

/** Start-up recovery for session runs (see recoverSessions): re-enqueues with jobId = session id. */
export const recoverSessionRuns = (deps: Deps) =>
	recoverSessions(deps, (sessionId) =>
		deps.queue.enqueue(SESSION_RUN_JOB, { sessionId }, { jobId: sessionId }),
	)
