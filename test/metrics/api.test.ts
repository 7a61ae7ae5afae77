import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq, sql } from 'drizzle-orm'
import { sessions } from '../../src/db/schema'
import { call, createTestDeps, type TestDeps } from '../helpers/deps'
import { seedMessages, seedScenario, seedSession, seedTarget } from '../helpers/seed'

/**
 * Seeded data (hand-computed expectations below):
 * s1  target A, scenario S, COMPLETED, 2026-01-10: rt 100, 200, 300, fail; tokens 10+20+30+0; cost .001+.002+.003+null
 * s2  target A, —,          FAILED,    2026-01-11: rt 400, 600;            tokens 40+60;       cost .004+.006
 * s3  target B, scenario S, COMPLETED, 2026-01-12 23:59:59: rt 50, fail, fail, 150; tokens 5+0+0+15; cost .0005+0+0+.0015
 * s4  target B, RUNNING,   2026-01-13 00:00; s5 target A, QUEUED, 2026-01-09; s6 target B, PENDING, now: no messages
 */
let deps: TestDeps
const ids: Record<string, string> = {}
beforeAll(async () => {
	deps = await createTestDeps()
	const db = deps.db
	const a = await seedTarget(db, 'Target <A> & "co"')
	const b = await seedTarget(db, 'Target B')
	const sc = await seedScenario(db, 'Scenario S')
	Object.assign(ids, { a: a.id, b: b.id, sc: sc.id })
	const mk = (v: Parameters<typeof seedSession>[1]) => seedSession(db, v)
	const s1 = await mk({
		targetId: a.id,
		scenarioId: sc.id,
		status: 'COMPLETED',
		createdAt: new Date('2026-01-10T10:00:00Z'),
	})
	const s2 = await mk({
		targetId: a.id,
		status: 'FAILED',
		createdAt: new Date('2026-01-11T10:00:00Z'),
	})
	const s3 = await mk({
		targetId: b.id,
		scenarioId: sc.id,
		status: 'COMPLETED',
		createdAt: new Date('2026-01-12T23:59:59Z'),
	})
	const s4 = await mk({
		targetId: b.id,
		status: 'RUNNING',
		createdAt: new Date('2026-01-13T00:00:00Z'),
	})
	const s5 = await mk({
		targetId: a.id,
		status: 'QUEUED',
		createdAt: new Date('2026-01-09T00:00:00Z'),
	})
	const s6 = await mk({ targetId: b.id, status: 'PENDING' })
	Object.assign(ids, { s1: s1.id, s2: s2.id, s3: s3.id, s4: s4.id, s5: s5.id, s6: s6.id })
	const ok = (rt: number, tokens: number, cost: number | null) => ({
		responseTimeMs: rt,
		totalTokens: tokens,
		promptTokens: Math.floor(tokens / 2),
		completionTokens: tokens - Math.floor(tokens / 2),
		costUsd: cost,
	})
	const fail = (cost: number | null = 0) => ({
		success: false,
		responseTimeMs: 5000,
		errorType: 'timeout',
		totalTokens: 0,
		promptTokens: 0,
		completionTokens: 0,
		costUsd: cost,
	})
	await seedMessages(db, s1.id, [
		ok(100, 10, 0.001),
		ok(200, 20, 0.002),
		ok(300, 30, 0.003),
		fail(null),
	])
	await seedMessages(db, s2.id, [ok(400, 40, 0.004), ok(600, 60, 0.006)])
	await seedMessages(db, s3.id, [ok(50, 5, 0.0005), fail(), fail(), ok(150, 15, 0.0015)])
})
afterAll(async () => {
	await deps.close()
})

const get = (path: string, headers?: Record<string, string>) =>
	call(deps.app, 'GET', path, undefined, headers)

describe('GET /api/metrics', () => {
	test('aggregate over every session, computed from the messages', async () => {
		const r = await get('/api/metrics')
		expect(r.status).toBe(200)
		expect(r.json.success).toBe(true)
		const a = r.json.data.aggregate
		expect(a).toMatchObject({
			totalSessions: 6,
			totalMessages: 10,
			totalTokens: 180,
			// every measured time, failures included: 50 100 150 200 300 400 600 5000 5000 5000 → 16800 / 10
			avgResponseTimeMs: 1680,
			totalErrors: 3,
			errorRate: 30,
			totalCostUsd: 0.018,
			// s1's failure has no cost, but no usage either: nothing to price
			unpricedMessages: 0,
			// prompt = ⌊tokens/2⌋: 5+10+15 + 20+30 + 2+7
			promptTokens: 89,
			completionTokens: 91,
			outputPerInputToken: Number((91 / 89).toFixed(4)),
		})
		// Across sessions the percentiles are the merged per-session sketches' (docs/architecture.md
		// §5): within 1 % of the value at rank ⌊q·9⌋ of those ten (p50 → the 5th, 300; p90, p95 and
		// p99 → the 9th, 5000), where percentile_cont would interpolate p50 to 350. min/max exact.
		expect(a.percentiles).toEqual({
			source: 'sketches',
			relativeError: 0.01,
			sessionsWithoutSketch: 0,
		})
		expect(a.responseTimeMs.min).toBe(50)
		expect(a.responseTimeMs.max).toBe(5000)
		const near = (got: number, exact: number) =>
			expect(Math.abs(got - exact)).toBeLessThanOrEqual(exact * 0.01 + 0.005)
		near(a.responseTimeMs.p50, 300)
		near(a.responseTimeMs.p90, 5000)
		near(a.responseTimeMs.p95, 5000)
		near(a.responseTimeMs.p99, 5000)
		expect(r.json.data.pagination).toEqual({ total: 6, limit: 100, offset: 0, hasMore: false })
		const s1 = r.json.data.sessions.find((s: any) => s.id === ids.s1)
		expect(s1).toMatchObject({
			targetId: ids.a,
			scenarioId: ids.sc,
			status: 'COMPLETED',
			target: { name: 'Target <A> & "co"', connectorType: 'HTTP_REST' },
			scenario: { name: 'Scenario S' },
			metrics: {
				messageCount: 4,
				totalTokens: 60,
				avgResponseTimeMs: 1400,
				errorCount: 1,
				errorRate: 25,
				costUsd: 0.006,
			},
		})
		// newest first by default
		expect(r.json.data.sessions.map((s: any) => s.id)).toEqual([
			ids.s6,
			ids.s4,
			ids.s3,
			ids.s2,
			ids.s1,
			ids.s5,
		])
	})

	test('filters: target, scenario, status, session', async () => {
		const byTarget = (await get(`/api/metrics?targetId=${ids.a}`)).json.data.aggregate
		expect(byTarget).toMatchObject({
			totalSessions: 3,
			totalMessages: 6,
			totalTokens: 160,
			avgResponseTimeMs: 1100,
			totalErrors: 1,
			errorRate: 16.67,
			totalCostUsd: 0.016,
		})
		const byScenario = (await get(`/api/metrics?scenarioId=${ids.sc}`)).json.data.aggregate
		expect(byScenario).toMatchObject({
			totalSessions: 2,
			totalMessages: 8,
			totalTokens: 80,
			avgResponseTimeMs: 1975,
			totalErrors: 3,
			errorRate: 37.5,
			totalCostUsd: 0.008,
		})
		const byStatus = (await get('/api/metrics?status=COMPLETED')).json.data
		expect(byStatus.aggregate).toMatchObject({ totalSessions: 2, totalMessages: 8 })
		expect(byStatus.sessions.map((s: any) => s.id).sort()).toEqual([ids.s1, ids.s3].sort())
		const one = (await get(`/api/metrics?sessionId=${ids.s2}`)).json.data
		expect(one.aggregate).toMatchObject({
			totalSessions: 1,
			totalMessages: 2,
			totalErrors: 0,
			errorRate: 0,
			avgResponseTimeMs: 500,
		})
		// One session: its own rows, exact (percentile_cont between 400 and 600).
		expect(one.aggregate.percentiles.source).toBe('rows')
		expect(one.aggregate.responseTimeMs.p50).toBe(500)
		const none = (await get('/api/metrics?sessionId=nope')).json.data
		expect(none.aggregate).toMatchObject({
			totalSessions: 0,
			totalMessages: 0,
			avgResponseTimeMs: null,
			errorRate: 0,
			totalCostUsd: 0,
		})
		expect(none.sessions).toEqual([])
	})

	test('date range: a date-only end includes its whole day; a date-time end is exact', async () => {
		const days = (await get('/api/metrics?startDate=2026-01-11&endDate=2026-01-12')).json.data
		expect(days.sessions.map((s: any) => s.id)).toEqual([ids.s3, ids.s2])
		expect(days.aggregate).toMatchObject({
			totalSessions: 2,
			totalMessages: 6,
			totalTokens: 120,
			avgResponseTimeMs: 1866.67,
			totalErrors: 2,
			errorRate: 33.33,
			totalCostUsd: 0.012,
		})
		const exact = (
			await get('/api/metrics?startDate=2026-01-10T00:00:00Z&endDate=2026-01-12T23:00:00Z')
		).json.data
		expect(exact.sessions.map((s: any) => s.id)).toEqual([ids.s2, ids.s1])
	})

	test('limit and offset page the sessions; the aggregate does not change', async () => {
		const all = (await get('/api/metrics')).json.data.aggregate
		const r = await get('/api/metrics?limit=2&offset=2')
		expect(r.json.data.sessions.map((s: any) => s.id)).toEqual([ids.s3, ids.s2])
		expect(r.json.data.aggregate).toEqual(all)
		expect(r.json.data.pagination).toEqual({ total: 6, limit: 2, offset: 2, hasMore: true })
		const last = await get('/api/metrics?limit=2&offset=4')
		expect(last.json.data.pagination.hasMore).toBe(false)
		expect((await get('/api/metrics?limit=1000&offset=100')).json.data.sessions).toEqual([])
	})

	test('a session that ended before rollups had sketches is brought up to date from its rows', async () => {
		const before = (await get('/api/metrics')).json.data.aggregate
		// As an older version left it: a rollup without sketches (s2), no rollup at all (s3).
		await deps.db.execute(sql`update sessions set rollup_sketches = null where id = ${ids.s2}`)
		await deps.db.execute(
			sql`update sessions set rollup = null, rollup_sketches = null where id = ${ids.s3}`,
		)
		const after = (await get('/api/metrics')).json.data.aggregate
		expect(after).toEqual(before)
		const [s2, s3] = await Promise.all(
			[ids.s2, ids.s3].map(async (id) => {
				const [r] = await deps.db.select().from(sessions).where(eq(sessions.id, id))
				return r!
			}),
		)
		expect(typeof s2.rollupSketches!.responseTimeMs).toBe('string')
		expect(s3.rollup!.messages).toBe(4)
		expect(typeof s3.rollupSketches!.responseTimeMs).toBe('string')
		// The sketches are stored apart, never in the rollup again.
		expect(s2.rollup).not.toHaveProperty('sketches')
		expect(s3.rollup).not.toHaveProperty('sketches')
	})

	test('sortable by computed figures', async () => {
		const byCost = (await get('/api/metrics?sort=costUsd&order=desc')).json.data.sessions.map(
			(s: any) => s.id,
		)
		expect(byCost.slice(0, 3)).toEqual([ids.s2, ids.s1, ids.s3])
		const byMessagesAsc = (
			await get('/api/metrics?sort=messages&order=asc')
		).json.data.sessions.map((s: any) => s.metrics.messageCount)
		expect(byMessagesAsc).toEqual([0, 0, 0, 2, 4, 4])
	})

	test('invalid parameters → 400 with details', async () => {
		for (const [qs, path] of [
			['limit=0', 'limit'],
			['limit=1001', 'limit'],
			['limit=abc', 'limit'],
			['offset=-1', 'offset'],
			['status=DONE', 'status'],
			['startDate=yesterday', 'startDate'],
			['endDate=2026-02-30', 'endDate'],
			['sort=name', 'sort'],
		]) {
			const r = await get(`/api/metrics?${qs}`)
			expect(r.status, qs).toBe(400)
			expect(r.json.success).toBe(false)
			expect(r.json.error).toBe('Validation error')
			expect(
				r.json.details.map((d: any) => d.path.join('.')),
				qs,
			).toContain(path)
		}
		const range = await get('/api/metrics?startDate=2026-01-12&endDate=2026-01-11')
		expect(range.status).toBe(400)
		expect(range.json.details[0].path).toEqual(['endDate'])
	})

	test('htmx gets the results fragment, user input escaped', async () => {
		const r = await get(`/api/metrics?targetId=${ids.a}`, { 'hx-request': 'true' })
		expect(r.status).toBe(200)
		expect(r.headers.get('content-type')).toContain('text/html')
		expect(r.headers.get('vary')).toContain('HX-Request')
		expect(r.text).toStartWith('<div id="metrics-results"')
		expect(r.text).not.toContain('<html')
		expect(r.text).toContain('Target &lt;A&gt; &amp; &quot;co&quot;')
		expect(r.text).not.toContain('Target <A>')
	})
})

describe('GET /api/dashboard/stats', () => {
	test('exactly the reference shape, plus total cost', async () => {
		const r = await get('/api/dashboard/stats')
		expect(r.status).toBe(200)
		const d = r.json.data
		expect(d.counts).toEqual({ targets: 2, scenarios: 1, activeSessions: 2, totalSessions: 6 })
		expect(d.metrics).toMatchObject({
			avgResponseTimeMs: 1680,
			totalTokensConsumed: 180,
			errorRate: Number((1 / 6).toFixed(4)),
			sessionsLast24h: 1,
			totalCostUsd: 0.018,
		})
		expect(d.recentSessions.map((s: any) => s.id)).toEqual([
			ids.s6,
			ids.s4,
			ids.s3,
			ids.s2,
			ids.s1,
			ids.s5,
		])
		expect(d.recentSessions[2]).toMatchObject({
			targetName: 'Target B',
			scenarioName: 'Scenario S',
			status: 'COMPLETED',
			summaryMetrics: null,
		})
		expect(Object.keys(d.recentSessions[0])).toEqual(
			expect.arrayContaining([
				'id',
				'targetName',
				'scenarioName',
				'status',
				'startedAt',
				'summaryMetrics',
			]),
		)
	})

	test('htmx gets the stats cards; live sessions fragment polls while sessions are active', async () => {
		const r = await get('/api/dashboard/stats', { 'hx-request': 'true' })
		expect(r.text).toStartWith('<section id="stats"')
		const live = await get('/api/dashboard/live', { 'hx-request': 'true' })
		expect(live.text).toContain('hx-trigger="every 2s"')
		expect(live.text).toContain('Target &lt;A&gt;')
		const json = await get('/api/dashboard/live')
		expect(json.json.data.map((s: any) => s.status).sort()).toEqual(['QUEUED', 'RUNNING'])
	})
})

describe('pages', () => {
	test('/metrics: full page with filters, tiles, table, export links; bad filters show an error', async () => {
		const r = await get(`/metrics?targetId=${ids.a}&startDate=&status=`)
		expect(r.status).toBe(200)
		expect(r.text).toContain('<!doctype html>')
		expect(r.text).toContain('id="metrics-filters"')
		expect(r.text).toContain(`/api/metrics/export?sessionId=${ids.s1}&format=csv`)
		expect(r.text).toContain('Target &lt;A&gt;')
		expect(r.text).not.toContain('Target <A>')
		const bad = await get('/metrics?limit=0')
		expect(bad.status).toBe(400)
		expect(bad.text).toContain('Validation error')
		expect(bad.text).toContain('id="metrics-table"')
	})

	test('/: command center with stats, live sessions, charts and recent sessions', async () => {
		const r = await get('/')
		expect(r.status).toBe(200)
		for (const id of [
			'stats',
			'live-sessions',
			'quick-execute',
			'home-charts',
			'recent-sessions',
			'health',
		])
			expect(r.text).toContain(`id="${id}"`)
		expect(r.text).toContain('Cost per day')
		expect(r.text).not.toContain('Target <A>')
	})
})
