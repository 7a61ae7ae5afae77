import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import type { Database } from '../../src/db/client'
import { statement } from '../../src/db/statement'
import { createTestDatabase } from '../helpers/db'

/**
 * A statement built once and run many times (src/db/statement.ts: the session-end summary and
 * rollup) answers as `db.execute` of the same SQL does, on the database this suite runs on
 * (PGlite, or Postgres with DATABASE_URL: a prepared statement there).
 */
describe('statement (built once, prepared on postgres.js)', () => {
	let database: Database
	beforeAll(async () => {
		database = await createTestDatabase()
	})
	afterAll(() => database.close())

	const direct = (db: Database['db'], a: string, n: number) =>
		db.execute(sql`select ${a}::text as a, ${n}::int * 2 as twice, ${a}::text || ${a}::text as aa,
			now()::timestamptz as at, '{"k": [1, 2]}'::jsonb as j, 1.5::float8 as f`)

	test('the same rows and types as db.execute, with new values each run; built once', async () => {
		let builds = 0
		const q = statement('krawall_test_statement', ['a', 'n'], ({ a, n }) => {
			builds++
			return sql`select ${a}::text as a, ${n}::int * 2 as twice, ${a}::text || ${a}::text as aa,
				now()::timestamptz as at, '{"k": [1, 2]}'::jsonb as j, 1.5::float8 as f`
		})
		for (const [a, n] of [
			['x', 1],
			["it's", 21],
			['ünïcode \\ "q"', -4],
		] as const) {
			const [got] = await q(database.db, { a, n })
			const res = await direct(database.db, a, n)
			const [want] = (Array.isArray(res) ? res : (res as { rows: unknown[] }).rows) as Record<
				string,
				unknown
			>[]
			expect({ ...got, at: typeof got!.at }).toEqual({ ...want, at: typeof want!.at })
			expect(got!.a).toBe(a)
			expect(got!.aa).toBe(a + a)
			expect(Number(got!.twice)).toBe(n * 2)
			expect(got!.j).toEqual({ k: [1, 2] })
		}
		expect(builds).toBe(1)
	})

	test('query observers see it; it runs inside a transaction, whose rollback it obeys', async () => {
		const seen: string[] = []
		const off = database.observe((text) => seen.push(text))
		const q = statement('krawall_test_statement_tx', ['v'], ({ v }) => sql`select ${v}::int as v`)
		try {
			const [r] = await q(database.db, { v: 7 })
			expect(Number(r!.v)).toBe(7)
		} finally {
			off()
		}
		expect(seen.some((s) => /select \$1::int as v/.test(s))).toBe(true)

		await database.db.execute(sql`create table statement_t (v int)`)
		const insert = statement(
			'krawall_test_statement_insert',
			['v'],
			({ v }) => sql`insert into statement_t (v) values (${v}) returning v`,
		)
		await expect(
			database.db.transaction(async (tx) => {
				const [r] = await insert(tx, { v: 5 })
				expect(Number(r!.v)).toBe(5)
				throw new Error('roll back')
			}),
		).rejects.toThrow('roll back')
		const left = await database.rows<{ n: number }>(sql`select count(*)::int as n from statement_t`)
		expect(Number(left[0]!.n)).toBe(0)
	})
})
