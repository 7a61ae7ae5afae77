import { newId } from '../ids'
import type { Logger } from '../log'
import {
	backoffDelay,
	type EnqueueOptions,
	type Job,
	type JobHandler,
	type Queue,
	type Worker,
} from './types'

type Entry = { job: Job; opts: EnqueueOptions; timer?: ReturnType<typeof setTimeout> }

/**
 * In-process queue for the embedded mode. Jobs live in memory only; durability comes from
 * the database (sessions left QUEUED are re-enqueued at start-up).
 */
export function createMemoryQueue(opts: { log: Logger }): Queue {
	const waiting = new Map<string, Entry[]>()
	const delayed = new Map<string, Entry>()
	const active = new Map<string, Set<string>>()
	const workers = new Map<string, Set<() => void>>()
	let closed = false

	const list = (name: string) => {
		let l = waiting.get(name)
		if (!l) waiting.set(name, (l = []))
		return l
	}
	const activeSet = (name: string) => {
		let s = active.get(name)
		if (!s) active.set(name, (s = new Set()))
		return s
	}
	const wake = (name: string) => workers.get(name)?.forEach((fn) => fn())
	const known = (name: string, id: string) =>
		list(name).some((e) => e.job.id === id) ||
		delayed.has(`${name}/${id}`) ||
		activeSet(name).has(id)

	const schedule = (entry: Entry, delayMs: number) => {
		if (delayMs <= 0) {
			list(entry.job.name).push(entry)
			wake(entry.job.name)
			return
		}
		const key = `${entry.job.name}/${entry.job.id}`
		entry.timer = setTimeout(() => {
			delayed.delete(key)
			if (closed) return
			list(entry.job.name).push(entry)
			wake(entry.job.name)
		}, delayMs)
		delayed.set(key, entry)
	}

	return {
		kind: 'memory',
		async enqueue(name, data, opts = {}) {
			if (closed) throw new Error('queue is closed')
			const id = opts.jobId ?? newId()
			if (known(name, id)) return id
			schedule({ job: { id, name, data, attempt: 1 }, opts }, opts.delayMs ?? 0)
			return id
		},
		process<T>(
			name: string,
			handler: JobHandler<T>,
			{ concurrency }: { concurrency: number },
		): Worker {
			const running = new Map<Promise<void>, AbortController>()
			let stopped = false
			const pump = () => {
				while (!stopped && !closed && running.size < concurrency && list(name).length) {
					const entry = list(name).shift()!
					const ctrl = new AbortController()
					activeSet(name).add(entry.job.id)
					const p: Promise<void> = handler(entry.job as Job<T>, ctrl.signal)
						.catch((error) => {
							// As BullMQ: the job fails, and is retried while it has attempts left.
							const { id, attempt } = entry.job
							opts.log.warn('job failed', { job: name, jobId: id, attempt, error })
							const attempts = entry.opts.attempts ?? 1
							if (entry.job.attempt < attempts && !stopped && !closed) {
								const next = { ...entry, job: { ...entry.job, attempt: entry.job.attempt + 1 } }
								schedule(next, backoffDelay(entry.opts.backoffMs ?? 1000, entry.job.attempt))
							}
						})
						.finally(() => {
							activeSet(name).delete(entry.job.id)
							running.delete(p)
							queueMicrotask(pump)
						})
					running.set(p, ctrl)
				}
			}
			let set = workers.get(name)
			if (!set) workers.set(name, (set = new Set()))
			set.add(pump)
			queueMicrotask(pump)
			return {
				async close(timeoutMs = 10_000) {
					stopped = true
					workers.get(name)?.delete(pump)
					const all = Promise.allSettled([...running.keys()])
					const timer = setTimeout(
						() => running.forEach((c) => c.abort(new Error('worker closing'))),
						timeoutMs,
					)
					await all
					clearTimeout(timer)
				},
			}
		},
		async cancel(name, jobId) {
			const l = list(name)
			const i = l.findIndex((e) => e.job.id === jobId)
			if (i >= 0) {
				l.splice(i, 1)
				return true
			}
			const d = delayed.get(`${name}/${jobId}`)
			if (d) {
				clearTimeout(d.timer)
				delayed.delete(`${name}/${jobId}`)
				return true
			}
			return false
		},
		async pending(name) {
			let n = list(name).length
			for (const k of delayed.keys()) if (k.startsWith(`${name}/`)) n++
			return n
		},
		async ping() {},
		async close() {
			closed = true
			for (const d of delayed.values()) clearTimeout(d.timer)
			delayed.clear()
			waiting.clear()
		},
	}
}
