import { afterAll, beforeAll, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { migrate } from '../../src/db/migrate'
import { call, createTestDeps, type TestDeps } from '../helpers/deps'
import { seedMessages, seedSession, seedTarget } from '../helpers/seed'

/**
 * Migration 0011 moved the rollup's sketches into `sessions.rollup_sketches` (docs/architecture.md
 * §5): a database whose rollups still carry them keeps its `/api/metrics` percentiles, and no
 * rollup carries them afterwards.
 */
const TAG = '0011_sessions_rollup_sketches'
let deps: TestDeps
beforeAll(async () => {
	deps = await createTestDeps()
	const t = await seedTarget(deps.db)
	for (const [i, times] of [
		[0, [10, 20, 30, 40]],
		[1, [100, 200, 300]],
		[2, [5, 5000]],
	] as const) {
		const s = await seedSession(deps.db, {
			targetId: t.id,
			status: 'COMPLETED',
			createdAt: new Date(Date.UTC(2026, 0, 10 + i)),
		})
		await seedMessages(
			deps.db,
			s.id,
			times.map((rt) => ({ responseTimeMs: rt, ttftMs: rt / 2, totalTokens: 10, costUsd: 0.001 })),
		)
	}
})
afterAll(async () => {
	await deps.close()
})

const aggregate = async () => {
	const r = await call(deps.app, 'GET', '/api/metrics')
	expect(r.status).toBe(200)
	return r.json.data.aggregate
}

test('rollups written before 0011 have their sketches moved to rollup_sketches, percentiles unchanged', async () => {
	const before = await aggregate()
	expect(before.percentiles.sessionsWithoutSketch).toBe(0)
	expect(before.responseTimeMs.p50).toBeGreaterThan(0)
	// The database as 0010 left it: the sketches inside the rollup, no column of their own.
	await deps.database.rows(
		sql`update sessions set rollup = rollup || jsonb_build_object('sketches', rollup_sketches)`,
	)
	await deps.database.rows(sql`alter table sessions drop column rollup_sketches`)
	await deps.database.rows(sql`delete from __krawall_migrations where tag = ${TAG}`)
	const carried = await deps.database.rows<{ n: number }>(
		sql`select count(*)::int as n from sessions where rollup ? 'sketches'`,
	)
	expect(carried[0]!.n).toBe(3)

	expect(await migrate(deps.database)).toEqual([TAG])
	const after = await deps.database.rows<{ inside: number; apart: number }>(sql`select
		(count(*) filter (where rollup ? 'sketches'))::int as inside,
		(count(*) filter (where rollup_sketches ? 'responseTimeMs'))::int as apart
		from sessions`)
	expect(after[0]).toEqual({ inside: 0, apart: 3 })
	// Read from the new column, not recomputed (none was left without sketches).
	expect(await aggregate()).toEqual(before)
})
