import type { Deps } from './deps'
import type { JobHandler, Worker } from './queue/types'
import { DELIVER_JOB, deliverJobHandler, recoverPendingDeliveries } from './webhooks/delivery'
import { recoverSessionRuns, sessionRunHandler, sessionShardHandler } from './execution/handler'
import { SESSION_RUN_JOB, SESSION_SHARD_JOB } from './sessions/model'
import { startSweep } from './execution/sweep'
import { ASSESSMENT_RUN_JOB } from './assessments/model'
import { assessmentRunHandler } from './assessments/runner'
import { recoverAssessments } from './assessments/service'

/**
 * Job handlers by job name. Each capability registers its own (session runs, webhook
 * deliveries); payloads carry ids only, never secrets (docs/conventions.md rule 15).
 */
type JobHandlers = Record<string, JobHandler<any>>

function jobHandlers(deps: Deps): JobHandlers {
	return {
		[DELIVER_JOB]: deliverJobHandler(deps),
		[SESSION_RUN_JOB]: sessionRunHandler(deps),
		[ASSESSMENT_RUN_JOB]: assessmentRunHandler(deps),
		// The shards of a run split across workers (docs/architecture.md §4).
		[SESSION_SHARD_JOB]: sessionShardHandler(deps),
	}
}

/**
 * Starts consuming every job type; `close` drains within the given bound.
 *
 * Session and assessment jobs are taken only after their start-up recovery has run: embedded,
 * recovery fails every RUNNING row as left by a dead process, so a job taken before it would be
 * failed "worker lost" while it runs here (docs/architecture.md §4). A recovery that fails (the
 * database away at start) is logged and the jobs are taken anyway; the sweep catches up.
 */
export function startWorkers(deps: Deps, handlers: JobHandlers = jobHandlers(deps)) {
	const workers: Worker[] = []
	let closing = false
	const take = (names: string[]) => {
		if (closing) return
		for (const name of names) {
			const handler = handlers[name]
			if (handler)
				workers.push(
					deps.queue.process(name, handler, { concurrency: deps.config.workerConcurrency }),
				)
		}
	}
	const after = (recovery: Promise<unknown>, what: string, names: string[]) =>
		recovery
			.catch((error) => deps.log.error(`${what} recovery failed`, { error }))
			.then(() => take(names))
	const later = new Set([SESSION_RUN_JOB, SESSION_SHARD_JOB, ASSESSMENT_RUN_JOB])
	take(Object.keys(handlers).filter((n) => !later.has(n)))
	const pending: Promise<unknown>[] = []
	// Webhook deliveries survive a restart: PENDING rows get their next attempt enqueued again.
	if (handlers[DELIVER_JOB]) {
		recoverPendingDeliveries(deps).catch((error) =>
			deps.log.error('webhook delivery recovery failed', { error }),
		)
	}
	// Sessions left RUNNING by a dead process fail ("worker lost"); QUEUED ones are enqueued again.
	// Then the periodic sweep (docs/architecture.md §4): stale RUNNING fail, QUEUED without a job
	// run, spooled rows are written — whichever live process notices first.
	const sweep = handlers[SESSION_RUN_JOB] ? startSweep(deps) : undefined
	if (handlers[SESSION_RUN_JOB] || handlers[SESSION_SHARD_JOB]) {
		const recovery = handlers[SESSION_RUN_JOB] ? recoverSessionRuns(deps) : Promise.resolve()
		pending.push(
			after(recovery, 'session', [SESSION_RUN_JOB, SESSION_SHARD_JOB]).then(() => sweep?.tick()),
		)
	}
	if (handlers[ASSESSMENT_RUN_JOB]) {
		const recovery = recoverAssessments(deps, deps.queue.kind === 'memory')
		pending.push(after(recovery, 'assessment', [ASSESSMENT_RUN_JOB]))
	}
	// "worker started" means every job type is being taken (tests and operators wait for it).
	const ready = Promise.allSettled(pending).then(() => {
		if (!closing)
			deps.log.info('worker started', {
				jobs: Object.keys(handlers),
				concurrency: deps.config.workerConcurrency,
			})
	})
	return {
		/** Resolves once every job type is being taken (after its recovery). */
		ready,
		async close(timeoutMs = 10_000) {
			closing = true
			sweep?.stop()
			// A recovery still waiting on the database does not hold the close: nothing starts after it.
			await Promise.race([ready, Bun.sleep(timeoutMs)])
			// Running sessions start nothing new; in flight gets the close bound (docs/architecture.md §4).
			for (const h of Object.values(handlers)) (h as { drain?: () => void }).drain?.()
			await Promise.allSettled(workers.map((w) => w.close(timeoutMs)))
		},
	}
}
