import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq, sql } from 'drizzle-orm'
import { sessions, targets } from '../../src/db/schema'
import { systemClock } from '../../src/clock'
import { versioned } from '../../src/db/versioned'
import { call, createTestDeps, type TestDeps } from '../helpers/deps'
import { captureReads } from '../helpers/plans'
import { seedMessages, seedSession, seedTarget } from '../helpers/seed'

/**
 * src/db/versioned.ts: a value kept while its tables' rows are unchanged, recomputed after any
 * insert, update (drizzle or raw SQL) or delete — and the dashboards built on it answer what the
 * rows say after each change, with no aggregate re-run while nothing changed.
 */
let deps: TestDeps
let targetId = ''
/** The clock the app reads: held still, so "the same second" is the test's choice. */
let now = new Date()
beforeAll(async () => {
	deps = await createTestDeps({
		overrides: { clock: { ...systemClock, now: () => new Date(now.getTime()) } },
	})
	targetId = (await seedTarget(deps.db, 'T')).id
})
afterAll(async () => {
	await deps.close()
})

/** A count of sessions through versioned(), and how many times it was really computed. */
function counter(key: string) {
	let computed = 0
	const read = () =>
		versioned(deps.database, ['sessions', 'targets'], key, async () => {
			computed++
			const [r] = await deps.database.rows<{ n: number }>(
				sql`select count(*)::int as n from sessions`,
			)
			return Number(r!.n)
		})
	return { read, computed: () => computed }
}

describe('versioned', () => {
	test('computed once while unchanged; again after an insert, an update, a raw update, a delete', async () => {
		const c = counter('count')
		expect(await c.read()).toBe(0)
		expect(await c.read()).toBe(0)
		expect(c.computed()).toBe(1)
		const s = await seedSession(deps.db, { targetId, status: 'COMPLETED' })
		expect(await c.read()).toBe(1)
		expect(c.computed()).toBe(2)
		await deps.db.update(sessions).set({ error: 'x' }).where(eq(sessions.id, s!.id))
		await c.read()
		expect(c.computed()).toBe(3)
		await deps.database.rows(sql`update sessions set error = 'y' where id = ${s!.id}`)
		await c.read()
		expect(c.computed()).toBe(4)
		// Another listed table changes too.
		await deps.db.update(targets).set({ name: 'T2' }).where(eq(targets.id, targetId))
		await c.read()
		expect(c.computed()).toBe(5)
		await deps.db.delete(sessions).where(eq(sessions.id, s!.id))
		expect(await c.read()).toBe(0)
		expect(c.computed()).toBe(6)
		expect(await c.read()).toBe(0)
		expect(c.computed()).toBe(6)
	})

	test('concurrent readers share one computation; a failure is not kept', async () => {
		const c = counter('concurrent')
		const all = await Promise.all(Array.from({ length: 8 }, () => c.read()))
		expect(new Set(all).size).toBe(1)
		expect(c.computed()).toBe(1)
		let fails = 0
		const failing = () =>
			versioned(deps.database, ['sessions'], 'failing', async () => {
				if (fails++ === 0) throw new Error('boom')
				return 'ok'
			})
		await expect(failing()).rejects.toThrow('boom')
		expect(await failing()).toBe('ok')
	})

	test('the dashboards: no aggregate re-run while nothing changed, the new figures after a change', async () => {
		const s = await seedSession(deps.db, { targetId, status: 'COMPLETED' })
		await seedMessages(deps.db, s!.id, [
			{ responseTimeMs: 100, totalTokens: 7, costUsd: 0.5 },
			{ responseTimeMs: 300, totalTokens: 3, costUsd: 0.25 },
		])
		const paths = ['/api/dashboard/stats', '/api/metrics', '/', '/sessions', '/api/sessions']
		for (const p of paths) expect((await call(deps.app, 'GET', p)).status).toBe(200)
		// Warm: each endpoint now reads only the tables' versions.
		for (const p of paths) {
			const { reads } = await captureReads(deps.database, () => call(deps.app, 'GET', p))
			const other = reads.filter((r) => !/count\(\*\) \|\| ':'/.test(r.query))
			expect(
				other.map((r) => r.query.slice(0, 80)),
				p,
			).toEqual([])
		}
		// What counts from the time is computed again when the second changes.
		now = new Date(now.getTime() + 1000)
		const { reads } = await captureReads(deps.database, () =>
			call(deps.app, 'GET', '/api/dashboard/stats'),
		)
		expect(reads.length).toBeGreaterThan(1)
		const stats = async () => (await call(deps.app, 'GET', '/api/dashboard/stats')).json.data
		expect((await stats()).metrics).toMatchObject({ totalTokensConsumed: 10, totalMessages: 2 })
		// Another session ends: the next answer counts it.
		const s2 = await seedSession(deps.db, { targetId, status: 'COMPLETED' })
		await seedMessages(deps.db, s2!.id, [{ responseTimeMs: 50, totalTokens: 5, costUsd: 1 }])
		const after = await stats()
		expect(after.metrics).toMatchObject({
			totalTokensConsumed: 15,
			totalMessages: 3,
			totalCostUsd: 1.75,
		})
		expect(after.counts.totalSessions).toBe(2)
		const m = (await call(deps.app, 'GET', '/api/metrics')).json.data.aggregate
		expect(m).toMatchObject({ totalSessions: 2, totalMessages: 3, totalTokens: 15 })
		expect(m.responseTimeMs.min).toBe(50)
	})
})
