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

/** Starts consuming every job type; `close` drains within the given bound. */
export function startWorkers(deps: Deps, handlers: JobHandlers = jobHandlers(deps)) {
	const workers: Worker[] = Object.entries(handlers).map(([name, handler]) =>
		deps.queue.process(name, handler, { concurrency: deps.config.workerConcurrency }),
	)
	deps.log.info('worker started', {
		jobs: Object.keys(handlers),
		concurrency: deps.config.workerConcurrency,
	})
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
	if (handlers[SESSION_RUN_JOB]) {
		recoverSessionRuns(deps)
			.then(() => sweep?.tick())
			.catch((error) => deps.log.error('session recovery failed', { error }))
	}
	if (handlers[ASSESSMENT_RUN_JOB]) {
		recoverAssessments(deps, deps.queue.kind === 'memory').catch((error) =>
			deps.log.error('assessment recovery failed', { error }),
		)
	}
	return {
		async close(timeoutMs = 10_000) {
			sweep?.stop()
			// Running sessions start nothing new; in flight gets the close bound (docs/architecture.md §4).
			for (const h of Object.values(handlers)) (h as { drain?: () => void }).drain?.()
			await Promise.allSettled(workers.map((w) => w.close(timeoutMs)))
		},
	}
}
