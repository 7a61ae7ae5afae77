import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq, sql } from 'drizzle-orm'
import { metricDelta } from '../../src/compare/metrics'
import { scheduledJobs, sessions, targets } from '../../src/db/schema'
import { regressed } from '../../src/schedules/regression'
import { runDueSchedules } from '../../src/schedules/runner'
import { call } from '../helpers/deps'
import { createPresetTarget, createScenario, useMockRun, waitForStatus } from '../helpers/mock-run'
import { startReceiver, waitFor } from '../helpers/webhooks'
import { seededSummary } from '../helpers/seed'

/**
 * A schedule that compares each run with its previous one: real runs against the mock through the
 * real worker, the `metric.regression` webhook checked by a receiver with its own HMAC.
 */
const run = useMockRun()
let secret = ''
let rx: ReturnType<typeof startReceiver>
beforeAll(async () => {
	rx = startReceiver(() => secret)
	const r = await call(run.deps.app, 'POST', '/api/webhooks', {
		url: rx.url,
		events: ['session.completed', 'metric.regression'],
		retryPolicy: { maxAttempts: 2, initialDelayMs: 10 },
	})
	expect(r.status).toBe(201)
	secret = r.json.data.secret
})
afterAll(() => rx?.stop())

const received = (event: string) =>
	rx.received
		.filter((x) => x.verified)
		.map((x) => JSON.parse(x.body))
		.filter((b) => b.event === event)

/** Fires the schedule now, waits for its session to finish and for its session.completed event. */
async function fire(scheduleId: string) {
	await run.deps.db
		.update(scheduledJobs)
		.set({ nextRunAt: sql`now() - interval '1 second'` })
		.where(eq(scheduledJobs.id, scheduleId))
	const [f] = await runDueSchedules(run.deps, new Date())
	expect(f?.scheduleId).toBe(scheduleId)
	const id = f!.sessionId!
	expect((await waitForStatus(run.deps, id, ['COMPLETED', 'FAILED'])).status).toBe('COMPLETED')
	await waitFor(
		() => received('session.completed').find((b) => b.data.session.id === id),
		'session.completed',
	)
	// The regression check runs right after the completed event is queued; give it time to show.
	await Bun.sleep(300)
	const [s] = await run.deps.db.select().from(sessions).where(eq(sessions.id, id))
	expect(s!.scheduleId).toBe(scheduleId)
	return s!
}

describe('schedule regression check', () => {
	test('metric.regression fires when a scheduled run costs more than the previous, not when equal', async () => {
		const target = await createPresetTarget(run.deps, 'openai-chat', run.mock.url, {
			name: 'nightly',
		})
		await run.deps.db
			.update(targets)
			.set({ pricing: { inputPerMTok: 1, outputPerMTok: 2 } })
			.where(eq(targets.id, target.id))
		const scenario = await createScenario(run.deps, {
			name: 'Nightly',
			targetId: target.id,
			flowConfig: [
				{ id: 'a', type: 'message', config: { message: 'Hello there' } },
				{ id: 'b', type: 'message', config: { message: 'And the price?' } },
			],
			repetitions: 2,
			concurrency: 1,
		})
		const created = await call(run.deps.app, 'POST', '/api/scheduled-jobs', {
			scenarioId: scenario.id,
			cronExpression: '0 3 * * *',
			regression: { metric: 'cost-per-conversation', thresholdPct: 10 },
		})
		expect(created.status).toBe(201)
		expect(created.json.data.regression).toEqual({
			metric: 'cost-per-conversation',
			thresholdPct: 10,
		})
		const scheduleId = created.json.data.id

		// First run: nothing to compare with.
		run.mock.resetStats()
		const first = await fire(scheduleId)
		// Second, identical run: the same cost, no regression.
		const second = await fire(scheduleId)
		expect(run.mock.stats.requests).toBe(8)
		const a = first.summaryMetrics!.costPerConversationUsd!
		expect(second.summaryMetrics!.costPerConversationUsd).toBe(a)
		expect(a).toBeGreaterThan(0)
		expect(received('metric.regression')).toEqual([])

		// The price goes up by half: the third run costs 50 % more per conversation than the second.
		await run.deps.db
			.update(targets)
			.set({ pricing: { inputPerMTok: 1.5, outputPerMTok: 3 } })
			.where(eq(targets.id, target.id))
		const third = await fire(scheduleId)
		const [ev] = await waitFor(() => {
			const got = received('metric.regression')
			return got.length ? got : undefined
		}, 'metric.regression')
		expect(received('metric.regression')).toHaveLength(1)
		const c = third.summaryMetrics!.costPerConversationUsd!
		expect(ev.data).toMatchObject({
			schedule: { id: scheduleId },
			baselineSessionId: second.id,
			sessionId: third.id,
			metric: 'cost-per-conversation',
			thresholdPct: 10,
			baseline: a,
			current: c,
		})
		expect(ev.data.deltaPct).toBeCloseTo(((c - a) / a) * 100, 9)
		expect(ev.data.deltaPct).toBeCloseTo(50, 0)

		// Fourth run at the new price: equal to the third, nothing more.
		await fire(scheduleId)
		expect(received('metric.regression')).toHaveLength(1)
	}, 60_000)

	test('a bad regression field is refused with nothing created', async () => {
		const target = await createPresetTarget(run.deps, 'openai-chat', run.mock.url)
		const scenario = await createScenario(run.deps, {
			targetId: target.id,
			flowConfig: [{ id: 'a', type: 'message', config: { message: 'Hi' } }],
		})
		const before = (await run.deps.db.select().from(scheduledJobs)).length
		for (const regression of [
			{ metric: 'nope', thresholdPct: 10 },
			{ metric: 'p95', thresholdPct: -1 },
			{ metric: 'p95' },
			{ metric: 'p95', thresholdPct: 5, extra: true },
		]) {
			const r = await call(run.deps.app, 'POST', '/api/scheduled-jobs', {
				scenarioId: scenario.id,
				cronExpression: '0 3 * * *',
				regression,
			})
			expect([JSON.stringify(regression), r.status]).toEqual([JSON.stringify(regression), 400])
		}
		expect((await run.deps.db.select().from(scheduledJobs)).length).toBe(before)
	})

	test('regressed(): only the worse way, past the threshold', () => {
		const s = seededSummary({ totalMessages: 10, errorRate: 0, costPerConversationUsd: 0.5 })
		const more = { ...s, costPerConversationUsd: 0.6 }
		expect(regressed(metricDelta('cost-per-conversation', s, more), 10)).toBe(true)
		expect(regressed(metricDelta('cost-per-conversation', s, more), 25)).toBe(false)
		expect(regressed(metricDelta('cost-per-conversation', more, s), 10)).toBe(false)
		expect(regressed(metricDelta('cost-per-conversation', s, s), 0)).toBe(false)
	})
})
