import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { call, createTestDeps, type TestDeps } from '../helpers/deps'
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

/** Inlines `$n` parameters as literals so the statement can be EXPLAINed as it was sent. */
function inline(query: string, params: unknown[]): string {
	return query.replace(/\$(\d+)/g, (_, n) => {
		const v = params[Number(n) - 1]
		if (v === null || v === undefined) return 'NULL'
		if (typeof v === 'number' || typeof v === 'bigint') return String(v)
		if (typeof v === 'boolean') return v ? 'true' : 'false'
		const s = v instanceof Date ? v.toISOString() : typeof v === 'string' ? v : JSON.stringify(v)
		return `'${s.replace(/'/g, "''")}'`
	})
}

type PlanNode = Record<string, unknown> & { Plans?: PlanNode[] }
function nodes(n: PlanNode): PlanNode[] {
	return [n, ...(n.Plans ?? []).flatMap(nodes)]
}

async function plansOf(path: string) {
	const seen: { query: string; params: unknown[] }[] = []
	const stop = deps.database.observe((query, params) => seen.push({ query, params }))
	let res
	try {
		res = await call(deps.app, 'GET', path)
	} finally {
		stop()
	}
	expect(res.status).toBe(200)
	const selects = seen.filter((s) => /^\s*(with|select)\b/i.test(s.query))
	const out: { query: string; nodes: PlanNode[] }[] = []
	for (const s of selects) {
		const [row] = await deps.database.rows<Record<string, unknown>>(
			sql.raw(`explain (format json) ${inline(s.query, s.params)}`),
		)
		const raw = row!['QUERY PLAN']
		const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PlanNode }[]
		out.push({ query: s.query, nodes: nodes(plan[0]!.Plan) })
	}
	return { res, statements: selects.length, plans: out }
}

const touchesMessagesOutsideOneSession = (n: PlanNode) =>
	n['Relation Name'] === 'session_messages' &&
	!/session_id\s*=/.test(`${n['Index Cond'] ?? ''} ${n['Filter'] ?? ''}`)

describe('dashboard query plans', () => {
	for (const path of ['/api/dashboard/stats', '/', '/api/metrics']) {
		test(`${path}: no plan reads session_messages outside one session`, async () => {
			// A session whose rollup predates sketches: /api/metrics recomputes it from its own rows
			// (src/metrics/aggregate-rollups.ts), and those statements are checked too.
			if (path === '/api/metrics')
				await deps.db.execute(
					sql`update sessions set rollup = rollup - 'sketches' where id = ${ids[0]!}`,
				)
			const { res, statements, plans } = await plansOf(path)
			expect(statements).toBeGreaterThan(0)
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
		const [row] = await deps.database.rows<Record<string, unknown>>(
			sql.raw('explain (format json) select count(*) from session_messages'),
		)
		const raw = row!['QUERY PLAN']
		const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PlanNode }[]
		expect(nodes(plan[0]!.Plan).some(touchesMessagesOutsideOneSession)).toBe(true)
	})
})
