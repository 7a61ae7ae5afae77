import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startMockServer, type MockServer } from '../../src/mock/server'
import { startWorkers } from '../../src/worker'
import { call, createTestDeps, type TestDeps } from '../helpers/deps'
import {
	createPresetTarget,
	MOCK_KEY,
	messageRows,
	waitFor,
	waitForStatus,
} from '../helpers/mock-run'

/**
 * A worker shutting down drains (docs/architecture.md §4): it starts nothing new, lets requests
 * in flight finish within its close bound and records them; past the bound they are aborted and
 * recorded as `aborted`. Each case has its own workers, so closing them is the test.
 */
let deps: TestDeps
let mock: MockServer
beforeAll(async () => {
	deps = await createTestDeps()
	mock = await startMockServer({ port: 0, apiKey: MOCK_KEY, grpcPort: false })
})
afterAll(async () => {
	await mock?.stop()
	await deps?.close()
})

const END = ['COMPLETED', 'FAILED', 'CANCELLED']
const SHUTDOWN = 'The worker shut down before the session finished'

async function startRun(persona: string) {
	const target = await createPresetTarget(deps, 'openai-chat', `${mock.url}/persona/${persona}`)
	mock.resetStats()
	const workers = startWorkers(deps)
	const r = await call(deps.app, 'POST', '/api/execute', {
		targetId: target.id,
		executionConfig: { customMessages: ['one', 'two', 'three'], repetitions: 2, concurrency: 2 },
	})
	expect(r.status).toBe(202)
	await waitFor(() => mock.stats.inFlight === 2, 15_000, 'two requests in flight')
	return { id: r.json.data.sessionId as string, workers }
}

describe('worker shutdown', () => {
	test('drains: the requests in flight finish and are recorded, nothing new starts', async () => {
		const { id, workers } = await startRun('slow:300')
		await workers.close(10_000)
		const s = await waitForStatus(deps, id, END)
		expect(s.status).toBe('CANCELLED')
		expect(s.error).toBe(SHUTDOWN)
		const rows = await messageRows(deps, id)
		expect(mock.stats.requests).toBe(2)
		expect(mock.stats.served.replies).toBe(2)
		expect(rows.length).toBe(2)
		expect(rows.every((r) => r.success && r.turnIndex === 0)).toBe(true)
		expect(rows.reduce((a, r) => a + r.promptTokens!, 0)).toBe(mock.stats.served.promptTokens)
		expect(rows.reduce((a, r) => a + r.completionTokens!, 0)).toBe(
			mock.stats.served.completionTokens,
		)
	})

	test('past the close bound the requests in flight are aborted and still recorded', async () => {
		const { id, workers } = await startRun('slow:5000')
		await workers.close(100)
		const s = await waitForStatus(deps, id, END)
		expect(s.status).toBe('CANCELLED')
		expect(s.error).toBe(SHUTDOWN)
		const rows = await messageRows(deps, id)
		expect(await waitFor(() => mock.stats.disconnects === 2)).toBe(true)
		expect(mock.stats.served.replies).toBe(0)
		expect(rows.length).toBe(2)
		for (const r of rows) {
			expect(r.errorType).toBe('aborted')
			// The prompt was sent: its tokens are estimated and priced, never dropped.
			expect(r.tokensEstimated).toBe(true)
			expect(r.promptTokens!).toBeGreaterThan(0)
			expect(r.costUsd!).toBeGreaterThan(0)
		}
	})
})
