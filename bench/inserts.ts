/**
 * Hot-path insert benchmark (issue 13): the recorder's batches of `session_messages` rows written
 * with drizzle's query builder vs `bulkInsert` (src/db/bulk.ts: one `unnest` parameter per
 * column), side by side, interleaved rounds, medians.
 *
 *   bun bench/inserts.ts [rounds=5] [batches=20] [rows=200]                 # PGlite
 *   DATABASE_URL=postgres://… bun bench/inserts.ts [rounds] [batches] [rows] # Postgres (a
 *                                          database of its own, dropped at the end, even on failure)
 *
 * Per method and round: rows/s (wall) and the process's CPU per row (user + system µs): the CPU
 * figure is what the engine's thread pays for recording; on PGlite it includes the database
 * itself, which runs on the same thread.
 */
import { sql } from 'drizzle-orm'
import { bulkInsert } from '../src/db/bulk'
import { sessionMessages } from '../src/db/schema'
import { createTestDatabase } from '../test/helpers/db'
import { seedSession, seedTarget } from '../test/helpers/seed'

type Row = typeof sessionMessages.$inferInsert
const [rounds = 5, batches = 20, perBatch = 200] = process.argv.slice(2).map(Number)

const database = await createTestDatabase()
try {
	const t = await seedTarget(database.db, 'bench')
	const session = await seedSession(database.db, { targetId: t.id })
	let seq = 0
	const batch = (): Row[] =>
		Array.from({ length: perBatch }, (_, i) => {
			const n = ++seq
			return {
				id: `${session.id}-${n}`,
				sessionId: session.id,
				seq: n,
				conversationIndex: n % 100,
				turnIndex: i,
				stepId: null,
				requestContent: 'Tell me more, in detail, please. "Quoted", {braced}, back\\slash.',
				responseContent: 'A long reply ' + 'lorem ipsum '.repeat(40),
				sentAt: new Date(),
				receivedAt: new Date(),
				ttftMs: 20 + (n % 50),
				itlMs: 1.25,
				responseTimeMs: 100 + (n % 900) * 1.5,
				httpStatus: 200,
				success: true,
				errorType: null,
				errorMessage: null,
				retries: 0,
				promptTokens: 40 + (n % 400),
				completionTokens: 200 + (n % 300),
				totalTokens: 240 + (n % 700),
				cachedTokens: 0,
				tokensEstimated: false,
				costUsd: 0.000123,
				repetitionScore: 0.1,
				attempts: [{ n: 1, status: 200, ms: 120.5, rateLimit: { remaining: 99 } }] as never,
			}
		})
	const methods: Record<string, (rows: Row[]) => Promise<unknown>> = {
		drizzle: (rows) =>
			database.db
				.insert(sessionMessages)
				.values(rows)
				.onConflictDoNothing({ target: [sessionMessages.sessionId, sessionMessages.seq] }),
		unnest: (rows) =>
			bulkInsert(database.db, sessionMessages, rows, {
				onConflictDoNothing: ['session_id', 'seq'],
			}),
	}
	const results: Record<string, { rate: number; cpu: number }[]> = { drizzle: [], unnest: [] }
	// Warm-up: both paths once (JIT, prepared plans, the table's first pages).
	for (const m of Object.values(methods)) await m(batch())
	for (let r = 0; r < rounds; r++) {
		const order = r % 2 ? ['unnest', 'drizzle'] : ['drizzle', 'unnest']
		for (const name of order) {
			const work = Array.from({ length: batches }, batch)
			const cpu0 = process.cpuUsage()
			const t0 = performance.now()
			for (const rows of work) await methods[name](rows)
			const ms = performance.now() - t0
			const cpu = process.cpuUsage(cpu0)
			const n = batches * perBatch
			results[name].push({ rate: (n / ms) * 1000, cpu: (cpu.user + cpu.system) / n })
		}
	}
	const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
	const base = {
		rate: median(results.drizzle.map((x) => x.rate)),
		cpu: median(results.drizzle.map((x) => x.cpu)),
	}
	console.log(
		`${database.kind}, ${rounds} rounds × ${batches} batches × ${perBatch} rows (medians; ratio vs drizzle)`,
	)
	console.log('| method | rows/s | × | CPU µs/row | × |')
	console.log('|---|---|---|---|---|')
	for (const name of ['drizzle', 'unnest']) {
		const rate = median(results[name].map((x) => x.rate))
		const cpu = median(results[name].map((x) => x.cpu))
		console.log(
			`| ${name} | ${rate.toFixed(0)} | ${(rate / base.rate).toFixed(2)} | ${cpu.toFixed(1)} | ${(cpu / base.cpu).toFixed(2)} |`,
		)
	}
	const [{ n }] = await database.rows<{ n: number }>(
		sql`select count(*)::int as n from session_messages where session_id = ${session.id}`,
	)
	if (n !== seq) throw new Error(`expected ${seq} rows, found ${n}`)
} finally {
	await database.close()
}
