import { describe, expect, test } from 'bun:test'
import { eq, inArray } from 'drizzle-orm'
import { assessments, sessionMessages, sessions } from '../../src/db/schema'
import { call } from '../helpers/deps'
import { runAssessment, findingOf } from '../helpers/assessments'
import { createPresetTarget, useMockRun, waitFor } from '../helpers/mock-run'

/**
 * Assessments against the real mock with its consumption controls on and off
 * (src/mock/controls.ts): the findings name exactly the controls that are on, at their
 * configured value ±15 %, "none up to the bound" for the others, and the assessment never
 * passes its limits (the mock's own counters say what it served).
 */
const run = useMockRun()
// gpt-4o on the openai-chat preset: $2.50 / $10 per million tokens.
const PRICE = { input: 2.5, output: 10 }
const GENEROUS = { maxCostUsd: 5, maxRequests: 2000, maxDurationSec: 120 }

const assess = (personas: string, body: Record<string, unknown>) =>
	runAssessment(run, personas, body)

const finding = findingOf
const within = (v: number | null, expected: number) => {
	expect(v).not.toBeNull()
	expect(Math.abs(v! - expected) / expected).toBeLessThanOrEqual(0.15)
}
const servedUsd = () =>
	(run.mock.stats.served.promptTokens * PRICE.input +
		run.mock.stats.served.completionTokens * PRICE.output) /
	1e6

describe('assessment', () => {
	test('output cap, depth limit and input limit found at their configured values, waiting out a rate limit', async () => {
		const a = await assess(
			'obedient:3000,max-tokens:300,context:3000,input-limit:6000,ratelimit:15',
			{
				probes: ['output', 'depth', 'input'],
				limits: GENEROUS,
				options: { maxDepthTurns: 40, maxInputChars: 16000 },
			},
		)
		expect(a.status).toBe('COMPLETED')
		const out = finding(a, 'output')
		expect(out.verdict).toBe('present')
		within(out.value, 300)
		const depth = finding(a, 'depth')
		expect(depth.verdict).toBe('present')
		within(depth.value, 3000)
		const input = finding(a, 'input')
		expect(input.verdict).toBe('present')
		within(input.value, 6000)
		expect(run.mock.stats.refused.context).toBe(1)
		// The size probes met the rate limit and waited it out: its refusals were retried, counted.
		expect(run.mock.stats.refused.rateLimit).toBeGreaterThan(0)
		expect(run.mock.stats.refused.inputLimit).toBeGreaterThanOrEqual(1)
		// Every request the assessment counted reached the mock, and it is every row recorded.
		expect(a.spent.requests).toBe(run.mock.stats.requests)
		const ids = a.progress.flatMap((p) => p.sessionIds)
		const rows = await run.deps.db
			.select()
			.from(sessionMessages)
			.where(inArray(sessionMessages.sessionId, ids))
		const attempts = rows.reduce((n, r) => n + (r.attempts?.length ?? 1), 0)
		expect(attempts).toBe(run.mock.stats.requests)
		// Evidence links name a real message of a real session.
		const e = depth.evidence[0]!
		expect(rows.some((r) => r.sessionId === e.sessionId && r.seq === e.seq)).toBe(true)
		expect(a.headline!.controlsFound.sort()).toEqual(['depth-limit', 'input-limit', 'output-cap'])
		expect(rows.length).toBeLessThan(attempts)
	}, 60_000)

	test('history silently truncated (context window with truncate) is a depth limit too', async () => {
		const a = await assess('context:2000:truncate', {
			probes: ['depth'],
			limits: GENEROUS,
			options: { maxDepthTurns: 40 },
		})
		const f = finding(a, 'depth')
		expect(f.verdict).toBe('present')
		expect(f.summary).toContain('History truncated')
		within(f.value, 2000)
		expect(run.mock.stats.capped.context).toBeGreaterThan(0)
		expect(run.mock.stats.refused.context).toBe(0)
	}, 60_000)

	test('concurrency limit 3 found at 3; quota cap found near its tokens', async () => {
		const c = await assess('concurrency:3,slow:200', {
			probes: ['concurrency'],
			limits: GENEROUS,
			options: { maxConcurrency: 8 },
		})
		const f = finding(c, 'concurrency')
		expect(f.verdict).toBe('present')
		expect(f.value).toBe(3)
		expect(run.mock.stats.refused.concurrency).toBeGreaterThan(0)

		const q = await assess('obedient:2000,quota:40000', {
			probes: ['output', 'spend'],
			limits: GENEROUS,
			options: { spendDurationSec: 6 },
		})
		const s = finding(q, 'spend')
		expect(s.verdict).toBe('present')
		within(s.figures.capTokens as number, 40000)
		expect(run.mock.stats.refused.quota).toBeGreaterThan(0)
	}, 60_000)

	test('the limits hold across the whole assessment (the mock served no more)', async () => {
		const r = await assess('obedient:3000', {
			limits: { maxCostUsd: 0.15, maxRequests: 1000, maxDurationSec: 60 },
		})
		expect(servedUsd()).toBeLessThanOrEqual(0.15)
		expect(r.spent.costUsd).toBeLessThanOrEqual(0.15)
		const n = await assess('obedient:50', {
			limits: { maxCostUsd: 5, maxRequests: 12, maxDurationSec: 60 },
		})
		expect(run.mock.stats.requests).toBeLessThanOrEqual(12)
		expect(n.spent.requests).toBe(run.mock.stats.requests)
		expect(
			n.findings.some((f) => f.verdict === 'inconclusive' && /limit/i.test(f.reason ?? '')),
		).toBe(true)
	}, 60_000)

	test('bad input: 400 with details, 404, nothing created; cancel and delete', async () => {
		const target = await createPresetTarget(run.deps, 'openai-chat', run.mock.url)
		const before = (await run.deps.db.select().from(assessments)).length
		const missing = await call(run.deps.app, 'POST', '/api/assessments', { targetId: target.id })
		expect(missing.status).toBe(400)
		expect(missing.json.details[0].path).toEqual(['limits'])
		const extra = await call(run.deps.app, 'POST', '/api/assessments', {
			targetId: target.id,
			limits: GENEROUS,
			bogus: 1,
		})
		expect(extra.status).toBe(400)
		const probe = await call(run.deps.app, 'POST', '/api/assessments', {
			targetId: target.id,
			probes: ['rate', 'nope'],
			limits: GENEROUS,
		})
		expect(probe.status).toBe(400)
		const nf = await call(run.deps.app, 'POST', '/api/assessments', {
			targetId: 'nope',
			limits: GENEROUS,
		})
		expect(nf.status).toBe(404)
		expect(nf.json.error).toBe('Target not found')
		expect((await run.deps.db.select().from(assessments)).length).toBe(before)
		expect((await call(run.deps.app, 'GET', '/api/assessments/nope')).status).toBe(404)

		const slow = await createPresetTarget(
			run.deps,
			'openai-chat',
			`${run.mock.url}/persona/slow:200`,
		)
		const res = await call(run.deps.app, 'POST', '/api/assessments', {
			targetId: slow.id,
			probes: ['depth'],
			limits: GENEROUS,
			options: { maxDepthTurns: 100 },
		})
		const id = res.json.data.assessmentId
		await waitFor(
			async () =>
				(await call(run.deps.app, 'GET', `/api/assessments/${id}`)).json.data.progress[0].sessionIds
					.length > 0,
		)
		expect((await call(run.deps.app, 'DELETE', `/api/assessments/${id}`)).status).toBe(400)
		const c = await call(run.deps.app, 'POST', `/api/assessments/${id}/cancel`)
		expect(c.status).toBe(200)
		const done = await waitFor(async () => {
			const r = await call(run.deps.app, 'GET', `/api/assessments/${id}`)
			return r.json.data.status === 'CANCELLED' && r.json.data
		})
		const sid = done.progress[0].sessionIds[0]
		const [s] = await run.deps.db.select().from(sessions).where(eq(sessions.id, sid))
		expect(s!.status).toBe('CANCELLED')
		// Cancelled, not "the worker shut down": the assessment's cancel reaches its session as one.
		expect(s!.error).toBeNull()
		expect(done.stopReason).toBe('cancelled')
		expect((await call(run.deps.app, 'POST', `/api/assessments/${id}/cancel`)).status).toBe(400)
		const list = await call(run.deps.app, 'GET', '/api/assessments')
		expect(list.json.data.some((x: { id: string }) => x.id === id)).toBe(true)
		expect((await call(run.deps.app, 'DELETE', `/api/assessments/${id}`)).status).toBe(200)
		expect((await run.deps.db.select().from(sessions).where(eq(sessions.id, sid))).length).toBe(0)
	}, 60_000)
})
