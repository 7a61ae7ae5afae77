import type { Connector } from '../connectors/types'
import type { Deps } from '../deps'
import type { Job } from '../queue/types'
import { cancelChannel, publishSessionEvent } from '../sessions/events'
import { SESSION_RUN_JOB, type SessionRunJob } from '../sessions/model'
import { targetSpecFromSnapshot } from '../targets/service'
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
		if (row) return runSession(deps, row, signal, draining)
		await checkAbandoned(deps, id, signal)
	}
	/** Shutdown begins: running sessions start nothing new; in flight finishes until the job is aborted. */
	const drain = () => draining.forEach((f) => f())
	return Object.assign(handler, { drain })
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

async function runSession(
	deps: Deps,
	row: SessionRow,
	jobSignal: AbortSignal,
	draining: Set<() => void>,
) {
	const id = row.id
	const snap = row.executionConfig
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
	// Without the subscription a cancel from the API does not reach this run (it ends on its own,
	// at its budget or at shutdown); the run is still worth finishing, so a warning, not a failure.
	const unsubscribe = await deps.bus
		.subscribe(cancelChannel(id), () => stop({ kind: 'cancelled', reason: 'Cancelled' }))
		.catch((error) => {
			deps.log.warn('cancel channel unavailable', { sessionId: id, error })
			return async () => {}
		})
	const timer = setInterval(() => {
		beat(deps, id)
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
			const grace = snap.gracefulStopMs ?? DEFAULT_GRACEFUL_STOP_MS
			if (snap.maxTokens && t.tokensTotal >= snap.maxTokens) {
				stopGracefully(
					{
						kind: 'budget',
						reason: `Token budget reached (${t.tokensTotal} ≥ ${snap.maxTokens} tokens)`,
					},
					grace,
				)
			} else if (snap.maxCostUsd && t.costUsd >= snap.maxCostUsd) {
				stopGracefully(
					{
						kind: 'budget',
						reason: `Cost budget reached ($${t.costUsd.toFixed(6)} ≥ $${snap.maxCostUsd})`,
					},
					grace,
				)
			}
		},
	})
	let cause: StopCause | null = null
	let started: number | null = null
	let connector: Connector | undefined
	// docs/architecture.md §5: the generator's own lag and CPU, sampled for the whole run.
	const health = startHealthMonitor(healthLimits(deps.config))
	let loadGenerator: ReturnType<typeof health.stop> | null = null
	try {
		connector = openConnector(deps, targetSpecFromSnapshot(deps, snap.target))
		const result = await runConversations(deps, {
			sessionId: id,
			snapshot: snap,
			connector,
			recorder,
			controller,
			stopSignal: stopping.signal,
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
		await unsubscribe().catch((error) =>
			deps.log.debug('cancel unsubscribe failed', { sessionId: id, error }),
		)
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
			await finishSession(deps, row, end)
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
