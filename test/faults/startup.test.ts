import { afterAll, beforeAll, expect, test } from 'bun:test'
import { createMemoryBus } from '../../src/bus/memory'
import { createLogger } from '../../src/log'
import { createMemoryQueue } from '../../src/queue/memory'
import { startMockServer, type MockServer } from '../../src/mock/server'
import { startWorkers } from '../../src/worker'
import { call, createTestDeps, type TestDeps } from '../helpers/deps'
import { createPresetTarget, messageRows, MOCK_KEY, waitForStatus } from '../helpers/mock-run'

// Start-up recovery runs before this process takes session jobs (docs/architecture.md §4):
// embedded, recovery fails every RUNNING session as left by a dead process, so a session this
// process had already claimed was failed "worker lost" while it ran (seen in CI under load).
let deps: TestDeps
let mock: MockServer
beforeAll(async () => {
	// The in-process queue on whichever database is set: the embedded recovery on Postgres, where
	// recovery and claim run on different connections, is where the race showed.
	const log = createLogger('warn', {}, () => {})
	deps = await createTestDeps({
		overrides: { queue: createMemoryQueue({ log }), bus: createMemoryBus() },
	})
	mock = await startMockServer({ port: 0, apiKey: MOCK_KEY, grpcPort: false })
})
afterAll(async () => {
	await mock?.stop()
	await deps?.close()
})

test('sessions posted just before the worker starts run to the end; recovery fails none of them', async () => {
	const target = await createPresetTarget(deps, 'openai-chat', `${mock.url}/persona/slow:20`)
	mock.resetStats()
	const ids: string[] = []
	for (let i = 0; i < 4; i++)
		ids.push(
			(
				await call(deps.app, 'POST', '/api/execute', {
					targetId: target.id,
					executionConfig: { customMessages: ['one', 'two', 'three'] },
				})
			).json.data.sessionId as string,
		)
	const workers = startWorkers(deps)
	try {
		await workers.ready
		for (const id of ids) {
			const s = await waitForStatus(deps, id, ['COMPLETED', 'FAILED', 'CANCELLED'])
			expect({ id, status: s.status, error: s.error }).toEqual({
				id,
				status: 'COMPLETED',
				error: null,
			})
			expect((await messageRows(deps, id)).length).toBe(3)
		}
		// The target's own count: every message was served once.
		expect(mock.stats.served.replies).toBe(12)
	} finally {
		await workers.close(2000)
	}
})
