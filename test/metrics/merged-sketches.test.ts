import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq, inArray, sql } from 'drizzle-orm'
import { sessions } from '../../src/db/schema'
import { round } from '../../src/metrics/aggregate'
import type { RollupSketches } from '../../src/metrics/rollup'
import { mergeSketches } from '../../src/metrics/sketch'
import { call, createTestDeps, type TestDeps } from '../helpers/deps'
import { captureReads } from '../helpers/plans'
import { seedMessages, seedSession, seedTarget } from '../helpers/seed'

/**
 * `/api/metrics` keeps each filter's merged sketches (src/metrics/aggregate-rollups.ts): a session's
 * sketches are read and merged once, not once per request, and every answer still equals a merge
 * of the matching sessions' sketches as stored — checked here against that merge done by hand, after
 * sessions end, change and go.
 */
let deps: TestDeps
let targetA = ''
let targetB = ''
const ended: string[] = []

const ok = (rt: number) => ({
	responseTimeMs: rt,
	ttftMs: rt / 4,
	promptTokens: 4,
	completionTokens: 6,
	totalTokens: 10,
	costUsd: 0.001,
})

async function endedSession(targetId: string, rts: number[]) {
	const s = await seedSession(deps.db, { targetId, status: 'COMPLETED' })
	await seedMessages(deps.db, s!.id, rts.map(ok))
	ended.push(s!.id)
	return s!.id
}

beforeAll(async () => {
	deps = await createTestDeps()
	targetA = (await seedTarget(deps.db, 'A')).id
	targetB = (await seedTarget(deps.db, 'B')).id
	await endedSession(targetA, [100, 200, 300])
	await endedSession(targetA, [1000, 2000])
	await endedSession(targetB, [40, 50, 60, 70])
})
afterAll(async () => {
	await deps.close()
})

const metrics = async (qs = '') => {
	const r = await call(deps.app, 'GET', `/api/metrics${qs}`)
	expect(r.status).toBe(200)
	return r.json.data.aggregate
}

/** The percentiles a merge of these sessions' stored sketches gives (the oracle). */
async function byHand(targetId?: string) {
	const rows = await deps.db
		.select({ s: sessions.rollupSketches })
		.from(sessions)
		.where(targetId ? eq(sessions.targetId, targetId) : sql`rollup_sketches is not null`)
	const sk = rows.map((r) => r.s as RollupSketches).filter(Boolean)
	const q = (m: keyof Omit<RollupSketches, 'relativeError'>, p: number) => {
		return round(mergeSketches(sk.map((s) => s[m])).quantile(p))
	}
	return {
		p50: q('responseTimeMs', 0.5),
		p90: q('responseTimeMs', 0.9),
		p99: q('responseTimeMs', 0.99),
		tpot: q('tpotMs', 0.5),
		otpsP50: q('outputTokensPerSecond', 0.5),
	}
}

const shown = (a: any) => ({
	p50: a.responseTimeMs.p50,
	p90: a.responseTimeMs.p90,
	p99: a.responseTimeMs.p99,
	tpot: a.tpotMs.p50,
	otpsP50: a.outputTokensPerSecond.p50,
})

/** The sketch reads an endpoint call sent, and how many sessions' sketches they asked for. */
async function sketchReads(fn: () => Promise<unknown>) {
	const { reads } = await captureReads(deps.database, fn)
	const fetches = reads.filter((r) => /"rollup_sketches"\s*,/.test(r.query))
	return { statements: fetches.length, sessions: fetches.reduce((n, r) => n + r.params.length, 0) }
}

describe('/api/metrics merged sketches', () => {
	test('each session is merged once; later requests read no sketch and answer the same', async () => {
		const first = await sketchReads(() => metrics())
		expect(first.sessions).toBe(3)
		const again = await sketchReads(() => metrics())
		expect(again).toEqual({ statements: 0, sessions: 0 })
		const a = shown(await metrics())
		expect(a).toEqual(await byHand())
		expect(a.tpot).not.toBeNull()
		expect(a.otpsP50).not.toBeNull()
	})

	test('concurrent requests merge a newly ended session once, and all see it', async () => {
		await endedSession(targetA, Array(20).fill(5000))
		const { sessions: n } = await sketchReads(async () => {
			const all = await Promise.all(Array.from({ length: 5 }, () => metrics()))
			for (const a of all) expect(shown(a)).toEqual(await byHand())
			expect(all[0].responseTimeMs.p99).toBeGreaterThan(4900)
		})
		expect(n).toBe(1)
		// The new session is in the totals too (the cached aggregate was recomputed).
		const after = await metrics()
		expect(after.totalSessions).toBe(ended.length)
		expect(after.totalMessages).toBe(3 + 2 + 4 + 20)
	})

	test('a merged session whose row changed but not its sketches: read again, nothing rebuilt', async () => {
		await metrics()
		await deps.db.update(sessions).set({ error: 'noted' }).where(eq(sessions.id, ended[0]!))
		const r = await sketchReads(async () => {
			expect(shown(await metrics())).toEqual(await byHand())
		})
		expect(r.sessions).toBe(1)
	})

	test('a session rewritten after it was merged: the answer follows the stored sketches', async () => {
		expect((await metrics()).responseTimeMs.p50).toBeGreaterThan(4900)
		// B's sketches (40–70 ms) written over the 20 × 5000 ms session's (a backfill, a recount).
		const [donor] = await deps.db
			.select({ s: sessions.rollupSketches })
			.from(sessions)
			.where(eq(sessions.id, ended[2]!))
		await deps.db
			.update(sessions)
			.set({ rollupSketches: donor!.s })
			.where(eq(sessions.id, ended[3]!))
		const a = await metrics()
		expect(shown(a)).toEqual(await byHand())
		expect(a.responseTimeMs.p50).toBeLessThan(310)
	})

	test('a deleted session leaves the percentiles', async () => {
		await deps.db.delete(sessions).where(inArray(sessions.id, [ended[3]!, ended[0]!]))
		const a = await metrics()
		expect(shown(a)).toEqual(await byHand())
		// Left: A's 1000/2000 session and B's 40–70.
		expect(a.responseTimeMs.p99).toBeLessThan(2100)
		expect(a.responseTimeMs.p50).toBeLessThan(71)
	})

	test('each filter has its own merge', async () => {
		const a = await metrics(`?targetId=${targetA}`)
		const b = await metrics(`?targetId=${targetB}`)
		expect(shown(a)).toEqual(await byHand(targetA))
		expect(shown(b)).toEqual(await byHand(targetB))
		expect(b.responseTimeMs.p99).toBeLessThan(71)
		expect(a.responseTimeMs.p50).toBeGreaterThan(990)
		// Unfiltered still right after the filtered ones.
		expect(shown(await metrics())).toEqual(await byHand())
	})
})
