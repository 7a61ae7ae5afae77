import { afterAll, beforeAll, expect, test } from 'bun:test'
import { startMockServer, type MockServer } from '../../src/mock/server'
import { startWorkers } from '../../src/worker'
import { call, createTestDeps, type TestDeps } from '../helpers/deps'
import { createPresetTarget, MOCK_KEY } from '../helpers/mock-run'
import { startReceiver, waitFor } from '../helpers/webhooks'

/** `assessment.completed`: signed, once, with the headline and the findings the API shows. */
let deps: TestDeps
let mock: MockServer
let workers: ReturnType<typeof startWorkers>
let secret = ''
let rx: ReturnType<typeof startReceiver>
beforeAll(async () => {
	deps = await createTestDeps()
	mock = await startMockServer({ port: 0, apiKey: MOCK_KEY, grpcPort: false })
	workers = startWorkers(deps)
	rx = startReceiver(() => secret)
	const r = await call(deps.app, 'POST', '/api/webhooks', {
		name: 'assessments',
		url: rx.url,
		events: ['assessment.completed'],
	})
	expect(r.status).toBe(201)
	secret = r.json.data.secret
}, 30_000)
afterAll(async () => {
	rx?.stop()
	await workers?.close(2000)
	await mock?.stop()
	await deps?.close()
})

test('assessment.completed carries the findings', async () => {
	const target = await createPresetTarget(
		deps,
		'openai-chat',
		`${mock.url}/persona/obedient:2000,max-tokens:128`,
	)
	const r = await call(deps.app, 'POST', '/api/assessments', {
		targetId: target.id,
		probes: ['output'],
		limits: { maxCostUsd: 1, maxRequests: 20, maxDurationSec: 30 },
	})
	const id = r.json.data.assessmentId
	const [got] = await waitFor(
		() => (rx.received.some((x) => x.verified) ? rx.received.filter((x) => x.verified) : undefined),
		'assessment.completed',
	)
	expect(got!.headers.get('x-krawall-event')).toBe('assessment.completed')
	const p = JSON.parse(got!.body)
	expect(p.data.assessment).toMatchObject({ id, status: 'COMPLETED' })
	const a = (await call(deps.app, 'GET', `/api/assessments/${id}`)).json.data
	expect(p.data.findings).toEqual(
		a.findings.map((f: Record<string, unknown>) => ({
			probe: f.probe,
			control: f.control,
			mitigation: f.mitigation,
			verdict: f.verdict,
			value: f.value,
			unit: f.unit,
			summary: f.summary,
		})),
	)
	expect(p.data.findings[0]).toMatchObject({
		control: 'output-cap',
		verdict: 'present',
		value: 128,
	})
	expect(p.data.headline.controlsFound).toEqual(['output-cap'])
	expect(got!.body).not.toContain(MOCK_KEY)
	await Bun.sleep(200)
	expect(rx.received.filter((x) => x.verified).length).toBe(1)
}, 30_000)
