/**
 * The job queue every worker consumes (docs/architecture.md §1): BullMQ on Redis when scaled out, an
 * in-process queue with the same contract otherwise. One contract suite tests both
 * (test/queue/contract.test.ts).
 */
export interface Job<T = unknown> {
	id: string
	name: string
	data: T
	/** 1 on the first delivery; higher when the job is retried or redelivered. */
	attempt: number
}

export interface EnqueueOptions {
	/** Deduplicates: enqueuing an id that is still waiting or running is a no-op. */
	jobId?: string
	delayMs?: number
	/** Total deliveries before the job is given up (default 1: no retry). */
	attempts?: number
	/** Base of the exponential backoff between attempts. */
	backoffMs?: number
}

export type JobHandler<T = unknown> = (job: Job<T>, signal: AbortSignal) => Promise<void>

interface ProcessOptions {
	concurrency: number
}

export interface Worker {
	/** Stops taking jobs, waits up to `timeoutMs` for running ones, then aborts them. */
	close(timeoutMs?: number): Promise<void>
}

export interface Queue {
	readonly kind: 'memory' | 'bullmq'
	enqueue<T>(name: string, data: T, opts?: EnqueueOptions): Promise<string>
	process<T>(name: string, handler: JobHandler<T>, opts: ProcessOptions): Worker
	/** Removes a job that has not started yet; false when it is running, done or unknown. */
	cancel(name: string, jobId: string): Promise<boolean>
	/** Jobs waiting or delayed (not running) for a name. */
	pending(name: string): Promise<number>
	/** Workers consuming a job name right now (BullMQ: its connected workers); `auto` shards use it. */
	workers?(name: string): Promise<number>
	ping(): Promise<void>
	close(): Promise<void>
}

export const backoffDelay = (base: number, attempt: number) => base * 2 ** Math.max(0, attempt - 1)
