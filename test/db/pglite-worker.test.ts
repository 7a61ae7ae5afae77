import { afterAll, beforeAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { openDatabase, type Database } from '../../src/db/client'
import { PGLITE_SHARED_BUFFERS } from '../../src/db/pglite-engine'
import { refusedCode } from '../../src/execution/recorder'

/**
 * Embedded PGlite on its own thread (src/db/pglite-worker.ts, docs/architecture.md §3): the same
 * answers as PGlite in this thread, transactions that hold, errors with their SQLSTATE, and an
 * engine thread that keeps running while the database works.
 */
const dirs: string[] = []
const open = (pgliteThread: 'worker' | 'main') => {
	const dataDir = mkdtempSync(join(tmpdir(), 'krawall-pgworker-'))
	dirs.push(dataDir)
	return openDatabase({ dataDir, pgliteThread })
}
let worker: Database
let main: Database
beforeAll(async () => {
	;[worker, main] = await Promise.all([open('worker'), open('main')])
	for (const d of [worker, main])
		await d.db.execute(
			sql`create table t (id int primary key, at timestamptz not null, n numeric, tags text[], doc jsonb, raw bytea)`,
		)
}, 120_000)
afterAll(async () => {
	await Promise.all([worker?.close(), main?.close()])
	for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

test('a statement on the worker answers what PGlite in this thread answers, types included', async () => {
	const insert = sql`insert into t values
		(1, '2026-12-02T07:00:00.123Z', 1.5, array['a','b'], '{"k":[1,2]}', '\\x0102'),
		(2, '2026-12-02T07:00:01Z', null, null, null, null)`
	const read = sql`select id, at, n, tags, doc, raw, now() > at as past from t order by id`
	const [w, m] = [worker, main]
	expect(((await w.db.execute(insert)) as { affectedRows?: number }).affectedRows).toBe(2)
	await m.db.execute(insert)
	const [rw, rm] = await Promise.all([w.rows(read), m.rows(read)])
	expect(rw).toEqual(rm)
	expect(rw[0]!.at).toBe('2026-12-02 07:00:00.123+00') // drizzle's parsers: timestamps as text
	expect(rw[0]!.doc).toEqual({ k: [1, 2] })
	expect(rw[0]!.raw).toEqual(new Uint8Array([1, 2]))
	// The query builder (array row mode) too.
	const { sessions } = await import('../../src/db/schema')
	const none = await w.db.select().from(sessions).limit(1)
	expect(none).toEqual([])
})

test('transactions commit, roll back, nest, and hold other statements until they end', async () => {
	await worker.db.execute(sql`delete from t`)
	await worker.db.transaction(async (tx) => {
		await tx.execute(sql`insert into t (id, at) values (10, now())`)
		// A savepoint inside: its failure rolls back only itself.
		const inner = await tx
			.transaction(async (t) => {
				await t.execute(sql`insert into t (id, at) values (11, now())`)
				throw new Error('inner fails')
			})
			.catch((e: Error) => e)
		expect(String(inner)).toContain('inner fails')
		await tx.execute(sql`insert into t (id, at) values (12, now())`)
	})
	// (`expect(promise).rejects` waits without running the event loop's tasks, so it never sees
	// the worker's answer: the rejections here are caught and checked instead.)
	const boom = await worker.db
		.transaction(async (tx) => {
			await tx.execute(sql`insert into t (id, at) values (13, now())`)
			throw new Error('boom')
		})
		.catch((e: Error) => e)
	expect(String(boom)).toContain('boom')
	const ids = async () =>
		(await worker.rows<{ id: number }>(sql`select id from t order by id`)).map((r) => r.id)
	expect(await ids()).toEqual([10, 12])

	// A statement from outside waits for the open transaction (one connection, as in-process).
	const order: string[] = []
	let release!: () => void
	const held = new Promise<void>((r) => (release = r))
	const tx = worker.db.transaction(async (t) => {
		await t.execute(sql`insert into t (id, at) values (20, now())`)
		order.push('tx wrote')
		await held
		order.push('tx ends')
	})
	await Bun.sleep(20)
	const outside = worker.rows<{ n: number }>(sql`select count(*)::int as n from t`).then((r) => {
		order.push('outside read')
		return r[0]!.n
	})
	await Bun.sleep(50)
	expect(order).toEqual(['tx wrote'])
	release()
	await tx
	expect(await outside).toBe(3)
	expect(order).toEqual(['tx wrote', 'tx ends', 'outside read'])
})

test('an error crosses with its SQLSTATE: the recorder tells a refusal from an outage', async () => {
	await worker.db.execute(sql`insert into t (id, at) values (30, now())`)
	const err = await worker.db
		.execute(sql`insert into t (id, at) values (30, now())`)
		.catch((e: Error & { cause?: Error }) => e)
	expect(err).toBeInstanceOf(Error)
	expect(refusedCode(err)).toBe('23505')
	expect(String((err as Error & { cause?: Error }).cause?.message)).toContain('duplicate key value')
	// The connection is fine after it.
	expect((await worker.rows<{ x: number }>(sql`select 1 as x`))[0]!.x).toBe(1)
})

test('the engine thread keeps running while the database works on its own thread', async () => {
	const heavy = sql`select sum(i)::bigint as s from generate_series(1, 3000000) as i`
	const ticksDuring = async (d: Database) => {
		let ticks = 0
		const timer = setInterval(() => ticks++, 10)
		const t0 = performance.now()
		await d.rows(heavy)
		const ms = performance.now() - t0
		clearInterval(timer)
		return { ticks, ms }
	}
	const w = await ticksDuring(worker)
	const m = await ticksDuring(main)
	// In this thread the query blocks every timer until it ends; on the worker they keep firing.
	expect(m.ticks).toBeLessThanOrEqual(1)
	expect(w.ms).toBeGreaterThan(100)
	expect(w.ticks).toBeGreaterThanOrEqual(Math.min(5, Math.floor(w.ms / 40)))
})

test('after close, statements are refused with a clear error, not left waiting', async () => {
	const d = await open('worker')
	await d.close()
	const err = await d.rows(sql`select 1`).catch((e: Error) => e)
	expect(String((err as Error).cause)).toContain('the embedded database is closed')
})

test('both threads open PGlite with the small buffer cache (16 MB, not Postgres’ 128 MB)', async () => {
	for (const d of [worker, main]) {
		const [row] = await d.rows<{ shared_buffers: string }>(sql`show shared_buffers`)
		expect(row!.shared_buffers).toBe(PGLITE_SHARED_BUFFERS)
	}
	expect(PGLITE_SHARED_BUFFERS).toBe('16MB')
})
