import { afterEach, describe, expect, test } from 'bun:test'
import { createLogger } from '../../src/log'
import { createBullmqQueue } from '../../src/queue/bullmq'
import { createMemoryQueue } from '../../src/queue/memory'
import type { Queue } from '../../src/queue/types'
import { testRedisUrl, uniquePrefix } from '../helpers/deps'

/** One contract, every implementation (docs/conventions.md rule 5). BullMQ runs when REDIS_URL is set. */
const log = createLogger('silent')
const implementations: [string, () => Queue][] = [['memory', () => createMemoryQueue({ log })]]
const redisUrl = testRedisUrl()
if (redisUrl)
	implementations.push([
		'bullmq',
		() => createBullmqQueue(redisUrl, { log, prefix: uniquePrefix() }),
	])

const waitFor = async (cond: () => boolean, timeoutMs = 10_000) => {
	const end = Date.now() + timeoutMs
	while (!cond()) {
		if (Date.now() > end) throw new Error('condition not met in time')
		await Bun.sleep(10)
	}
}

for (const [name, make] of implementations) {
	describe(`Queue contract: ${name}`, () => {
		let queue: Queue
		afterEach(async () => {
			await queue?.close()
		})

		test('processes enqueued jobs with their data', async () => {
			queue = make()
			const seen: unknown[] = []
			const worker = queue.process<{ n: number }>(
				't.job',
				async (job) => void seen.push(job.data.n),
				{ concurrency: 2 },
			)
			for (let n = 0; n < 5; n++) await queue.enqueue('t.job', { n })
			await waitFor(() => seen.length === 5)
			expect([...seen].sort()).toEqual([0, 1, 2, 3, 4])
			await worker.close()
		})

		test('honours concurrency', async () => {
			queue = make()
			let running = 0
			let peak = 0
			let done = 0
			const worker = queue.process(
				't.conc',
				async () => {
					running++
					peak = Math.max(peak, running)
					await Bun.sleep(40)
					running--
					done++
				},
				{ concurrency: 3 },
			)
			for (let i = 0; i < 9; i++) await queue.enqueue('t.conc', { i })
			await waitFor(() => done === 9)
			expect(peak).toBe(3)
			await worker.close()
		})

		test('deduplicates by job id', async () => {
			queue = make()
			const a = await queue.enqueue('t.dedupe', { v: 1 }, { jobId: 'same', delayMs: 60_000 })
			const b = await queue.enqueue('t.dedupe', { v: 2 }, { jobId: 'same', delayMs: 60_000 })
			expect(a).toBe('same')
			expect(b).toBe('same')
			expect(await queue.pending('t.dedupe')).toBe(1)
		})

		test('cancels a waiting job before it runs', async () => {
			queue = make()
			const seen: string[] = []
			const id = await queue.enqueue('t.cancel', { v: 'x' }, { delayMs: 300 })
			expect(await queue.pending('t.cancel')).toBe(1)
			expect(await queue.cancel('t.cancel', id)).toBe(true)
			expect(await queue.pending('t.cancel')).toBe(0)
			const worker = queue.process('t.cancel', async (job) => void seen.push(job.id), {
				concurrency: 1,
			})
			await Bun.sleep(600)
			expect(seen).toEqual([])
			expect(await queue.cancel('t.cancel', 'unknown-id')).toBe(false)
			await worker.close()
		})

		test('runs a delayed job after its delay, not before', async () => {
			queue = make()
			let ranAt = 0
			const worker = queue.process('t.delay', async () => void (ranAt = Date.now()), {
				concurrency: 1,
			})
			const start = Date.now()
			await queue.enqueue('t.delay', {}, { delayMs: 250 })
			await waitFor(() => ranAt > 0)
			expect(ranAt - start).toBeGreaterThanOrEqual(200)
			await worker.close()
		})

		test('retries a failing job up to its attempts', async () => {
			queue = make()
			const attempts: number[] = []
			const worker = queue.process(
				't.retry',
				async (job) => {
					attempts.push(job.attempt)
					if (job.attempt < 3) throw new Error('boom')
				},
				{ concurrency: 1 },
			)
			await queue.enqueue('t.retry', {}, { attempts: 3, backoffMs: 20 })
			await waitFor(() => attempts.length === 3)
			await Bun.sleep(100)
			expect(attempts).toEqual([1, 2, 3])
			await worker.close()
		})

		test('close drains running jobs and aborts them after the bound', async () => {
			queue = make()
			let aborted = false
			let started = false
			const worker = queue.process(
				't.drain',
				(_job, signal) =>
					new Promise<void>((resolve) => {
						started = true
						signal.addEventListener('abort', () => {
							aborted = true
							resolve()
						})
					}),
				{ concurrency: 1 },
			)
			await queue.enqueue('t.drain', {})
			await waitFor(() => started)
			await worker.close(100)
			expect(aborted).toBe(true)
		})
	})
}
