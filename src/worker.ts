import type { Deps } from './deps'
import type { JobHandler, Worker } from './queue/types'
import { DELIVER_JOB, deliverJobHandler, recoverPendingDeliveries } from './webhooks/delivery'

/**
 * Job handlers by job name. Each capability registers its own (session runs, webhook
 * deliveries); payloads carry ids only, never secrets (CONVENTIONS 15).
 */
export type JobHandlers = Record<string, JobHandler<any>>

export function jobHandlers(deps: Deps): JobHandlers {
	return {
		[DELIVER_JOB]: deliverJobHandler(deps),
	}
}

/** Starts consuming every job type; `close` drains within the given bound. */
export function startWorkers(deps: Deps, handlers: JobHandlers = jobHandlers(deps)) {
	const workers: Worker[] = Object.entries(handlers).map(([name, handler]) =>
		deps.queue.process(name, handler, { concurrency: deps.config.workerConcurrency }),
	)
	deps.log.info('worker started', { jobs: Object.keys(handlers), concurrency: deps.config.workerConcurrency })
	// Webhook deliveries survive a restart: PENDING rows get their next attempt enqueued again.
	if (handlers[DELIVER_JOB]) {
		recoverPendingDeliveries(deps).catch((error) => deps.log.error('webhook delivery recovery failed', { error }))
	}
	return {
		async close(timeoutMs = 10_000) {
			await Promise.allSettled(workers.map((w) => w.close(timeoutMs)))
		},
	}
}
