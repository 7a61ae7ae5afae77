import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { asc, eq } from 'drizzle-orm'
import fc from 'fast-check'
import type { Database } from '../../src/db/client'
import { arrayLiteral, bulkInsert } from '../../src/db/bulk'
import { sessionMessages, sessions } from '../../src/db/schema'
import { createTestDatabase } from '../helpers/db'
import { seedTarget, unrunSnapshot } from '../helpers/seed'

type Row = typeof sessionMessages.$inferInsert

/**
 * The hot-path insert (src/db/bulk.ts) stores exactly what drizzle's builder stores, on the
 * database this suite runs on (PGlite, or Postgres with DATABASE_URL): text with quotes,
 * backslashes, braces, commas, newlines and non-ASCII; NULLs; doubles; booleans; timestamps;
 * jsonb attempts.
 */
describe('bulkInsert (unnest, one parameter per column)', () => {
	let database: Database
	let a: string
	let b: string
	beforeAll(async () => {
		database = await createTestDatabase()
		const t = await seedTarget(database.db)
		const mk = async () =>
			(
				await database.db
					.insert(sessions)
					.values({ targetId: t.id, status: 'COMPLETED', executionConfig: unrunSnapshot() })
					.returning()
			)[0].id
		a = await mk()
		b = await mk()
	})
	afterAll(() => database?.close())

	// Text the database can store (no NUL: src/db/text.ts strips it before any insert).
	const text = fc.string({ unit: 'binary', maxLength: 40 }).map((s) => s.replace(/\0/g, ''))
	const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null })
	const double = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 })
	const row = fc.record({
		conversationIndex: fc.nat(1000),
		turnIndex: fc.nat(1000),
		stepId: optional(text),
		requestContent: text,
		responseContent: optional(text),
		sentAt: fc.date({
			min: new Date('2020-01-01'),
			max: new Date('2030-01-01'),
			noInvalidDate: true,
		}),
		ttftMs: optional(double),
		responseTimeMs: optional(double),
		httpStatus: optional(fc.integer({ min: 100, max: 599 })),
		success: fc.boolean(),
		errorMessage: optional(text),
		retries: fc.nat(10),
		promptTokens: optional(fc.nat(1_000_000)),
		costUsd: optional(double),
		tokensEstimated: fc.boolean(),
		attempts: optional(
			fc.array(fc.record({ status: fc.integer({ min: 100, max: 599 }), note: text }), {
				maxLength: 3,
			}),
		),
	})

	const stored = (sessionId: string) =>
		database.db
			.select()
			.from(sessionMessages)
			.where(eq(sessionMessages.sessionId, sessionId))
			.orderBy(asc(sessionMessages.seq))
			.then((rs) => rs.map(({ id: _id, sessionId: _s, ...r }) => r))

	test('stores the same rows as drizzle’s insert, for any values', async () => {
		let run = 0
		await fc.assert(
			fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 25 }), async (generated) => {
				run++
				const rows = (sessionId: string): Row[] =>
					generated.map((r, i) => ({
						...(r as Omit<Row, 'sessionId' | 'seq'>),
						id: `${sessionId}-${run}-${i}`,
						sessionId,
						seq: run * 100 + i,
						receivedAt: new Date(r.sentAt.getTime() + 5),
					}))
				await database.db.insert(sessionMessages).values(rows(a))
				await bulkInsert(database.db, sessionMessages, rows(b))
				expect(await stored(b)).toEqual(await stored(a))
			}),
			{ numRuns: 40 },
		)
	})

	test('on conflict (session_id, seq) do nothing: a repeated batch is recorded once', async () => {
		const id = (
			await database.db
				.insert(sessions)
				.values({
					targetId: (await seedTarget(database.db, 'T2')).id,
					status: 'RUNNING',
					executionConfig: unrunSnapshot(),
				})
				.returning()
		)[0].id
		const batch: Row[] = [1, 2, 3].map((seq) => ({
			id: `${id}-${seq}`,
			sessionId: id,
			seq,
			conversationIndex: 0,
			turnIndex: seq - 1,
			requestContent: `m${seq}`,
			sentAt: new Date(),
			success: true,
		}))
		const opts = { onConflictDoNothing: ['session_id', 'seq'] }
		await bulkInsert(database.db, sessionMessages, batch, opts)
		await bulkInsert(database.db, sessionMessages, batch, opts)
		const rows = await stored(id)
		expect(rows.map((r) => r.seq)).toEqual([1, 2, 3])
		// Column defaults apply to values left out.
		expect(rows.every((r) => r.retries === 0 && r.tokensEstimated === false)).toBe(true)
	})

	test('array literals quote every element and escape quotes and backslashes', () => {
		expect(arrayLiteral(['a', null, 'b"c\\d', '{x,y}'], 'PgText')).toBe(
			'{"a",NULL,"b\\"c\\\\d","{x,y}"}',
		)
		expect(arrayLiteral([{ k: 'v"' }], 'PgJsonb')).toBe('{"{\\"k\\":\\"v\\\\\\"\\"}"}')
		expect(arrayLiteral([new Date(0)], 'PgTimestamp')).toBe('{"1970-01-01T00:00:00.000Z"}')
	})
})
