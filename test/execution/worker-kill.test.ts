import { afterAll, beforeAll, expect, test } from 'bun:test'
import { asc, eq, sql } from 'drizzle-orm'
import { createRedisBus } from '../../src/bus/redis'
import { sessionMessages, sessions } from '../../src/db/schema'
import { createLogger } from '../../src/log'
import { startMockServer, type MockServer } from '../../src/mock/server'
import { createBullmqQueue } from '../../src/queue/bullmq'
import { startWorkers } from '../../src/worker'
import { call, createTestDeps, testRedisUrl, uniquePrefix, type TestDeps } from '../helpers/deps'
import { testDatabaseUrl } from '../helpers/db'
import { createPresetTarget, MOCK_KEY, waitFor, waitForStatus } from '../helpers/mock-run'
import { readSse } from '../helpers/sse'

/**
 * Scaled-out mode only: a separate `bun src/main.ts --worker` process takes the session and is
 * killed with SIGKILL mid-run. BullMQ redelivers the stalled job to this process's worker,
 * which must fail the session ("worker lost") and never send its messages again.
 */
const scaled = Boolean(testRedisUrl() && testDatabaseUrl())
const STALL_MS = '1000'

const quiet = createLogger('silent')
let deps: TestDeps
let mock: MockServer
let prefix: string
beforeAll(async () => {
	if (!scaled) return
	prefix = uniquePrefix()
	const redis = testRedisUrl()!
	deps = await createTestDeps({
		env: { KRAWALL_WORKER_STALL_MS: STALL_MS },
		overrides: {
			queue: createBullmqQueue(redis, {
				log: quiet,
				prefix,
				lockDurationMs: 1000,
				stalledIntervalMs: 1000,
			}),
			bus: createRedisBus(redis, { log: quiet, prefix }),
		},
	})
	mock = await startMockServer({ port: 0, apiKey: MOCK_KEY, grpcPort: false })
})
afterAll(async () => {
	await mock?.stop()
	await deps?.close()
})

test.skipIf(!scaled)(
	'worker SIGKILLed mid-session: FAILED "worker lost", messages intact, nothing sent twice',
	async () => {
		const [{ db }] = await deps.database.rows<{ db: string }>(sql`select current_database() as db`)
		const url = new URL(testDatabaseUrl()!)
		url.pathname = `/${db}`
		const child = Bun.spawn(['bun', 'src/main.ts', '--worker'], {
			env: {
				PATH: process.env.PATH ?? '',
				HOME: process.env.HOME ?? '/tmp',
				DATABASE_URL: url.toString(),
				REDIS_URL: testRedisUrl()!,
				KRAWALL_REDIS_PREFIX: prefix,
				KRAWALL_WORKER_STALL_MS: STALL_MS,
				KRAWALL_ENCRYPTION_KEY: Buffer.from(deps.key).toString('base64'),
				KRAWALL_DATA_DIR: deps.config.dataDir,
				LOG_LEVEL: 'info',
			},
			stdout: 'ignore',
			stderr: 'pipe',
		})
		let err = ''
		const drained = (async () => {
			for await (const chunk of child.stderr as unknown as AsyncIterable<Uint8Array>)
				err += new TextDecoder().decode(chunk)
		})().catch(() => {})
		let ourWorkers: ReturnType<typeof startWorkers> | undefined
		try {
			await waitFor(
				() => err.includes('worker started'),
				30_000,
				`the worker process to start:\n${err}`,
			)
			const target = await createPresetTarget(deps, 'openai-chat', `${mock.url}/persona/slow:100`)
			mock.resetStats()
			const messages = Array.from({ length: 40 }, (_, i) => `Numbered message ${i + 1}`)
			const id = (
				await call(deps.app, 'POST', '/api/execute', {
					targetId: target.id,
					executionConfig: { customMessages: messages },
				})
			).json.data.sessionId
			const running = await waitForStatus(deps, id, ['RUNNING'], 20_000)
			expect(running.workerId).toStartWith(`${child.pid}-`)
			// A viewer of this server sees, over Redis pub/sub, what the other process records.
			const stream = await deps.app.handle(
				new Request(`http://localhost/api/sessions/${id}/stream`),
			)
			let seen = 0
			const events = await readSse(
				stream,
				(e) => !e.comment && JSON.parse(e.data).type === 'message' && ++seen >= 6,
				20_000,
			)
			const ids = events
				.filter((e) => !e.comment && JSON.parse(e.data).type === 'message')
				.map((e) => Number(e.id))
			expect(ids).toEqual([1, 2, 3, 4, 5, 6])
			const rows = () =>
				deps.db
					.select()
					.from(sessionMessages)
					.where(eq(sessionMessages.sessionId, id))
					.orderBy(asc(sessionMessages.seq))
			await waitFor(async () => (await rows()).length >= 3, 20_000, 'three recorded messages')
			child.kill('SIGKILL')
			await child.exited
			const sentBeforeKill = mock.stats.requests
			// Only now does this process run a worker: it gets the stalled job.
			ourWorkers = startWorkers(deps)
			const s = await waitForStatus(deps, id, ['FAILED', 'COMPLETED', 'CANCELLED'], 20_000)
			expect(s.status).toBe('FAILED')
			expect(s.error).toBe('worker lost')
			const recorded = await rows()
			expect(recorded.length).toBeGreaterThanOrEqual(3)
			expect(recorded.length).toBeLessThanOrEqual(sentBeforeKill)
			expect(recorded.map((r) => r.requestContent)).toEqual(messages.slice(0, recorded.length))
			expect((s.summaryMetrics as any).totalMessages).toBe(recorded.length)
			await Bun.sleep(500)
			expect(mock.stats.requests).toBe(sentBeforeKill)
			const [again] = await deps.db.select().from(sessions).where(eq(sessions.id, id))
			expect(again.status).toBe('FAILED')
		} finally {
			child.kill('SIGKILL')
			await child.exited
			await drained
			await ourWorkers?.close(2000)
		}
	},
	90_000,
)
