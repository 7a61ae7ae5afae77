import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { webhookDeliveries, webhooks } from '../../src/db/schema'
import { DELIVER_JOB, deliverJobHandler } from '../../src/webhooks/delivery'
import { emitSessionEvent } from '../../src/webhooks/events'
import { crossedThresholds, sessionFigures } from '../../src/webhooks/thresholds'
import { startWorkers } from '../../src/worker'
import { call, createTestDeps, type TestDeps } from '../helpers/deps'
import { seedSession, startReceiver, waitFor } from '../helpers/webhooks'

let deps: TestDeps
let workers: ReturnType<typeof startWorkers>
beforeAll(async () => {
	deps = await createTestDeps()
	workers = startWorkers(deps, { [DELIVER_JOB]: deliverJobHandler(deps) })
})
afterAll(async () => {
	await workers.close(2000)
	await deps.close()
})

async function hook(url: string, events: string[], thresholds?: Record<string, number>) {
	const r = await call(deps.app, 'POST', '/api/webhooks', {
		url,
		events,
		thresholds,
		retryPolicy: { maxAttempts: 2, initialDelayMs: 10 },
	})
	expect(r.status).toBe(201)
	return r.json.data as { id: string; secret: string }
}

// 10 messages: 3 failed (30 %), response times 100..1000 ms, $0.01 and 100 tokens each.
const messages = Array.from({ length: 10 }, (_, i) => ({
	ok: i >= 3,
	ms: (i + 1) * 100,
	cost: 0.01,
	tokens: 100,
}))

describe('session figures and thresholds', () => {
	test('figures come exactly from session_messages', async () => {
		const { session } = await seedSession(deps, { messages })
		const f = await sessionFigures(deps, session.id)
		expect(f.messages).toBe(10)
		expect(f.errors).toBe(3)
		expect(f.errorRatePercent).toBeCloseTo(30, 10)
		expect(f.avgResponseTimeMs).toBeCloseTo(550, 10)
		expect(f.p95ResponseTimeMs).toBeCloseTo(955, 10) // percentile_cont: 900 + 0.55 × 100
		expect(f.costPerSessionUsd).toBeCloseTo(0.1, 10)
		expect(f.totalTokens).toBe(1000)
	})
	test('only thresholds strictly exceeded are reported', async () => {
		const { session } = await seedSession(deps, { messages })
		const f = await sessionFigures(deps, session.id)
		expect(
			crossedThresholds(
				{ errorRatePercent: 30, p95ResponseTimeMs: 900, costPerSessionUsd: 1, totalTokens: 999 },
				f,
			),
		).toEqual([
			{ metric: 'p95ResponseTimeMs', threshold: 900, value: f.p95ResponseTimeMs! },
			{ metric: 'totalTokens', threshold: 999, value: 1000 },
		])
		expect(crossedThresholds(null, f)).toEqual([])
		const empty = await sessionFigures(deps, (await seedSession(deps)).session.id)
		expect(crossedThresholds({ p95ResponseTimeMs: 0 }, empty)).toEqual([])
	})
})

describe('emitSessionEvent', () => {
	// Each test starts with no active webhook so only its own receive events.
	beforeEach(async () => {
		await deps.db.update(webhooks).set({ isActive: false })
	})
	test('delivers completed, failed and cancelled to subscribers only, signed, with the session summary', async () => {
		const secrets = new Map<string, string>()
		const rx = startReceiver(() => secrets.get('all')!)
		const rxFailed = startReceiver(() => secrets.get('failed')!)
		try {
			const all = await hook(rx.url, ['session.completed', 'session.failed', 'session.cancelled'])
			const failedOnly = await hook(rxFailed.url, ['session.failed'])
			secrets.set('all', all.secret).set('failed', failedOnly.secret)
			const inactive = await hook(rx.url, ['session.completed'])
			await call(deps.app, 'PATCH', `/api/webhooks/${inactive.id}`, { isActive: false })

			for (const status of ['COMPLETED', 'FAILED', 'CANCELLED'] as const) {
				const { session } = await seedSession(deps, { status, messages })
				const event = `session.${status.toLowerCase()}` as 'session.completed'
				const ids = await emitSessionEvent(deps, session.id, event)
				expect(ids).toHaveLength(status === 'FAILED' ? 2 : 1)
			}
			await waitFor(
				() => rx.received.length === 3 && rxFailed.received.length === 1,
				'three deliveries',
			)
			expect(rx.received.every((r) => r.verified)).toBe(true)
			expect(rx.received.map((r) => r.headers.get('x-krawall-event')).sort()).toEqual([
				'session.cancelled',
				'session.completed',
				'session.failed',
			])
			const completed = JSON.parse(
				rx.received.find((r) => r.headers.get('x-krawall-event') === 'session.completed')!.body,
			)
			expect(completed.event).toBe('session.completed')
			expect(completed.data.session).toMatchObject({
				status: 'COMPLETED',
				summaryMetrics: { totalMessages: 10 },
			})
			expect(completed.data.target.name).toBe('Target <b>1</b>')
			expect(completed.data.scenario.name).toBe('Scenario A')
			expect(completed.data.figures.errorRatePercent).toBeCloseTo(30, 10)
			expect(rxFailed.received[0]!.verified).toBe(true)
			expect(rxFailed.received[0]!.headers.get('x-krawall-event')).toBe('session.failed')
			const none = await deps.db
				.select()
				.from(webhookDeliveries)
				.where(eq(webhookDeliveries.webhookId, inactive.id))
			expect(none).toHaveLength(0)
		} finally {
			rx.stop()
			rxFailed.stop()
		}
	})

	test('metric.threshold is sent when a finished session crosses a configured threshold', async () => {
		let secret = ''
		const rx = startReceiver(() => secret)
		try {
			const h = await hook(rx.url, ['metric.threshold'], {
				errorRatePercent: 10,
				costPerSessionUsd: 5,
			})
			secret = h.secret
			const quiet = await seedSession(deps, { messages: messages.map((m) => ({ ...m, ok: true })) })
			expect(await emitSessionEvent(deps, quiet.session.id, 'session.completed')).toEqual([])
			const loud = await seedSession(deps, { messages })
			const ids = await emitSessionEvent(deps, loud.session.id, 'session.completed')
			expect(ids).toHaveLength(1)
			await waitFor(() => rx.received.length === 1, 'threshold delivery')
			const got = rx.received[0]!
			expect(got.verified).toBe(true)
			expect(got.headers.get('x-krawall-event')).toBe('metric.threshold')
			const payload = JSON.parse(got.body)
			expect(payload.data.trigger).toBe('session.completed')
			expect(payload.data.session.id).toBe(loud.session.id)
			expect(payload.data.thresholds).toEqual([
				{ metric: 'errorRatePercent', threshold: 10, value: 30 },
			])
		} finally {
			rx.stop()
		}
	})

	test('an unknown session creates nothing and does not throw', async () => {
		await hook('https://hooks.example.com/x', ['session.completed'])
		expect(await emitSessionEvent(deps, 'no-such-session', 'session.completed')).toEqual([])
	})

	test('a webhook disabled between emission and delivery is not called', async () => {
		const rx = startReceiver(() => '')
		try {
			const h = await hook(rx.url, ['session.completed'])
			const { session } = await seedSession(deps)
			await workers.close(1000)
			const [id] = await emitSessionEvent(deps, session.id, 'session.completed')
			await deps.db.update(webhooks).set({ isActive: false }).where(eq(webhooks.id, h.id))
			workers = startWorkers(deps, { [DELIVER_JOB]: deliverJobHandler(deps) })
			const row = await waitFor(async () => {
				const [d] = await deps.db
					.select()
					.from(webhookDeliveries)
					.where(eq(webhookDeliveries.id, id!))
				return d?.status === 'FAILED' ? d : undefined
			}, 'delivery marked failed')
			expect(row.error).toContain('disabled')
			expect(rx.received).toHaveLength(0)
		} finally {
			rx.stop()
		}
	})
})
