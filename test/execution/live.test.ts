import { describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { sessions, webhookDeliveries } from '../../src/db/schema'
import { SESSION_RUN_JOB } from '../../src/sessions/model'
import { call } from '../helpers/deps'
import {
	createPresetTarget,
	messageRows,
	useMockRun,
	waitFor,
	waitForStatus,
} from '../helpers/mock-run'
import { readSse, type SseEvent } from '../helpers/sse'
import { jsonRenderer, openSessionStream } from '../../src/sessions/stream'

const run = useMockRun({ env: { KRAWALL_WORKER_STALL_MS: '1000' } })

const rowsOf = (id: string) => messageRows(run.deps, id)
const execute = async (body: unknown) => {
	const r = await call(run.deps.app, 'POST', '/api/execute', body)
	expect(r.status).toBe(202)
	return r.json.data.sessionId as string
}
const messages = (n: number) =>
	Array.from({ length: n }, (_, i) => `Message ${i + 1}: explain everything about topic ${i}`)

describe('providers: tokens and cost', () => {
	for (const presetId of ['openai-chat', 'anthropic-messages', 'google-gemini']) {
		test(`${presetId}: usage from the mock, cost from the preset's prices, history grows`, async () => {
			const target = await createPresetTarget(run.deps, presetId, run.mock.url)
			run.mock.resetStats()
			const id = await execute({
				targetId: target.id,
				executionConfig: { customMessages: messages(3), repetitions: 2, concurrency: 2 },
			})
			const s = await waitForStatus(run.deps, id, ['COMPLETED', 'FAILED', 'CANCELLED'])
			expect(s.status).toBe('COMPLETED')
			const rows = await rowsOf(id)
			expect(rows.length).toBe(6)
			expect(run.mock.stats.requests).toBe(6)
			const price = target.pricing as {
				inputPerMTok: number
				outputPerMTok: number
				cachedInputPerMTok: number
			}
			for (const r of rows) {
				expect(r.success).toBe(true)
				expect(r.tokensEstimated).toBe(false)
				expect(r.promptTokens!).toBeGreaterThan(0)
				expect(r.completionTokens!).toBeGreaterThan(0)
				const expected =
					((r.promptTokens! - r.cachedTokens!) * price.inputPerMTok +
						r.cachedTokens! * price.cachedInputPerMTok +
						r.completionTokens! * price.outputPerMTok) /
					1e6
				expect(r.costUsd!).toBeCloseTo(expected, 12)
			}
			const m = s.summaryMetrics as any
			expect(m.totalTokens).toBe(rows.reduce((a, r) => a + r.totalTokens!, 0))
			expect(m.totalCostUsd).toBeCloseTo(
				rows.reduce((a, r) => a + r.costUsd!, 0),
				9,
			)
			expect(s.costUsd).toBeCloseTo(m.totalCostUsd, 9)
			for (const c of [0, 1]) {
				const conv = rows
					.filter((r) => r.conversationIndex === c)
					.sort((a, b) => a.turnIndex - b.turnIndex)
				expect(conv.map((r) => r.turnIndex)).toEqual([0, 1, 2])
				for (let i = 1; i < conv.length; i++)
					expect(conv[i].promptTokens!).toBeGreaterThan(conv[i - 1].promptTokens!)
			}
		})
	}
})

describe('limits and failures', () => {
	test('a token budget stops the session and the summary says why', async () => {
		const target = await createPresetTarget(run.deps, 'openai-chat', run.mock.url)
		const id = await execute({
			targetId: target.id,
			executionConfig: { customMessages: messages(20), maxTokens: 200 },
		})
		const s = await waitForStatus(run.deps, id, ['COMPLETED', 'FAILED', 'CANCELLED'])
		expect(s.status).toBe('COMPLETED')
		const m = s.summaryMetrics as any
		expect(m.stopReason).toContain('Token budget')
		expect(m.totalMessages).toBeLessThan(20)
		expect(m.totalTokens).toBeGreaterThanOrEqual(200)
	})

	test('rate limits are counted with the first 429 position; all-failed sessions complete at 100 %', async () => {
		const target = await createPresetTarget(
			run.deps,
			'openai-chat',
			`${run.mock.url}/persona/rate-limited:2`,
		)
		const id = await execute({
			targetId: target.id,
			executionConfig: { customMessages: messages(4) },
		})
		const s = await waitForStatus(run.deps, id, ['COMPLETED', 'FAILED', 'CANCELLED'])
		const rows = await rowsOf(id)
		const limited = rows.filter((r) => r.httpStatus === 429)
		expect(limited.length).toBeGreaterThan(0)
		const m = s.summaryMetrics as any
		expect(m.rateLimit).toMatchObject({
			limitMet: true,
			events: limited.length,
			firstAtMessage: limited[0].seq,
		})
		expect(m.errorsByType.rate_limited).toBe(limited.length)

		const bad = await createPresetTarget(
			run.deps,
			'openai-chat',
			`${run.mock.url}/persona/error:500`,
		)
		const id2 = await execute({
			targetId: bad.id,
			executionConfig: { customMessages: messages(2) },
		})
		const s2 = await waitForStatus(run.deps, id2, ['COMPLETED', 'FAILED', 'CANCELLED'])
		expect(s2.status).toBe('COMPLETED')
		expect((s2.summaryMetrics as any).errorRate).toBe(100)
	})

	test('a redelivered job for a RUNNING session with a stale heartbeat fails it ("worker lost") without sending', async () => {
		const target = await createPresetTarget(run.deps, 'openai-chat', run.mock.url)
		const id = await execute({ targetId: target.id, executionConfig: { customMessages: ['x'] } })
		await waitForStatus(run.deps, id, ['COMPLETED'])
		// Simulate a worker that claimed a session and died.
		const [row] = await run.deps.db
			.update(sessions)
			.set({
				status: 'RUNNING',
				workerId: 'dead-worker',
				heartbeatAt: new Date(Date.now() - 60_000),
				summaryMetrics: null,
				completedAt: null,
			})
			.where(eq(sessions.id, id))
			.returning()
		run.mock.resetStats()
		await run.deps.queue.enqueue(
			SESSION_RUN_JOB,
			{ sessionId: row.id },
			{ jobId: `${row.id}-again` },
		)
		const s = await waitForStatus(run.deps, id, ['FAILED'], 10_000)
		expect(s.error).toBe('worker lost')
		expect(run.mock.stats.requests).toBe(0)
		expect((await rowsOf(id)).length).toBe(1)
	})
})

test('a per-message timeout turns a hanging reply into a timeout error and the run goes on', async () => {
	const target = await createPresetTarget(run.deps, 'openai-chat', `${run.mock.url}/persona/hang`)
	const id = await execute({
		targetId: target.id,
		executionConfig: { customMessages: ['a', 'b'], timeoutMs: 200 },
	})
	const s = await waitForStatus(run.deps, id, ['COMPLETED', 'FAILED', 'CANCELLED'])
	expect(s.status).toBe('COMPLETED')
	const rows = await rowsOf(id)
	expect(rows.map((r) => r.errorType)).toEqual(['timeout', 'timeout'])
	expect((s.summaryMetrics as any).errorsByType).toEqual({ timeout: 2 })
})

test('a finished session fires its webhook event', async () => {
	const hook = await call(run.deps.app, 'POST', '/api/webhooks', {
		url: `${run.mock.url}/hook`,
		events: ['session.completed', 'session.cancelled'],
	})
	expect(hook.status).toBe(201)
	const target = await createPresetTarget(run.deps, 'openai-chat', run.mock.url)
	const done = await execute({ targetId: target.id, executionConfig: { customMessages: ['a'] } })
	await waitForStatus(run.deps, done, ['COMPLETED'])
	const delivered = async () =>
		(await run.deps.db.select().from(webhookDeliveries)).some(
			(d) => d.event === 'session.completed' && JSON.stringify(d.payload).includes(done),
		)
	await waitFor(delivered, 5000, 'a session.completed delivery')
	await call(run.deps.app, 'DELETE', `/api/webhooks/${hook.json.data.id}`)
})

describe('cancel and live logs', () => {
	test('SSE heartbeat comments keep an idle stream alive', async () => {
		const target = await createPresetTarget(
			run.deps,
			'openai-chat',
			`${run.mock.url}/persona/slow:400`,
		)
		const id = await execute({
			targetId: target.id,
			executionConfig: { customMessages: ['a', 'b'] },
		})
		const stream = await openSessionStream(run.deps, id, {
			renderer: jsonRenderer,
			heartbeatMs: 50,
		})
		const events = await readSse(new Response(stream), (e) => !!e.comment)
		expect(events.at(-1)).toMatchObject({ comment: true })
		await waitForStatus(run.deps, id, ['COMPLETED'])
	})

	test('cancel mid-run: connections close, CANCELLED, partial messages kept, nothing sent afterwards', async () => {
		const target = await createPresetTarget(
			run.deps,
			'openai-chat',
			`${run.mock.url}/persona/slow:300`,
		)
		run.mock.resetStats()
		const id = await execute({
			targetId: target.id,
			executionConfig: { customMessages: messages(10), repetitions: 3, concurrency: 3 },
		})
		await waitFor(async () => (await rowsOf(id)).length >= 3, 15_000, 'three messages')
		await waitFor(() => run.mock.stats.inFlight > 0, 5000, 'requests in flight')
		const r = await call(run.deps.app, 'POST', `/api/sessions/${id}/cancel`)
		expect(r.status).toBe(200)
		expect(r.json.data.status).toBe('CANCELLED')
		await waitFor(() => run.mock.stats.inFlight === 0, 1000, 'mock connections to close')
		expect(run.mock.stats.disconnects).toBeGreaterThan(0)
		const sent = run.mock.stats.requests
		const rows = await rowsOf(id)
		expect(rows.length).toBeGreaterThanOrEqual(3)
		expect(rows.length).toBeLessThan(30)
		await Bun.sleep(700)
		expect(run.mock.stats.requests).toBe(sent)
		const [s] = await run.deps.db.select().from(sessions).where(eq(sessions.id, id))
		expect(s.status).toBe('CANCELLED')
		expect((s.summaryMetrics as any).stopReason).toBe('cancelled')
		expect((await rowsOf(id)).length).toBe(rows.length)
	})

	test('SSE: mid-run replay then live tail in order without gaps; Last-Event-ID resumes', async () => {
		const target = await createPresetTarget(
			run.deps,
			'openai-chat',
			`${run.mock.url}/persona/slow:80`,
		)
		const id = await execute({
			targetId: target.id,
			executionConfig: { customMessages: messages(8) },
		})
		await waitFor(async () => (await rowsOf(id)).length >= 2, 15_000, 'two messages')
		const res = await run.deps.app.handle(new Request(`http://localhost/api/sessions/${id}/stream`))
		expect(res.headers.get('content-type')).toContain('text/event-stream')
		const events = (await readSse(res, (e) => e.data.includes('"complete"'))).filter(
			(e) => !e.comment,
		)
		const parsed = events.map((e) => ({ id: Number(e.id), ...JSON.parse(e.data) }))
		expect(parsed[0]).toMatchObject({ type: 'status', status: 'RUNNING' })
		expect(parsed.at(-1)).toMatchObject({ type: 'complete', status: 'COMPLETED' })
		const msgs = parsed.filter((e) => e.type === 'message')
		expect(msgs.map((e) => e.id)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1))
		expect(msgs.map((e) => e.data.direction)).toEqual(
			Array.from({ length: 16 }, (_, i) => (i % 2 ? 'received' : 'sent')),
		)
		expect(msgs[0].data.content).toBe('Message 1: explain everything about topic 0')
		expect(typeof msgs[1].data.timestamp).toBe('string')

		const resumed = await run.deps.app.handle(
			new Request(`http://localhost/api/sessions/${id}/stream`, {
				headers: { 'last-event-id': '5' },
			}),
		)
		const again = (await readSse(resumed, (e) => e.data.includes('"complete"'))).filter(
			(e) => !e.comment,
		)
		const ids = again.filter((e) => JSON.parse(e.data).type === 'message').map((e) => Number(e.id))
		expect(ids).toEqual(Array.from({ length: 11 }, (_, i) => i + 6))

		const html = await run.deps.app.handle(
			new Request(`http://localhost/api/sessions/${id}/stream?format=html`),
		)
		const frags = await readSse(html, (e) => e.event === 'complete')
		const first: SseEvent | undefined = frags.find((e) => e.event === 'message')
		expect(first?.data).toContain('data-direction="sent"')
	})
})
