import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { call, createTestDeps, type TestDeps } from '../helpers/deps'
import {
	captureReads,
	explain,
	touchesMessagesOutsideOneSession,
	type PlanNode,
} from '../helpers/plans'
import { seedMessages, seedScenario, seedSession, seedTarget } from '../helpers/seed'

/**
 * docs/architecture.md §5 ("across sessions"): the dashboards add up per-session rollups. Every
 * statement `/`, `/api/dashboard/stats` and `/api/metrics` send is captured at the database layer and EXPLAINed
 * (PGlite, or Postgres with DATABASE_URL): no plan may read `session_messages` except for one
 * session (an index or filter condition on session_id).
 */
let deps: TestDeps
const ids: string[] = []
beforeAll(async () => {
	deps = await createTestDeps()
	const t = await seedTarget(deps.db)
	const sc = await seedScenario(deps.db)
	for (let i = 0; i < 3; i++) {
		const s = await seedSession(deps.db, { targetId: t.id, scenarioId: sc.id })
		ids.push(s.id)
		await seedMessages(
			deps.db,
			s.id,
			Array.from({ length: 40 }, (_, j) => ({
				responseTimeMs: 10 + j,
				totalTokens: 5,
				costUsd: 0.001,
				success: j % 7 !== 0,
			})),
			deps.clock.now(),
		)
	}
})
afterAll(async () => {
	await deps.close()
})

async function plansOf(path: string) {
	const { result: res, reads } = await captureReads(deps.database, () =>
		call(deps.app, 'GET', path),
	)
	expect(res.status).toBe(200)
	const out: { query: string; nodes: PlanNode[] }[] = []
	for (const s of reads)
		out.push({ query: s.query, nodes: (await explain(deps.database, s)).nodes })
	return { res, statements: reads.length, plans: out }
}

describe('dashboard query plans', () => {
	for (const path of ['/api/dashboard/stats', '/', '/api/metrics']) {
		test(`${path}: no plan reads session_messages outside one session`, async () => {
			// A session that ended without sketches (older versions): /api/metrics recomputes them
			// from its own rows (src/metrics/aggregate-rollups.ts), and those statements are checked too.
			if (path === '/api/metrics')
				await deps.db.execute(sql`update sessions set rollup_sketches = null where id = ${ids[0]!}`)
			// A new version of every session row: nothing cached is reused (src/db/versioned.ts), so
			// every statement the endpoint needs is sent, and seen here.
			await deps.db.execute(sql`update sessions set error = error`)
			const { res, statements, plans } = await plansOf(path)
			// The tables' version, then the figures themselves.
			expect(statements).toBeGreaterThan(2)
			const offending = plans
				.filter((p) => p.nodes.some(touchesMessagesOutsideOneSession))
				.map((p) => p.query)
			expect(offending).toEqual([])
			// The rollup's figures are the rows' exact ones: 3 sessions × 40 messages.
			if (path === '/api/dashboard/stats') {
				const m = res.json.data.metrics
				expect(m.totalMessages).toBe(120)
				expect(m.totalTokensConsumed).toBe(600)
				expect(m.totalCostUsd).toBeCloseTo(0.12, 10)
				// Mean of 10..49 ms in every session.
				expect(m.avgResponseTimeMs).toBe(29.5)
			}
			if (path === '/api/metrics') {
				const a = res.json.data.aggregate
				expect(a).toMatchObject({ totalSessions: 3, totalMessages: 120, totalTokens: 600 })
				expect(a.totalCostUsd).toBeCloseTo(0.12, 10)
				expect(a.avgResponseTimeMs).toBe(29.5)
				expect(a.responseTimeMs).toMatchObject({ min: 10, max: 49 })
				expect(a.percentiles).toEqual({
					source: 'sketches',
					relativeError: 0.01,
					sessionsWithoutSketch: 0,
				})
				// 10..49 ms three times: rank ⌊q·119⌋ → p50 29, p95 47, p99 49 (within 1 %).
				for (const [k, exact] of [
					['p50', 29],
					['p95', 47],
					['p99', 49],
				] as const)
					expect(Math.abs(a.responseTimeMs[k] - exact)).toBeLessThanOrEqual(exact * 0.01 + 0.005)
				expect(plans.some((p) => /session_messages/.test(p.query))).toBe(true)
			}
		})
	}
	test('the check itself sees a full scan of session_messages', async () => {
		const plan = await explain(deps.database, {
			query: 'select count(*) from session_messages',
			params: [],
		})
		expect(plan.nodes.some(touchesMessagesOutsideOneSession)).toBe(true)
	})
})
