import { afterAll, beforeAll, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { scheduledJobs } from '../../src/db/schema'
import { runDueSchedules } from '../../src/schedules/runner'
import { startMockServer, type MockServer } from '../../src/mock/server'
import { startWorkers } from '../../src/worker'
import { call, createTestDeps, type TestDeps } from '../helpers/deps'
import { createPresetTarget, createScenario, waitForStatus } from '../helpers/mock-run'
import { startReceiver, waitFor, type Received } from '../helpers/webhooks'

/**
 * Webhook events from real runs: sessions executed through /api/execute by the real worker
 * against the mock chatbot; the receiver checks every signature with its own HMAC.
 */
let deps: TestDeps
let mock: MockServer
let workers: ReturnType<typeof startWorkers>
let secret = ''
let rx: ReturnType<typeof startReceiver>
beforeAll(async () => {
	deps = await createTestDeps()
	mock = await startMockServer({ port: 0, apiKey: 'mock-key-12345', grpcPort: false })
	workers = startWorkers(deps)
	rx = startReceiver(() => secret)
	const r = await call(deps.app, 'POST', '/api/webhooks', {
		name: 'all events',
		url: rx.url,
		events: ['session.completed', 'session.failed', 'session.cancelled', 'metric.threshold'],
		thresholds: { errorRatePercent: 20 },
		retryPolicy: { maxAttempts: 3, initialDelayMs: 10 },
	})
	secret = r.json.data.secret
}, 30_000)
afterAll(async () => {
	rx?.stop()
	await workers?.close(2000)
	await mock?.stop()
	await deps?.close()
})

const execute = async (body: Record<string, unknown>) => {
	const r = await call(deps.app, 'POST', '/api/execute', body)
	expect(r.status).toBe(202)
	return r.json.data.sessionId as string
}
const eventsFor = (sessionId: string) =>
	rx.received.filter((x) => x.verified && JSON.parse(x.body).data?.session?.id === sessionId)
const payloadOf = (r: Received) => JSON.parse(r.body)
const messages = (n: number) =>
	Array.from({ length: n }, (_, i) => `Question ${i + 1}: tell me everything`)

test('session.completed from a real run, signed, with the summary', async () => {
	const target = await createPresetTarget(deps, 'openai-chat', mock.url)
	const id = await execute({
		targetId: target.id,
		executionConfig: { customMessages: messages(3) },
	})
	await waitForStatus(deps, id, ['COMPLETED'])
	const [got] = await waitFor(
		() => (eventsFor(id).length ? eventsFor(id) : undefined),
		'session.completed',
	)
	expect(got!.headers.get('x-krawall-event')).toBe('session.completed')
	const p = payloadOf(got!)
	expect(p.event).toBe('session.completed')
	expect(p.id).toBe(got!.headers.get('x-krawall-delivery'))
	expect(p.data.session.status).toBe('COMPLETED')
	expect(p.data.session.summaryMetrics.totalMessages).toBe(3)
	expect(p.data.figures).toMatchObject({ messages: 3, errors: 0 })
	expect(p.data.target.name).toBe(target.name)
	// Nothing crossed: no threshold event.
	expect(eventsFor(id).map((e) => e.headers.get('x-krawall-event'))).toEqual(['session.completed'])
}, 60_000)

test('session.failed when a scenario aborts on error', async () => {
	const target = await createPresetTarget(deps, 'openai-chat', `${mock.url}/persona/error:500`)
	const scenario = await createScenario(deps, {
		flowConfig: [{ id: 'm', type: 'message', config: { message: 'hello' } }],
		errorHandling: { onError: 'abort' },
	})
	const id = await execute({ targetId: target.id, scenarioId: scenario!.id })
	await waitForStatus(deps, id, ['FAILED'])
	const got = await waitFor(
		() => eventsFor(id).find((e) => e.headers.get('x-krawall-event') === 'session.failed'),
		'session.failed',
	)
	expect(payloadOf(got).data.session).toMatchObject({ id, status: 'FAILED' })
	expect(payloadOf(got).data.session.error).toBeString()
}, 60_000)

test('session.cancelled when a running session is cancelled', async () => {
	const target = await createPresetTarget(deps, 'openai-chat', `${mock.url}/persona/slow:300`)
	const id = await execute({
		targetId: target.id,
		executionConfig: { customMessages: messages(20) },
	})
	await waitForStatus(deps, id, ['RUNNING'])
	const r = await call(deps.app, 'POST', `/api/sessions/${id}/cancel`)
	expect(r.status).toBe(200)
	await waitForStatus(deps, id, ['CANCELLED'])
	const got = await waitFor(
		() => eventsFor(id).find((e) => e.headers.get('x-krawall-event') === 'session.cancelled'),
		'session.cancelled',
	)
	expect(payloadOf(got).data.session.status).toBe('CANCELLED')
}, 60_000)

test('metric.threshold when a finished run exceeds the error-rate threshold', async () => {
	// Every request fails but the run goes on (skip), so it completes with a 100 % error rate.
	const target = await createPresetTarget(deps, 'openai-chat', `${mock.url}/persona/error:503`)
	const id = await execute({
		targetId: target.id,
		executionConfig: { customMessages: messages(4) },
	})
	await waitForStatus(deps, id, ['COMPLETED'])
	const got = await waitFor(
		() => eventsFor(id).find((e) => e.headers.get('x-krawall-event') === 'metric.threshold'),
		'metric.threshold',
	)
	const p = payloadOf(got)
	expect(p.data.trigger).toBe('session.completed')
	expect(p.data.thresholds).toEqual([{ metric: 'errorRatePercent', threshold: 20, value: 100 }])
	await waitFor(() => eventsFor(id).length === 2, 'the completed event too')
	expect(
		eventsFor(id)
			.map((e) => e.headers.get('x-krawall-event'))
			.sort(),
	).toEqual(['metric.threshold', 'session.completed'])
	expect(rx.received.every((x) => x.verified)).toBe(true)
}, 60_000)

test('a schedule fire runs a real session whose completion reaches the webhook', async () => {
	const target = await createPresetTarget(deps, 'openai-chat', mock.url)
	const scenario = await createScenario(deps, {
		flowConfig: [{ id: 'm', type: 'message', config: { message: 'scheduled hello' } }],
		targetId: target!.id,
	})
	const s = await call(deps.app, 'POST', '/api/scheduled-jobs', {
		scenarioId: scenario!.id,
		cronExpression: '@hourly',
	})
	expect(s.status).toBe(201)
	await deps.db
		.update(scheduledJobs)
		.set({ nextRunAt: new Date(Date.now() - 1000) })
		.where(eq(scheduledJobs.id, s.json.data.id))
	const fires = await runDueSchedules(deps)
	const fire = fires.find((f) => f.scheduleId === s.json.data.id)!
	expect(fire.sessionId).toBeString()
	await waitForStatus(deps, fire.sessionId!, ['COMPLETED'])
	const got = await waitFor(
		() =>
			eventsFor(fire.sessionId!).find(
				(e) => e.headers.get('x-krawall-event') === 'session.completed',
			),
		'completed',
	)
	expect(payloadOf(got).data.scenario.id).toBe(scenario!.id)
	const listed = (await call(deps.app, 'GET', `/api/scheduled-jobs/${s.json.data.id}`)).json.data
	expect(listed.lastSession).toEqual({ id: fire.sessionId, status: 'COMPLETED' })
}, 60_000)
