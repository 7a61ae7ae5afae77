import { afterAll, beforeAll, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { sessions } from '../../src/db/schema'
import { startMockServer, type MockServer } from '../../src/mock/server'
import { startWorkers } from '../../src/worker'
import { call, createTestDeps, type TestDeps } from '../helpers/deps'
import { createPresetTarget, MOCK_KEY, waitFor, waitForStatus } from '../helpers/mock-run'

let deps: TestDeps
let mock: MockServer
beforeAll(async () => {
	deps = await createTestDeps({ env: { KRAWALL_WORKER_STALL_MS: '1000' } })
	mock = await startMockServer({ port: 0, apiKey: MOCK_KEY, grpcPort: false })
})
afterAll(async () => {
	await mock?.stop()
	await deps?.close()
})

test('start-up recovery: a session left RUNNING fails ("worker lost"), a QUEUED one runs', async () => {
	const target = await createPresetTarget(deps, 'openai-chat', mock.url)
	// No worker yet: both sessions stay QUEUED.
	const a = (
		await call(deps.app, 'POST', '/api/execute', {
			targetId: target.id,
			executionConfig: { customMessages: ['a'] },
		})
	).json.data.sessionId
	const b = (
		await call(deps.app, 'POST', '/api/execute', {
			targetId: target.id,
			executionConfig: { customMessages: ['b', 'c'] },
		})
	).json.data.sessionId
	// `a` was taken by a process that then died.
	await deps.db
		.update(sessions)
		.set({
			status: 'RUNNING',
			workerId: 'dead',
			heartbeatAt: new Date(Date.now() - 60_000),
			startedAt: new Date(Date.now() - 61_000),
		})
		.where(eq(sessions.id, a))
	mock.resetStats()
	const workers = startWorkers(deps)
	try {
		const lost = await waitForStatus(deps, a, ['FAILED', 'COMPLETED', 'CANCELLED'])
		expect(lost.status).toBe('FAILED')
		expect(lost.error).toBe('worker lost')
		expect((lost.summaryMetrics as any).stopReason).toBe('worker lost')
		const ran = await waitForStatus(deps, b, ['FAILED', 'COMPLETED', 'CANCELLED'])
		expect(ran.status).toBe('COMPLETED')
		expect(mock.stats.requests).toBe(2)
	} finally {
		await workers.close(2000)
	}
})

test('graceful shutdown within a bound cancels a running session instead of leaving it RUNNING', async () => {
	const target = await createPresetTarget(deps, 'openai-chat', `${mock.url}/persona/slow:200`)
	const workers = startWorkers(deps)
	const id = (
		await call(deps.app, 'POST', '/api/execute', {
			targetId: target.id,
			executionConfig: { customMessages: Array(50).fill('more') },
		})
	).json.data.sessionId
	await waitForStatus(deps, id, ['RUNNING'])
	await waitFor(() => mock.stats.inFlight > 0, 5000, 'a request in flight')
	await workers.close(300)
	const [s] = await deps.db.select().from(sessions).where(eq(sessions.id, id))
	expect(s.status).toBe('CANCELLED')
	expect(s.error).toContain('shut down')
	expect(s.summaryMetrics).not.toBeNull()
})
