import { afterAll, beforeAll, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { mkdir, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { dirname } from 'node:path'
import { sessions } from '../../src/db/schema'
import { sessionRunHandler } from '../../src/execution/handler'
import { spoolFile } from '../../src/execution/recorder'
import { sweepSessions } from '../../src/execution/sweep'
import { startMockServer, type MockServer } from '../../src/mock/server'
import { SESSION_RUN_JOB } from '../../src/sessions/model'
import { call, createTestDeps, type TestDeps } from '../helpers/deps'
import { createPresetTarget, messageRows, MOCK_KEY, waitForStatus } from '../helpers/mock-run'

// The periodic sweep (docs/architecture.md §4), called directly against the real database.
let deps: TestDeps
let mock: MockServer
beforeAll(async () => {
	// Stale = heartbeat older than 2 × 5 s: a loaded machine never makes the live session stale.
	deps = await createTestDeps({ env: { KRAWALL_WORKER_STALL_MS: '5000' } })
	mock = await startMockServer({ port: 0, apiKey: MOCK_KEY, grpcPort: false })
})
afterAll(async () => {
	await mock?.stop()
	await deps?.close()
})

const execute = async (targetId: string, messages: string[]) =>
	(
		await call(deps.app, 'POST', '/api/execute', {
			targetId,
			executionConfig: { customMessages: messages },
		})
	).json.data.sessionId as string

test('sweep: a stale RUNNING session fails "worker lost", a live one is kept, a QUEUED one without a job runs', async () => {
	const target = await createPresetTarget(deps, 'openai-chat', mock.url)
	const stale = await execute(target.id, ['a'])
	const live = await execute(target.id, ['b'])
	const orphan = await execute(target.id, ['c', 'd', 'e'])
	// No worker yet: three jobs wait. The orphan's job vanishes (Redis restarted without persistence).
	for (const id of [stale, live, orphan])
		expect(await deps.queue.cancel(SESSION_RUN_JOB, id)).toBe(true)
	const now = Date.now()
	await deps.db
		.update(sessions)
		.set({
			status: 'RUNNING',
			workerId: 'dead',
			heartbeatAt: new Date(now - 60_000),
			startedAt: new Date(now - 61_000),
		})
		.where(eq(sessions.id, stale))
	await deps.db
		.update(sessions)
		.set({
			status: 'RUNNING',
			workerId: 'alive',
			heartbeatAt: new Date(now),
			startedAt: new Date(now - 1000),
		})
		.where(eq(sessions.id, live))
	mock.resetStats()
	// A worker without start-up recovery: only the sweep can give the orphan a job.
	const worker = deps.queue.process(SESSION_RUN_JOB, sessionRunHandler(deps), { concurrency: 2 })
	try {
		const r = await sweepSessions(deps)
		expect(r.failed).toBe(1)
		expect(r.queued).toBe(1)
		const lost = await waitForStatus(deps, stale, ['FAILED'])
		expect(lost.error).toBe('worker lost')
		expect((lost.summaryMetrics as any).stopReason).toBe('worker lost')
		const [kept] = await deps.db.select().from(sessions).where(eq(sessions.id, live))
		expect(kept.status).toBe('RUNNING')
		const ran = await waitForStatus(deps, orphan, ['COMPLETED', 'FAILED', 'CANCELLED'])
		expect(ran.status).toBe('COMPLETED')
		expect(mock.stats.served.replies).toBe(3)
		expect((await messageRows(deps, orphan)).length).toBe(3)
		// A second sweep changes nothing: the orphan ran once, the live session is still kept.
		const again = await sweepSessions(deps)
		expect(again).toEqual({ replayed: 0, failed: 0, queued: 0, assessmentsFailed: 0 })
		await Bun.sleep(200)
		expect(mock.stats.served.replies).toBe(3)
	} finally {
		await worker.close(2000)
	}
})

test('sweep: spooled rows are written once, and the spool file is removed', async () => {
	const target = await createPresetTarget(deps, 'openai-chat', mock.url)
	const id = await execute(target.id, ['x'])
	await deps.queue.cancel(SESSION_RUN_JOB, id)
	await deps.db.update(sessions).set({ status: 'FAILED' }).where(eq(sessions.id, id))
	const row = (seq: number) => ({
		id: `${id}-${seq}`,
		sessionId: id,
		seq,
		conversationIndex: 0,
		turnIndex: seq - 1,
		stepId: null,
		requestContent: `q${seq}`,
		responseContent: `a${seq}`,
		sentAt: new Date(),
		receivedAt: new Date(),
		responseTimeMs: 5,
		success: true,
		retries: 0,
		promptTokens: 1,
		completionTokens: 2,
		totalTokens: 3,
		attempts: [],
	})
	const file = spoolFile(deps.config.dataDir, id)
	await mkdir(dirname(file), { recursive: true })
	// Row 1 also reached the database before the outage: it must not be doubled.
	await writeFile(file, [1, 2, 3].map((s) => JSON.stringify(row(s))).join('\n') + '\n')
	const first = await sweepSessions(deps)
	expect(first.replayed).toBe(3)
	expect(existsSync(file)).toBe(false)
	await writeFile(file, JSON.stringify(row(1)) + '\n')
	await sweepSessions(deps)
	const rows = await messageRows(deps, id)
	expect(rows.map((r) => r.seq)).toEqual([1, 2, 3])
	expect(rows.map((r) => r.responseContent)).toEqual(['a1', 'a2', 'a3'])
})

test('a refusal by the database (SQLSTATE) fails at once; a connection error is an outage', async () => {
	const { refusedCode } = await import('../../src/execution/recorder')
	const { openPostgres } = await import('../../src/db/client')
	const { sessionMessages } = await import('../../src/db/schema')
	const target = await createPresetTarget(deps, 'openai-chat', mock.url)
	const id = await execute(target.id, ['y'])
	await deps.queue.cancel(SESSION_RUN_JOB, id)
	const row = {
		id: `${id}-1`,
		sessionId: id,
		seq: 1,
		conversationIndex: 0,
		turnIndex: 0,
		requestContent: 'q',
		sentAt: new Date(),
		responseTimeMs: 1,
		success: true,
	}
	await deps.db.insert(sessionMessages).values(row)
	// Same primary key, another seq: a unique violation the database will raise on every retry.
	const refused = await deps.db
		.insert(sessionMessages)
		.values({ ...row, seq: 2 })
		.catch((e) => e)
	expect(refusedCode(refused)).toBe('23505')
	const dead = openPostgres('postgres://postgres@127.0.0.1:1/x', { max: 1 })
	const down = await dead.db
		.select()
		.from(sessionMessages)
		.catch((e) => e)
	await dead.close().catch(() => {})
	expect(down).toBeInstanceOf(Error)
	expect(refusedCode(down)).toBeUndefined()
})
