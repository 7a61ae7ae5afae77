import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Attempt } from '../../src/engine/types'
import { call } from '../helpers/deps'
import {
	createPresetTarget,
	createScenario,
	messageRows,
	useMockRun,
	waitFor,
	waitForStatus,
} from '../helpers/mock-run'

/**
 * The numbers at the edges of a run (docs/architecture.md §4, §5): every 429 counted, the first
 * limit in send order, budgets and cancels that lose nothing — each checked against what the
 * mock served (`GET /__mock/stats`).
 */
const run = useMockRun()

const END = ['COMPLETED', 'FAILED', 'CANCELLED']
const execute = async (body: unknown) => {
	const r = await call(run.deps.app, 'POST', '/api/execute', body)
	expect(r.status).toBe(202)
	return r.json.data.sessionId as string
}
const messages = (n: number) => Array.from({ length: n }, (_, i) => `Question ${i + 1}, please`)
/** gpt-4o on the openai-chat preset: $2.50 in, $1.25 cached in, $10 out per million tokens. */
const gpt4oCost = (u: { promptTokens: number; cachedTokens: number; completionTokens: number }) =>
	((u.promptTokens - u.cachedTokens) * 2.5 + u.cachedTokens * 1.25 + u.completionTokens * 10) / 1e6

describe('rate limits and retries', () => {
	test('a 429 retried to success is counted: every attempt recorded, limitMet true, events = the mock’s 429s', async () => {
		const target = await createPresetTarget(
			run.deps,
			'openai-chat',
			`${run.mock.url}/persona/limit-conversation:2`,
		)
		const scenario = await createScenario(run.deps, {
			flowConfig: [
				{ id: 'a', type: 'message', config: { message: 'First {{conversationIndex}}' } },
				{ id: 'b', type: 'message', config: { message: 'Second' } },
			],
			errorHandling: { onError: 'retry', maxRetries: 3, delayMs: 1, backoffMultiplier: 1 },
			repetitions: 3,
			concurrency: 3,
		})
		run.mock.resetStats()
		const id = await execute({ targetId: target.id, scenarioId: scenario.id })
		const s = await waitForStatus(run.deps, id, END)
		expect(s.status).toBe('COMPLETED')
		const rows = await messageRows(run.deps, id)
		// Every message ends in success: the old rows showed no trace of the 429s.
		expect(rows.length).toBe(6)
		expect(rows.every((r) => r.success)).toBe(true)
		expect(run.mock.stats.rateLimited).toBe(6)
		expect(run.mock.stats.requests).toBe(12)
		for (const r of rows.filter((r) => r.stepId === 'a')) {
			expect(r.retries).toBe(2)
			const a = r.attempts!
			expect(a.map((x) => x.status)).toEqual([429, 429, 200])
			expect(a.map((x) => x.errorType)).toEqual(['rate_limited', 'rate_limited', null])
			expect(a[0].headers).toMatchObject({
				'retry-after': '0',
				'retry-after-ms': '0',
				'x-ratelimit-remaining-requests': '0',
			})
			expect(a[0].retryAfterMs).toBe(0)
			expect(a[0].waitMs).toBe(1)
			expect(a[1].offsetMs).toBeGreaterThanOrEqual(a[0].responseTimeMs)
			// The row's response time is the last attempt's; the total adds the earlier ones and waits.
			expect(r.responseTimeMs).toBe(a[2].responseTimeMs)
		}
		for (const r of rows.filter((r) => r.stepId === 'b')) expect(r.attempts!.length).toBe(1)
		const m = s.summaryMetrics as any
		expect(m.rateLimit.events).toBe(6)
		expect(m.rateLimit.limitMet).toBe(true)
		expect(m.requestsSent).toBe(12)
		expect(m.retries).toBe(6)
		expect(m.responseTimeBasis).toBe('lastAttempt')
		expect(m.totalTime.maxMs).toBeGreaterThanOrEqual(m.maxResponseTimeMs)
		// The messages API and the export show the attempts and the total waited.
		const api = await call(run.deps.app, 'GET', `/api/sessions/${id}/messages?limit=10`)
		const first = api.json.data.find((x: any) => x.stepId === 'a')
		expect(first.attempts.map((x: Attempt) => x.status)).toEqual([429, 429, 200])
		const last = first.attempts[2]
		expect(first.totalTimeMs).toBeCloseTo(last.offsetMs + last.responseTimeMs, 3)
		expect(first.totalTimeMs).toBeGreaterThan(first.responseTimeMs)
		const exp = await call(run.deps.app, 'GET', `/api/metrics/export?sessionId=${id}&format=json`)
		expect(exp.status).toBe(200)
		const exported = JSON.stringify(exp.json)
		expect(exported).toContain('"retry-after-ms":"0"')
		// The session page says it too.
		const page = await call(run.deps.app, 'GET', `/sessions/${id}`)
		expect(page.text).toContain('6 × 429')
		expect(page.text).toContain('first at request')
		expect(page.text).toContain('p95 total wait')
		expect(page.text).toContain('data-attempts="3"')
	})

	test('the first limit is reported in send order, exact at concurrency 5', async () => {
		// Per key: 8 requests pass, the next 4 get 429, then all pass; replies take 5–60 ms at
		// random, so completion order is not send order.
		const target = await createPresetTarget(
			run.deps,
			'openai-chat',
			`${run.mock.url}/persona/limit-key:4:0:8,slow:5-60`,
		)
		run.mock.resetStats()
		const id = await execute({
			targetId: target.id,
			executionConfig: { customMessages: messages(4), repetitions: 5, concurrency: 5 },
		})
		const s = await waitForStatus(run.deps, id, END)
		const rows = await messageRows(run.deps, id)
		const attempts = rows.flatMap((r) => r.attempts!.map((a) => ({ ...a, seq: r.seq })))
		expect(run.mock.stats.requests).toBe(20)
		// Every request numbered once, 1..20, in the order it started.
		expect(attempts.map((a) => a.request).sort((x, y) => x - y)).toEqual(
			Array.from({ length: 20 }, (_, i) => i + 1),
		)
		const limited = attempts.filter((a) => a.status === 429)
		expect(limited.length).toBe(run.mock.stats.rateLimited)
		expect(limited.length).toBe(4)
		const first = limited.reduce((x, y) => (y.request < x.request ? y : x))
		const okBefore = attempts.filter((a) => a.success && a.request < first.request).length
		const m = s.summaryMetrics as any
		const elapsed = new Date(first.sentAt).getTime() - s.startedAt!.getTime()
		expect(m.rateLimit).toEqual({
			events: 4,
			limitMet: true,
			firstAtMessage: first.seq,
			firstAtRequest: first.request,
			messagesBeforeFirst: okBefore,
			firstAt: first.sentAt,
			firstAfterMs: elapsed,
			requestsPerSecondBeforeFirst:
				elapsed > 0 ? Math.round(((first.request - 1) / (elapsed / 1000)) * 1000) / 1000 : null,
		})
		// Nothing but successes went out before it, and the mock let exactly 8 through first.
		expect(okBefore).toBe(first.request - 1)
	})
})

describe('what counts as a limit', () => {
	test('a 503 with Retry-After is a rate-limit event; a plain 500 is not', async () => {
		// flaky:1 fails every request, cycling 500, an empty reply, 503 + Retry-After.
		const target = await createPresetTarget(
			run.deps,
			'openai-chat',
			`${run.mock.url}/persona/flaky:1`,
		)
		run.mock.resetStats()
		const id = await execute({
			targetId: target.id,
			executionConfig: { customMessages: messages(3) },
		})
		const s = await waitForStatus(run.deps, id, END)
		const rows = await messageRows(run.deps, id)
		expect(rows.map((r) => r.httpStatus)).toEqual([500, 200, 503])
		expect(rows[2].attempts![0].retryAfterMs).toBe(1000)
		const m = s.summaryMetrics as any
		expect(m.rateLimit).toMatchObject({
			events: 1,
			limitMet: true,
			firstAtMessage: 3,
			firstAtRequest: 3,
			messagesBeforeFirst: 0,
		})
	})
})

describe('stops that lose nothing', () => {
	test('a cost budget at concurrency 10 bills every reply the mock served, and says budget, spend and overshoot', async () => {
		const target = await createPresetTarget(
			run.deps,
			'openai-chat',
			`${run.mock.url}/persona/slow:20-80`,
		)
		run.mock.resetStats()
		const maxCostUsd = 0.0001
		const id = await execute({
			targetId: target.id,
			executionConfig: {
				customMessages: messages(3),
				repetitions: 10,
				concurrency: 10,
				maxCostUsd,
			},
		})
		const s = await waitForStatus(run.deps, id, END)
		expect(s.status).toBe('COMPLETED')
		const rows = await messageRows(run.deps, id)
		const served = run.mock.stats.served
		const m = s.summaryMetrics as any
		expect(m.stopReason).toContain('Cost budget reached')
		// The first reply crosses the budget; the other nine were in flight and are kept.
		expect(served.replies).toBe(10)
		expect(run.mock.stats.requests).toBe(10)
		expect(rows.length).toBe(10)
		expect(rows.every((r) => r.success && !r.tokensEstimated)).toBe(true)
		expect(m.promptTokens).toBe(served.promptTokens)
		expect(m.completionTokens).toBe(served.completionTokens)
		expect(m.totalCostUsd).toBeCloseTo(gpt4oCost(served), 9)
		expect(s.costUsd).toBeCloseTo(gpt4oCost(served), 9)
		expect(m.budget).toEqual({
			maxTokens: null,
			maxCostUsd,
			gracefulStopMs: 30_000,
			reached: true,
			spentTokens: served.promptTokens + served.completionTokens,
			spentCostUsd: m.totalCostUsd,
			overshootTokens: null,
			overshootCostUsd: Math.round((m.totalCostUsd - maxCostUsd) * 1e9) / 1e9,
		})
		expect(m.budget.overshootCostUsd).toBeGreaterThan(0)
		const page = await call(run.deps.app, 'GET', `/sessions/${id}`)
		expect(page.text).toContain('Budget')
		expect(page.text).toContain('in flight at the stop')
	})

	test('cancel mid-stream records each in-flight reply as aborted, with its partial content', async () => {
		const target = await createPresetTarget(
			run.deps,
			'openai-chat',
			`${run.mock.url}/persona/verbose,drip:25`,
			{ protocolConfig: { stream: true } },
		)
		run.mock.resetStats()
		const id = await execute({
			targetId: target.id,
			executionConfig: { customMessages: messages(2), repetitions: 3, concurrency: 3 },
		})
		await waitFor(() => run.mock.stats.inFlight === 3, 15_000, 'three streams in flight')
		await Bun.sleep(150)
		const c = await call(run.deps.app, 'POST', `/api/sessions/${id}/cancel`)
		expect(c.status).toBe(200)
		const s = await waitForStatus(run.deps, id, END)
		expect(s.status).toBe('CANCELLED')
		const rows = await messageRows(run.deps, id)
		expect(rows.length).toBe(3)
		expect(await waitFor(() => run.mock.stats.disconnects === 3)).toBe(true)
		expect(run.mock.stats.served.replies).toBe(0)
		for (const r of rows) {
			expect(r.success).toBe(false)
			expect(r.errorType).toBe('aborted')
			expect(r.turnIndex).toBe(0)
			// What had streamed in is kept; the usage chunk never came, so tokens are estimated.
			expect(r.responseContent).toStartWith('Here is')
			expect(r.tokensEstimated).toBe(true)
			expect(r.completionTokens).toBe(Math.ceil(r.responseContent!.length / 4))
			expect(r.promptTokens!).toBeGreaterThan(0)
			expect(r.costUsd!).toBeCloseTo(gpt4oCost({ ...r, cachedTokens: 0 } as any), 12)
		}
		const m = s.summaryMetrics as any
		expect(m.errorsByType).toEqual({ aborted: 3 })
		expect(m.totalCostUsd).toBeGreaterThan(0)
	})
})

describe('execute refuses a budget it cannot enforce', () => {
	test('maxCostUsd on an unpriced model is a 400 naming the model; accepted with maxTokens or a target price', async () => {
		const target = await createPresetTarget(run.deps, 'openai-chat', run.mock.url, {
			requestTemplate: {
				structure: { model: 'house-model-7', messages: [{ role: 'user', content: '' }] },
			},
		})
		// The preset carries gpt-4o's price; a target of our own model has none.
		const { targets } = await import('../../src/db/schema')
		const { eq } = await import('drizzle-orm')
		await run.deps.db.update(targets).set({ pricing: null }).where(eq(targets.id, target.id))
		const before = await call(run.deps.app, 'GET', '/api/sessions?limit=1000')
		const r = await call(run.deps.app, 'POST', '/api/execute', {
			targetId: target.id,
			executionConfig: { customMessages: ['hi'], maxCostUsd: 1 },
		})
		expect(r.status).toBe(400)
		expect(r.json.success).toBe(false)
		expect(r.json.error).toBe('Validation error')
		expect(r.json.details[0].path).toEqual(['executionConfig', 'maxCostUsd'])
		expect(r.json.details[0].message).toContain('"house-model-7"')
		expect(r.json.details[0].message).toContain("target's pricing")
		const after = await call(run.deps.app, 'GET', '/api/sessions?limit=1000')
		expect(after.json.data.length).toBe(before.json.data.length)
		const withTokens = await call(run.deps.app, 'POST', '/api/execute', {
			targetId: target.id,
			executionConfig: { customMessages: ['hi'], maxCostUsd: 1, maxTokens: 1000 },
		})
		expect(withTokens.status).toBe(202)
		await run.deps.db
			.update(targets)
			.set({ pricing: { inputPerMTok: 1, outputPerMTok: 2 } })
			.where(eq(targets.id, target.id))
		const priced = await call(run.deps.app, 'POST', '/api/execute', {
			targetId: target.id,
			executionConfig: { customMessages: ['hi'], maxCostUsd: 1 },
		})
		expect(priced.status).toBe(202)
		await waitForStatus(run.deps, withTokens.json.data.sessionId, END)
		await waitForStatus(run.deps, priced.json.data.sessionId, END)
	})
})

describe('the README’s request bodies', () => {
	/** The JSON block after `<!-- body: METHOD PATH -->` in the README. */
	const readmeBody = (marker: string) => {
		const readme = readFileSync(join(import.meta.dir, '../../README.md'), 'utf8')
		const at = readme.indexOf(`<!-- body: ${marker} -->`)
		expect(at).toBeGreaterThan(0)
		const m = /```json\n([\s\S]*?)\n```/.exec(readme.slice(at))
		return JSON.parse(m![1])
	}

	test('the complete target and execute bodies are accepted as written', async () => {
		// Pointed at the mock (tests only talk to loopback); every other field as the README shows it.
		const targetBody = { ...readmeBody('POST /api/targets'), endpoint: run.mock.url }
		const t = await call(run.deps.app, 'POST', '/api/targets', targetBody)
		expect(t.status).toBe(201)
		const body = readmeBody('POST /api/execute')
		body.targetId = t.json.data.id
		const r = await call(run.deps.app, 'POST', '/api/execute', body)
		expect(r.status).toBe(202)
		const s = await call(run.deps.app, 'GET', `/api/sessions/${r.json.data.sessionId}`)
		const { customMessages, ...rest } = body.executionConfig
		expect(s.json.data.executionConfig).toMatchObject({ ...rest, customMessages })
		await call(run.deps.app, 'POST', `/api/sessions/${r.json.data.sessionId}/cancel`)
		await waitForStatus(run.deps, r.json.data.sessionId, END)
	})
})
