import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { getCostPerDay, getRecentSessionSeries } from '../../src/dashboard/service'
import { call, createTestDeps, type TestDeps } from '../helpers/deps'
import { seedMessages, seedScenario, seedSession, seedTarget } from '../helpers/seed'

let deps: TestDeps
beforeAll(async () => {
	deps = await createTestDeps()
})
afterAll(async () => {
	await deps.close()
})

describe('command center', () => {
	test('empty database: zero stats, empty states, no polling, no execute form without targets', async () => {
		const stats = await call(deps.app, 'GET', '/api/dashboard/stats')
		expect(stats.json).toEqual({
			success: true,
			data: {
				counts: { targets: 0, scenarios: 0, activeSessions: 0, totalSessions: 0 },
				metrics: {
					avgResponseTimeMs: null,
					totalTokensConsumed: 0,
					errorRate: 0,
					sessionsLast24h: 0,
					totalCostUsd: 0,
					totalMessages: 0,
				},
				recentSessions: [],
			},
		})
		const page = await call(deps.app, 'GET', '/')
		expect(page.status).toBe(200)
		expect(page.text).toContain('Nothing running right now.')
		expect(page.text).toContain('No sessions yet.')
		expect(page.text).toContain('data-polling="false"')
		const live = page.text.slice(page.text.indexOf('<section id="live-sessions"'))
		expect(live.slice(0, live.indexOf('>'))).not.toContain('hx-trigger')
		expect(page.text).toContain('No messages in the last 14 days')
		expect(page.text).not.toContain('id="execute-form"')
		expect(page.text).toContain('Run a session to see response times')
	})

	test('charts data: the last sessions oldest first, cost per UTC day zero-filled', async () => {
		const t = await seedTarget(deps.db, 'T <1>')
		const sc = await seedScenario(deps.db, 'S')
		const now = deps.clock.now()
		const today = new Date(
			Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 0, 30),
		)
		const yesterday = new Date(today.getTime() - 86_400_000)
		const a = await seedSession(deps.db, {
			targetId: t.id,
			scenarioId: sc.id,
			createdAt: yesterday,
		})
		const b = await seedSession(deps.db, { targetId: t.id, createdAt: today })
		await seedMessages(
			deps.db,
			a.id,
			[
				{ responseTimeMs: 100, totalTokens: 10, costUsd: 0.25 },
				{ responseTimeMs: 300, totalTokens: 30, costUsd: 0.5 },
			],
			yesterday,
		)
		await seedMessages(deps.db, b.id, [{ responseTimeMs: 50, totalTokens: 5, costUsd: 1 }], today)
		const series = await getRecentSessionSeries(deps)
		expect(series.map((s) => [s.id, s.avgResponseTimeMs, s.totalTokens, s.messages])).toEqual([
			[a.id, 200, 40, 2],
			[b.id, 50, 5, 1],
		])
		const days = await getCostPerDay(deps, 3)
		expect(days.map((d) => d.costUsd)).toEqual([0, 0.75, 1])
		expect(days[2].day).toBe(today.toISOString().slice(0, 10))
		expect(days[1].messages).toBe(2)

		const page = await call(deps.app, 'GET', '/')
		expect(page.text).toContain('id="execute-form"')
		expect(page.text).toContain('T &lt;1&gt;')
		expect(page.text).not.toContain('T <1>')
	})

	test('the stats fragment for htmx is not a full page', async () => {
		const r = await call(deps.app, 'GET', '/api/dashboard/stats', undefined, {
			'hx-request': 'true',
		})
		expect(r.headers.get('content-type')).toContain('text/html')
		expect(r.text).toStartWith('<section id="stats"')
		expect(r.text).not.toContain('<html')
	})
})
