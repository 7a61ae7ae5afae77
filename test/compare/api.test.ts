import { describe, expect, test } from 'bun:test'
import { METRIC_NAMES, METRICS, type ComparableSummary } from '../../src/compare/metrics'
import { call } from '../helpers/deps'
import {
	createPresetTarget,
	createScenario,
	messageRows,
	useMockRun,
	waitForStatus,
} from '../helpers/mock-run'
import { seededSummary, seedMessages, seedSession, seedTarget } from '../helpers/seed'

const run = useMockRun()
const REPETITIONS = 6
const TURNS = 3

let scenarioId = ''
async function scenario() {
	if (scenarioId) return scenarioId
	const s = await createScenario(run.deps, {
		flowConfig: [
			{ id: 'a', type: 'message', config: { message: 'Hello there' } },
			{ id: 'b', type: 'message', config: { message: 'Tell me more about pricing' } },
			{ id: 'c', type: 'message', config: { message: 'And the long term?' } },
		],
		repetitions: REPETITIONS,
		concurrency: 2,
	})
	return (scenarioId = s.id)
}

/** One finished session against the mock (with `persona`, if any); checks it against the mock. */
async function runSession(persona?: string, executionConfig?: { concurrency: number }) {
	const endpoint = persona ? `${run.mock.url}/persona/${persona}` : run.mock.url
	const target = await createPresetTarget(run.deps, 'openai-chat', endpoint, {
		name: persona ? `mock ${persona}` : 'mock plain',
	})
	run.mock.resetStats()
	const r = await call(run.deps.app, 'POST', '/api/execute', {
		targetId: target.id,
		scenarioId: await scenario(),
		executionConfig,
	})
	expect(r.status).toBe(202)
	const id = r.json.data.sessionId as string
	expect((await waitForStatus(run.deps, id, ['COMPLETED', 'FAILED'])).status).toBe('COMPLETED')
	expect(run.mock.stats.requests).toBe(REPETITIONS * TURNS)
	const s = await call(run.deps.app, 'GET', `/api/sessions/${id}`)
	return { id, summary: s.json.data.summaryMetrics as ComparableSummary }
}

const compare = (ids: string) =>
	call(run.deps.app, 'GET', `/api/sessions/compare?ids=${encodeURIComponent(ids)}`)

describe('GET /api/sessions/compare', () => {
	test('two personas: every metric side by side, deltas against the baseline, a significant difference', async () => {
		// A first session warms the process up (JIT, pools), so the baseline is not its cold start.
		await runSession()
		const base = await runSession()
		const slow = await runSession('verbose,slow:200')
		const r = await compare(`${base.id},${slow.id}`)
		expect(r.status).toBe(200)
		const c = r.json.data
		expect(c.baselineId).toBe(base.id)
		expect(c.sessions.map((s: any) => s.id)).toEqual([base.id, slow.id])
		expect(c.sessions[1].label).toContain('mock verbose,slow:200')
		// One row per metric of src/compare/metrics.ts, values read from each session's summary.
		expect(c.rows.map((x: any) => x.metric)).toEqual(METRIC_NAMES)
		for (const row of c.rows) {
			const b = METRICS[row.metric as keyof typeof METRICS].read(base.summary)
			const v = METRICS[row.metric as keyof typeof METRICS].read(slow.summary)
			expect(row.values).toEqual([b, v])
			expect(row.deltas[0]).toBeNull()
			if (b === null || v === null) expect(row.deltas[1].delta).toBeNull()
			else {
				expect(row.deltas[1].delta).toBeCloseTo(v - b, 12)
				if (b !== 0) expect(row.deltas[1].deltaPct).toBeCloseTo(((v - b) / Math.abs(b)) * 100, 9)
			}
		}
		const row = (m: string) => c.rows.find((x: any) => x.metric === m)
		expect(row('messages').values).toEqual([REPETITIONS * TURNS, REPETITIONS * TURNS])
		expect(row('messages').deltas[1]).toEqual({ delta: 0, deltaPct: 0 })
		// The verbose persona answers at length: more output tokens, dearer conversations.
		expect(row('completion-tokens').deltas[1].delta).toBeGreaterThan(0)
		expect(row('cost-per-conversation').deltas[1].deltaPct).toBeGreaterThan(0)
		// slow:200 waits 200 ms before every reply.
		expect(row('p50').deltas[1].delta).toBeGreaterThan(150)

		expect(c.method.test).toBe('mann-whitney-u')
		const sig = c.significance[0]
		expect(sig.sessionId).toBe(slow.id)
		const rt = sig.responseTimeMs
		expect(rt.baseline.n).toBe((await messageRows(run.deps, base.id)).length)
		expect(rt.current.n).toBe(REPETITIONS * TURNS)
		expect(rt.significant).toBe(true)
		expect(rt.p).toBeLessThan(0.001)
		expect(rt.shift.estimate).toBeGreaterThan(150)
		expect(rt.shift.low).toBeGreaterThan(0)
		expect(rt.shift.high).toBeGreaterThanOrEqual(rt.shift.estimate)
		const cost = sig.costPerConversationUsd
		expect([cost.baseline.n, cost.current.n]).toEqual([REPETITIONS, REPETITIONS])
		expect(cost.significant).toBe(true)
		expect(cost.shift.low).toBeGreaterThan(0)
		expect(cost.current.median).toBeGreaterThan(cost.baseline.median)

		// Overlaid charts: a CDF from 0 to 1 per session, one point per turn.
		const cdf = c.charts.latencyCdf
		expect(cdf.map((x: any) => x.sessionId)).toEqual([base.id, slow.id])
		expect(cdf[1].points[0].y).toBe(0)
		expect(cdf[1].points.at(-1).y).toBe(1)
		expect(cdf[1].points[0].x).toBeGreaterThanOrEqual(200)
		expect(c.charts.costPerTurn[0].points.map((p: any) => p.x)).toEqual([0, 1, 2])
		expect(c.charts.tokensPerTurn[1].points.length).toBe(TURNS)
		// Later turns carry the history: the prompt, so the cost, grows.
		const perTurn = c.charts.costPerTurn[0].points.map((p: any) => p.y)
		expect(perTurn[2]).toBeGreaterThan(perTurn[0])
	})

	test('identical runs: no significant difference in cost, zero deltas', async () => {
		// One lane: the mock sees the same requests in the same order both times.
		const a = await runSession(undefined, { concurrency: 1 })
		const b = await runSession(undefined, { concurrency: 1 })
		const r = await compare(`${a.id},${b.id}`)
		expect(r.status).toBe(200)
		const c = r.json.data
		for (const m of ['messages', 'tokens', 'prompt-tokens', 'cost', 'cost-per-conversation']) {
			expect(c.rows.find((x: any) => x.metric === m).deltas[1]).toEqual({ delta: 0, deltaPct: 0 })
		}
		const cost = c.significance[0].costPerConversationUsd
		expect(cost.significant).toBe(false)
		expect(cost.p).toBe(1)
		expect([cost.shift.estimate, cost.shift.low, cost.shift.high]).toEqual([0, 0, 0])
		expect(cost.baseline.n).toBe(REPETITIONS)
	})

	test('identical response times (seeded rows) are not significant; three sessions compare to the first', async () => {
		const t = await seedTarget(run.deps.db)
		const ids: string[] = []
		for (const shift of [0, 0, 25]) {
			const s = await seedSession(run.deps.db, {
				targetId: t.id,
				summaryMetrics: seededSummary({ totalMessages: 20, rateLimit: { events: 0 } as never }),
			})
			await seedMessages(
				run.deps.db,
				s.id,
				Array.from({ length: 20 }, (_, i) => ({
					conversationIndex: i % 4,
					responseTimeMs: 100 + i * 3 + shift,
					costUsd: 0.001,
				})),
			)
			ids.push(s.id)
		}
		const r = await compare(ids.join(','))
		expect(r.status).toBe(200)
		const [same, shifted] = r.json.data.significance
		expect(same.responseTimeMs).toMatchObject({ significant: false, p: 1 })
		expect(same.responseTimeMs.shift.estimate).toBe(0)
		expect(same.responseTimeMs.shift.low).toBeLessThan(0)
		expect(same.responseTimeMs.shift.high).toBeGreaterThan(0)
		expect(shifted.sessionId).toBe(ids[2])
		expect(shifted.responseTimeMs.significant).toBe(true)
		expect(shifted.responseTimeMs.shift.estimate).toBe(25)
		expect(r.json.data.rows.find((x: any) => x.metric === 'messages').deltas).toEqual([
			null,
			{ delta: 0, deltaPct: 0 },
			{ delta: 0, deltaPct: 0 },
		])
	})

	test('bad ids are a 4xx in the error envelope', async () => {
		const t = await seedTarget(run.deps.db)
		const done = await seedSession(run.deps.db, {
			targetId: t.id,
			summaryMetrics: seededSummary({ totalMessages: 0 }),
		})
		const queued = await seedSession(run.deps.db, { targetId: t.id, status: 'QUEUED' })
		const missing = await call(run.deps.app, 'GET', '/api/sessions/compare')
		expect(missing.status).toBe(400)
		expect(missing.json).toMatchObject({ success: false, error: 'Validation error' })
		for (const [ids, path] of [
			[done.id, 'ids'],
			[` , ${done.id}, `, 'ids'],
			[`${done.id},${done.id}`, 'ids'],
			[Array.from({ length: 11 }, () => done.id).join(','), 'ids'],
		]) {
			const r = await compare(ids)
			expect(r.status).toBe(400)
			expect(r.json.error).toBe('Validation error')
			expect(r.json.details[0].path).toEqual([path])
		}
		const unknown = await compare(`${done.id},nope`)
		expect(unknown.status).toBe(404)
		expect(unknown.json).toEqual({
			success: false,
			error: 'Session not found',
			message: 'No session with id nope',
		})
		const unfinished = await compare(`${done.id},${queued.id}`)
		expect(unfinished.status).toBe(400)
		expect(unfinished.json.error).toBe('Session has no summary yet')
		const nul = await compare(`${done.id},a\u0000b`)
		expect(nul.status).toBe(400)
		// The page answers with the same statuses.
		const page = await call(run.deps.app, 'GET', `/compare?ids=${done.id}`, undefined, {
			accept: 'text/html',
		})
		expect(page.status).toBe(400)
		expect(page.text).toContain('at least two session ids')
	})
})
