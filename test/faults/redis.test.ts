import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createRedisBus } from '../../src/bus/redis'
import { createLogger } from '../../src/log'
import { startMockServer, type MockServer } from '../../src/mock/server'
import { createBullmqQueue } from '../../src/queue/bullmq'
import { startWorkers } from '../../src/worker'
import { call, createTestDeps, uniquePrefix, type TestDeps } from '../helpers/deps'
import {
	createPresetTarget,
	messageRows,
	MOCK_KEY,
	waitFor,
	waitForStatus,
} from '../helpers/mock-run'
import { redisServerBin, startPrivateRedis } from '../helpers/private-services'

/**
 * Redis restarted without persistence mid-session (docs/architecture.md §4), on a PRIVATE
 * redis-server this file starts: the running session completes with every reply recorded once,
 * and the QUEUED session whose job vanished is re-enqueued by the sweep and runs.
 */
const bin = redisServerBin()

describe.skipIf(!bin || !Bun.which('redis-cli'))('Redis restart without persistence', () => {
	let redis: Awaited<ReturnType<typeof startPrivateRedis>>
	let mock: MockServer
	let deps: TestDeps
	beforeAll(async () => {
		redis = await startPrivateRedis(bin!)
		mock = await startMockServer({ port: 0, apiKey: MOCK_KEY, grpcPort: false })
		const log = createLogger('debug', {}, () => {})
		const prefix = uniquePrefix()
		deps = await createTestDeps({
			env: {
				REDIS_URL: redis.url,
				KRAWALL_WORKER_CONCURRENCY: '1',
				KRAWALL_SWEEP_MS: '300',
			},
			overrides: {
				queue: createBullmqQueue(redis.url, { log, prefix }),
				bus: createRedisBus(redis.url, { log, prefix }),
			},
		})
	}, 30_000)
	afterAll(async () => {
		await deps?.close()
		await mock?.stop()
		await redis?.stop()
	})

	test('the running session completes, the queued one runs after its job vanished', async () => {
		const target = await createPresetTarget(deps, 'openai-chat', `${mock.url}/persona/slow:50`)
		const workers = startWorkers(deps)
		try {
			mock.resetStats()
			const execute = async (n: number) =>
				(
					await call(deps.app, 'POST', '/api/execute', {
						targetId: target.id,
						executionConfig: { customMessages: Array(n).fill('hello') },
					})
				).json.data.sessionId as string
			const a = await execute(30)
			await waitForStatus(deps, a, ['RUNNING'], 10_000)
			// Concurrency 1: b waits in Redis behind a.
			const b = await execute(3)
			await waitFor(() => mock.stats.served.replies >= 5, 10_000, 'a few replies')
			await redis.stop()
			await Bun.sleep(500)
			await redis.start()
			const sa = await waitForStatus(deps, a, ['COMPLETED', 'FAILED', 'CANCELLED'], 20_000)
			expect(sa.status).toBe('COMPLETED')
			const sb = await waitForStatus(deps, b, ['COMPLETED', 'FAILED', 'CANCELLED'], 20_000)
			expect(sb.status).toBe('COMPLETED')
			const ra = await messageRows(deps, a)
			const rb = await messageRows(deps, b)
			expect(ra.length).toBe(30)
			expect(rb.length).toBe(3)
			// Each reply served once and recorded once: nothing re-sent by the re-enqueue.
			expect(mock.stats.served.replies).toBe(33)
			expect(ra.map((r) => r.seq)).toEqual(ra.map((_, i) => i + 1))
		} finally {
			await workers.close(2000)
		}
	}, 40_000)
})
