import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { createApp } from '../../src/app'
import { createMemoryBus } from '../../src/bus/memory'
import { loadConfig } from '../../src/config'
import { openPostgres } from '../../src/db/client'
import { migrate } from '../../src/db/migrate'
import { sessions } from '../../src/db/schema'
import { createDeps } from '../../src/deps'
import { createLogger } from '../../src/log'
import { startMockServer, type MockServer } from '../../src/mock/server'
import { createMemoryQueue } from '../../src/queue/memory'
import { createSecrets } from '../../src/secrets/crypto'
import { startWorkers } from '../../src/worker'
import { call, type TestDeps } from '../helpers/deps'
import {
	createPresetTarget,
	messageRows,
	MOCK_KEY,
	waitFor,
	waitForStatus,
} from '../helpers/mock-run'
import { postgresBin, startPrivatePostgres } from '../helpers/private-services'

/**
 * Postgres stopped and restarted mid-session (docs/architecture.md §4), on a PRIVATE instance this
 * file starts (initdb + pg_ctl on a spare port), never the shared one. Every reply the mock served
 * is recorded exactly once, or the session fails with a short error; never RUNNING forever.
 */
const bin = postgresBin()

describe.skipIf(!bin)('Postgres outage mid-session', () => {
	let pg: Awaited<ReturnType<typeof startPrivatePostgres>>
	let mock: MockServer
	beforeAll(async () => {
		pg = await startPrivatePostgres(bin!)
		mock = await startMockServer({ port: 0, apiKey: MOCK_KEY, grpcPort: false })
	}, 60_000)
	afterAll(async () => {
		await mock?.stop()
		await pg?.destroy()
	})

	async function depsFor(outageMs: number) {
		const key = Uint8Array.from(randomBytes(32))
		const config = loadConfig({
			KRAWALL_DATA_DIR: mkdtempSync(join(tmpdir(), 'krawall-fault-')),
			DATABASE_URL: pg.url,
			KRAWALL_ENCRYPTION_KEY: Buffer.from(key).toString('base64'),
			KRAWALL_DB_OUTAGE_MS: String(outageMs),
			LOG_LEVEL: 'debug',
		})
		const database = openPostgres(pg.url, { max: 4 })
		await migrate(database)
		const logs: string[] = []
		const log = createLogger('debug', {}, (line) => logs.push(line))
		const deps = await createDeps(config, {
			database,
			log,
			secrets: createSecrets(key),
			queue: createMemoryQueue({ log }),
			bus: createMemoryBus(),
		})
		return Object.assign(deps, { app: createApp(deps), logs, key }) as TestDeps
	}

	async function untilEnded(deps: TestDeps, id: string, timeoutMs: number) {
		const end = Date.now() + timeoutMs
		for (;;) {
			try {
				return await waitForStatus(deps, id, ['COMPLETED', 'FAILED', 'CANCELLED'], 0)
			} catch (e) {
				if (Date.now() > end) throw e
			}
			await Bun.sleep(50)
		}
	}

	async function outage(ms: number, outageBoundMs: number) {
		const deps = await depsFor(outageBoundMs)
		const workers = startWorkers(deps)
		try {
			const target = await createPresetTarget(deps, 'openai-chat', `${mock.url}/persona/slow:60`)
			mock.resetStats()
			const id = (
				await call(deps.app, 'POST', '/api/execute', {
					targetId: target.id,
					executionConfig: { customMessages: Array(60).fill('keep going') },
				})
			).json.data.sessionId as string
			await waitFor(() => mock.stats.served.replies >= 8, 10_000, 'a few replies')
			pg.stop()
			const servedAtStop = mock.stats.served.replies
			await Bun.sleep(ms)
			pg.start()
			// The test's own pooled connection was terminated with the server: its first query may
			// fail before the pool reconnects, so poll through errors.
			const s = await untilEnded(deps, id, 20_000)
			// Completed or failed past the bound, the rows are exactly the replies served (each once,
			// seq 1..n): the session ends only once the rows it kept are written.
			const served = mock.stats.served.replies
			const rows = await messageRows(deps, id)
			// A mismatch is rare and timing-dependent: the run's own log says what happened.
			if (rows.length !== served)
				console.error(
					`${s.status} ${s.error}\n${deps.logs.filter((l) => !l.includes('"debug"')).join('\n')}`,
				)
			expect(rows.length).toBe(served)
			expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1))
			expect(s.messagesCompleted).toBe(rows.length)
			return { deps, s, rows, servedAtStop }
		} finally {
			await workers.close(2000)
		}
	}

	test('a 2 s outage within the bound: the session completes, every reply recorded once', async () => {
		const { deps, s, rows, servedAtStop } = await outage(2000, 20_000)
		expect(s.status).toBe('COMPLETED')
		expect(s.error).toBeNull()
		expect(rows.length).toBe(60)
		// The run went on during the outage (rows kept in memory, written when it returned).
		expect(servedAtStop).toBeLessThan(60)
		expect(deps.logs.some((l) => l.includes('recording deferred'))).toBe(true)
		expect(deps.logs.some((l) => l.includes('recording resumed'))).toBe(true)
		// The seconds closed during the outage waited in memory and were written after it: the
		// time series counts every reply once (docs/architecture.md §5 "Time series").
		const ts = (await call(deps.app, 'GET', `/api/sessions/${s.id}/timeseries`)).json.data
		expect(ts.buckets.reduce((a: number, b: { completed: number }) => a + b.completed, 0)).toBe(60)
		await deps.close()
	}, 30_000)

	test('an outage past the bound: the session fails with a short error, the kept rows are written', async () => {
		const { deps, s, rows } = await outage(3000, 1000)
		expect(s.status).toBe('FAILED')
		expect(s.error).toBe('Recording failed: the database was unreachable for more than 1 s')
		expect(rows.length).toBeLessThan(60)
		expect(rows.length).toBeGreaterThanOrEqual(8)
		const [again] = await deps.db.select().from(sessions).where(eq(sessions.id, s.id))
		expect((again.summaryMetrics as any).totalMessages).toBe(rows.length)
		// No log line carries the SQL statement.
		expect(deps.logs.some((l) => /insert into|Failed query/i.test(l))).toBe(false)
		await deps.close()
	}, 30_000)
})
