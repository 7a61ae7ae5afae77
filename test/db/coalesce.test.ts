import { describe, expect, test } from 'bun:test'
import { createCoalescer } from '../../src/db/coalesce'

/** An insert that records each statement's rows; `refuse` rows make the whole statement fail. */
function fakeInsert(refuse = new Set<number>(), delayMs = 0) {
	const statements: number[][] = []
	const insert = async (rows: number[]) => {
		statements.push([...rows])
		if (delayMs) await Bun.sleep(delayMs)
		const bad = rows.find((r) => refuse.has(r))
		if (bad !== undefined) throw Object.assign(new Error(`refused ${bad}`), { code: '23505' })
	}
	return { statements, insert }
}

describe('createCoalescer (one insert for the rows handed in together)', () => {
	test('calls of the same turn share one statement, in call order', async () => {
		const f = fakeInsert()
		const c = createCoalescer(f.insert, { maxRows: 100 })
		await Promise.all([c.write([1, 2]), c.write([3]), c.write([4, 5, 6])])
		expect(f.statements).toEqual([[1, 2, 3, 4, 5, 6]])
	})

	test('calls made while an insert runs share the next one', async () => {
		const f = fakeInsert(new Set(), 20)
		const c = createCoalescer(f.insert, { maxRows: 100 })
		const first = c.write([1])
		await Bun.sleep(5) // the first statement is running
		await Promise.all([first, c.write([2]), c.write([3])])
		expect(f.statements).toEqual([[1], [2, 3]])
	})

	test('never more than maxRows per statement; a caller is never split', async () => {
		const f = fakeInsert()
		const c = createCoalescer(f.insert, { maxRows: 4 })
		await Promise.all([
			c.write([1, 2, 3]),
			c.write([4, 5]),
			c.write([6]),
			c.write([7, 8, 9, 10, 11]),
		])
		expect(f.statements).toEqual([
			[1, 2, 3],
			[4, 5, 6],
			[7, 8, 9, 10, 11],
		])
	})

	test("a refused shared insert is retried per caller: one caller's rows never fail another's", async () => {
		const f = fakeInsert(new Set([4]))
		const c = createCoalescer(f.insert, { maxRows: 100 })
		const results = await Promise.allSettled([c.write([1, 2]), c.write([3, 4]), c.write([5])])
		expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
		expect(((results[1] as PromiseRejectedResult).reason as { code: string }).code).toBe('23505')
		// The shared statement, then each caller alone.
		expect(f.statements).toEqual([[1, 2, 3, 4, 5], [1, 2], [3, 4], [5]])
		// And it goes on working afterwards.
		await c.write([6])
		expect(f.statements.at(-1)).toEqual([6])
	})

	test('a synchronous throw still answers every caller', async () => {
		const c = createCoalescer<number>(
			() => {
				throw new Error('boom')
			},
			{ maxRows: 100 },
		)
		const results = await Promise.allSettled([c.write([1]), c.write([2])])
		expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected'])
	})
})
