import { newId } from '../ids'
import { Queue as BullQueue, Worker as BullWorker, type ConnectionOptions } from 'bullmq'
import IORedis from 'ioredis'
import type { Logger } from '../log'
import { logClientErrors, logConnectionErrors } from '../redis-errors'
import type { EnqueueOptions, JobHandler, Queue, Worker } from './types'

/** BullMQ reserves ':' in keys; job names are dotted (`session.run`). */
const queueName = (name: string) => name.replace(/[^a-zA-Z0-9_-]/g, '-')

interface BullmqQueueOptions {
	log: Logger
	/** Redis key prefix; tests use their own so runs never see each other's jobs. */
	prefix?: string
	/** How long a worker may go silent before its jobs count as stalled and are redelivered. */
	lockDurationMs?: number
	stalledIntervalMs?: number
}

/** BullMQ on Redis: durable jobs shared by every server and `--worker` process. */
export function createBullmqQueue(redisUrl: string, opts: BullmqQueueOptions): Queue {
	const { log } = opts
	const prefix = opts.prefix ?? 'krawall'
	let closing = false
	const isClosing = () => closing
	const producer = new IORedis(redisUrl, { maxRetriesPerRequest: 1 })
	logConnectionErrors(producer, log, { connection: 'queue' }, isClosing)
	const queues = new Map<string, BullQueue>()
	const workers = new Set<BullWorker>()
	const q = (name: string) => {
		let queue = queues.get(name)
		if (!queue) {
			queue = new BullQueue(queueName(name), {
				connection: producer as ConnectionOptions,
				prefix,
			})
			logClientErrors(queue, log, { queue: name }, isClosing)
			queues.set(name, queue)
		}
		return queue
	}
	return {
		kind: 'bullmq',
		async enqueue(name, data, o: EnqueueOptions = {}) {
			const job = await q(name).add(name, data, {
				jobId: o.jobId ?? newId(),
				delay: o.delayMs,
				attempts: o.attempts ?? 1,
				backoff: o.backoffMs ? { type: 'exponential', delay: o.backoffMs } : undefined,
				removeOnComplete: { age: 3600, count: 1000 },
				removeOnFail: { age: 24 * 3600, count: 1000 },
			})
			return job.id!
		},
		process<T>(
			name: string,
			handler: JobHandler<T>,
			{ concurrency }: { concurrency: number },
		): Worker {
			const conn = new IORedis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: false })
			let stopping = false
			logConnectionErrors(
				conn,
				log,
				{ connection: 'worker', queue: name },
				() => closing || stopping,
			)
			const controllers = new Set<AbortController>()
			const worker = new BullWorker(
				queueName(name),
				async (job, _token, signal) => {
					const ctrl = new AbortController()
					const forward = () => ctrl.abort(signal?.reason ?? new Error('job cancelled'))
					signal?.addEventListener('abort', forward, { once: true })
					controllers.add(ctrl)
					try {
						await handler(
							{ id: job.id!, name, data: job.data as T, attempt: job.attemptsMade + 1 },
							ctrl.signal,
						)
					} finally {
						controllers.delete(ctrl)
						signal?.removeEventListener('abort', forward)
					}
				},
				{
					connection: conn as ConnectionOptions,
					prefix,
					concurrency,
					lockDuration: opts.lockDurationMs ?? 30_000,
					stalledInterval: opts.stalledIntervalMs ?? 30_000,
					maxStalledCount: 1,
				},
			)
			logClientErrors(worker, log, { worker: name }, () => closing || stopping)
			// A handler that throws fails its job (retried when it has attempts left); say so.
			worker.on('failed', (job, error) =>
				log.warn('job failed', { job: name, jobId: job?.id, attempt: job?.attemptsMade, error }),
			)
			workers.add(worker)
			return {
				async close(timeoutMs = 10_000) {
					stopping = true
					const timer = setTimeout(
						() => controllers.forEach((c) => c.abort(new Error('worker closing'))),
						timeoutMs,
					)
					try {
						await worker.close()
					} finally {
						clearTimeout(timer)
						workers.delete(worker)
						;(conn as IORedis).disconnect()
					}
				},
			}
		},
		async cancel(name, jobId) {
			const job = await q(name).getJob(jobId)
			if (!job) return false
			const state = await job.getState()
			if (state !== 'waiting' && state !== 'delayed' && state !== 'prioritized') return false
			try {
				await job.remove()
				return true
			} catch {
				return false
			}
		},
		async pending(name) {
			const counts = await q(name).getJobCounts('waiting', 'delayed', 'prioritized')
			return (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0)
		},
		workers: (name) => q(name).getWorkersCount(),
		async ping() {
			await producer.ping()
		},
		async close() {
			closing = true
			await Promise.allSettled([...workers].map((w) => w.close()))
			await Promise.allSettled([...queues.values()].map((queue) => queue.close()))
			producer.disconnect()
		},
	}
}
