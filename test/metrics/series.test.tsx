import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { getSessionSeries } from '../../src/metrics/series'
import { SessionCharts } from '../../views/sessions/charts'
import { BarChart } from '../../views/ui/charts/bar'
import { Histogram } from '../../views/ui/charts/histogram'
import { LineChart } from '../../views/ui/charts/line'
import { niceTicks } from '../../views/ui/charts/ticks'
import { createTestDeps, type TestDeps } from '../helpers/deps'
import { seedMessages, seedSession, seedTarget } from '../helpers/seed'

let deps: TestDeps
let sessionId: string
beforeAll(async () => {
	deps = await createTestDeps()
	const t = await seedTarget(deps.db)
	const s = await seedSession(deps.db, { targetId: t.id })
	sessionId = s.id
	// Two conversations of three turns; context (prompt tokens) and cost grow by turn.
	// conversation 0: rt 100, 200, 300; conversation 1: rt 400, 500, failure
	await seedMessages(deps.db, s.id, [
		{
			conversationIndex: 0,
			turnIndex: 0,
			responseTimeMs: 100,
			promptTokens: 10,
			completionTokens: 20,
			totalTokens: 30,
			costUsd: 0.001,
		},
		{
			conversationIndex: 1,
			turnIndex: 0,
			responseTimeMs: 400,
			promptTokens: 10,
			completionTokens: 40,
			totalTokens: 50,
			costUsd: 0.003,
		},
		{
			conversationIndex: 0,
			turnIndex: 1,
			responseTimeMs: 200,
			promptTokens: 40,
			completionTokens: 20,
			totalTokens: 60,
			costUsd: 0.002,
		},
		{
			conversationIndex: 1,
			turnIndex: 1,
			responseTimeMs: 500,
			promptTokens: 60,
			completionTokens: 40,
			totalTokens: 100,
			costUsd: 0.004,
		},
		{
			conversationIndex: 0,
			turnIndex: 2,
			responseTimeMs: 300,
			promptTokens: 70,
			completionTokens: 20,
			totalTokens: 90,
			costUsd: 0.003,
		},
		{
			conversationIndex: 1,
			turnIndex: 2,
			responseTimeMs: 9000,
			success: false,
			errorType: 'timeout',
			promptTokens: 0,
			completionTokens: 0,
			totalTokens: 0,
			costUsd: 0,
		},
	])
})
afterAll(async () => {
	await deps.close()
})

describe('getSessionSeries', () => {
	test('timeline, per-turn growth, latency bins and amplification from the rows', async () => {
		const s = await getSessionSeries(deps, sessionId, { bins: 4 })
		expect(s.messageCount).toBe(6)
		expect(s.bucketSize).toBe(1)
		expect(s.timeline.map((p) => p.avgResponseTimeMs)).toEqual([100, 400, 200, 500, 300, 9000])
		expect(s.timeline.map((p) => p.errors)).toEqual([0, 0, 0, 0, 0, 1])
		expect(s.timeline[5].cumulativeCostUsd).toBeCloseTo(0.013, 12)
		// per turn: averages over the two conversations
		expect(s.perTurn.map((p) => p.messages)).toEqual([2, 2, 2])
		expect(s.perTurn.map((p) => p.avgResponseTimeMs)).toEqual([250, 350, 4650])
		expect(s.perTurn.map((p) => p.avgPromptTokens)).toEqual([10, 50, 35])
		expect(s.perTurn[0].avgCostUsd).toBeCloseTo(0.002, 12)
		expect(s.perTurn[1].avgCostUsd).toBeCloseTo(0.003, 12)
		expect(s.perTurn[2].cumulativeAvgCostUsd).toBeCloseTo(0.0065, 12)
		// response times 100..9000 (the timeout included) in 4 bins of 2225
		expect(s.latency.bins).toEqual([
			{ from: 100, to: 2325, count: 5 },
			{ from: 2325, to: 4550, count: 0 },
			{ from: 4550, to: 6775, count: 0 },
			{ from: 6775, to: 9000, count: 1 },
		])
		expect(s.aggregate).toMatchObject({
			totalMessages: 6,
			totalErrors: 1,
			avgResponseTimeMs: 1750,
			totalTokens: 330,
		})
		// sorted [100,200,300,400,500,9000]: p50 at 2.5 → 350; p90 at 4.5 → 500 + .5·8500
		expect(s.aggregate.responseTimeMs).toEqual({
			min: 100,
			max: 9000,
			p50: 350,
			p90: 4750,
			p95: 6875,
			p99: 8575,
		})
		// 140 completion / 190 prompt
		expect(s.amplification.outputPerInputToken).toBe(Number((140 / 190).toFixed(4)))
		// cost over turn: x = 0,0,1,1,2,2; y = .001,.003,.002,.004,.003,0 → slope = Σ(dx·dy)/Σdx² = -0.001/4
		expect(s.amplification.costGrowthPerTurnUsd).toBeCloseTo(-0.00025, 12)
		expect(s.amplification.lastToFirstTurnCostRatio).toBe(0.75)
		expect(s.amplification.conversations).toBe(2)
	})

	test('large sessions are bucketed to at most maxPoints', async () => {
		const s = await getSessionSeries(deps, sessionId, { maxPoints: 4 })
		expect(s.bucketSize).toBe(2)
		expect(s.timeline.map((p) => [p.seq, p.messages])).toEqual([
			[1, 2],
			[3, 2],
			[5, 2],
		])
		expect(s.timeline[0].avgResponseTimeMs).toBe(250)
	})

	test('unknown session is a NotFound', async () => {
		await expect(getSessionSeries(deps, 'nope')).rejects.toMatchObject({
			status: 404,
			error: 'Session not found',
		})
	})
})

describe('charts', () => {
	test('nice ticks', () => {
		expect(niceTicks(0, 9)).toEqual([0, 2, 4, 6, 8, 10])
		expect(niceTicks(0, 0.013)).toEqual([0, 0.005, 0.01, 0.015])
		expect(niceTicks(100, 500, 4)).toEqual([100, 200, 300, 400, 500])
		expect(niceTicks(5, 5).length).toBeGreaterThan(1)
	})

	test('session charts render SVG with axes and labels; user text is escaped', async () => {
		const html = String(<SessionCharts series={await getSessionSeries(deps, sessionId)} />)
		expect(html.match(/<svg/g)?.length).toBe(4)
		expect(html).toContain('Latency distribution')
		expect(html).toContain('Cost growth per turn')
		expect(html).toContain('message #')
		const bar = String(
			<BarChart title={'"><script>x</script>'} bars={[{ label: '<b>d</b>', value: 2 }]} />,
		)
		// text content escaped; attribute values cannot break out of their quotes
		expect(bar).toContain('&quot;&gt;&lt;script&gt;x&lt;/script&gt;</span>')
		expect(bar).not.toContain('""><script>')
		expect(bar).not.toContain('<b>d')
		expect(bar).toContain('&lt;b&gt;d&lt;/b&gt;')
		const line = String(
			<LineChart
				title="t"
				series={[
					{
						name: '<i>s</i>',
						points: [
							{ x: 1, y: 1 },
							{ x: 2, y: 3 },
						],
					},
					{ name: 'b', points: [] },
				]}
			/>,
		)
		expect(line).not.toContain('<i>s')
		expect(String(<Histogram title="h" bins={[]} />)).toContain('No data yet')
	})
})

describe('GET /api/metrics/sessions/:id/series', () => {
	test('JSON, the charts fragment for htmx, 404 for an unknown session', async () => {
		const { call } = await import('../helpers/deps')
		const json = await call(deps.app, 'GET', `/api/metrics/sessions/${sessionId}/series`)
		expect(json.status).toBe(200)
		expect(json.json.data).toMatchObject({ sessionId, messageCount: 6, bucketSize: 1 })
		const frag = await call(
			deps.app,
			'GET',
			`/api/metrics/sessions/${sessionId}/series`,
			undefined,
			{ 'hx-request': 'true' },
		)
		expect(frag.text).toStartWith('<section id="session-charts"')
		expect(frag.text).toContain('data-live="false"')
		expect(frag.text.slice(0, frag.text.indexOf('>'))).not.toContain('hx-trigger')
		const t = await seedTarget(deps.db, 'live')
		const running = await seedSession(deps.db, { targetId: t.id, status: 'RUNNING' })
		const live = await call(
			deps.app,
			'GET',
			`/api/metrics/sessions/${running.id}/series`,
			undefined,
			{
				'hx-request': 'true',
			},
		)
		// Polled while running, and re-fetched at once when the live stream sends `complete`.
		expect(live.text).toContain('hx-trigger="every 5s, sse:complete"')
		expect(live.text).toContain(`hx-get="/api/metrics/sessions/${running.id}/series"`)
		const missing = await call(deps.app, 'GET', '/api/metrics/sessions/nope/series')
		expect(missing.status).toBe(404)
		expect(missing.json).toEqual({ success: false, error: 'Session not found' })
	})
})
