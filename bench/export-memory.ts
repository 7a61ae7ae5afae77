/**
 * Export memory benchmark: does `GET /api/metrics/export` stay flat as a session grows?
 *
 *   bun bench/export-memory.ts                 # 10k vs 100k messages, CSV and JSON, PGlite
 *   DATABASE_URL=postgres://… bun bench/export-memory.ts   # the same on Postgres
 *
 * Each measurement runs in a fresh child process (`--child <rows> <format>`): it seeds one
 * session with `rows` messages in SQL (generate_series), collects garbage, takes the RSS as the
 * baseline (the database — in-process for PGlite — is already loaded), then reads the export
 * through `app.handle` chunk by chunk, sampling RSS, and reports the peak above the baseline.
 * A bounded (streamed) export shows about the same peak for 10k and 100k rows (±GC timing
 * noise of a few tens of MB); a buffered one grows with the rows. For contrast, `buffered` reads all rows with one query (what the export does
 * not do).
 */
import { sql } from 'drizzle-orm'
import { sessionMessages } from '../src/db/schema'
import { createTestDeps } from '../test/helpers/deps'
import { seedSession, seedTarget } from '../test/helpers/seed'

const MB = 1024 * 1024

async function child(rows: number, format: 'csv' | 'json' | 'buffered') {
	const deps = await createTestDeps()
	const t = await seedTarget(deps.db, 'bench')
	const s = await seedSession(deps.db, { targetId: t.id })
	for (let from = 1; from <= rows; from += 50_000) {
		const to = Math.min(rows, from + 49_999)
		await deps.db.execute(sql`
			insert into session_messages (id, session_id, seq, conversation_index, turn_index, step_id, request_content,
				response_content, sent_at, received_at, response_time_ms, ttft_ms, http_status, success, error_type, error_message,
				prompt_tokens, completion_tokens, total_tokens, cached_tokens, cost_usd, repetition_score)
			select 'm' || g, ${s.id}, g, g % 100, g / 100, 'step-' || (g % 7), 'Tell me more, in detail, please.',
				'A long reply ' || repeat('lorem ipsum ', 20), now(), now(), 100 + (g % 900) * 1.5, 20 + (g % 50),
				case when g % 50 = 0 then 429 else 200 end, g % 50 <> 0,
				case when g % 50 = 0 then 'rate_limited' end, case when g % 50 = 0 then 'Too many requests, "slow down", =retry' end,
				40 + g % 400, 200 + g % 300, 240 + g % 400 + g % 300, g % 40, (40 + g % 400) * 0.15e-6 + (200 + g % 300) * 0.6e-6, (g % 10) / 10.0
			from generate_series(${from}::int, ${to}::int) g`)
	}
	const [{ n }] = await deps.db.select({ n: sql<number>`count(*)::int` }).from(sessionMessages)
	Bun.gc(true)
	await Bun.sleep(50)
	Bun.gc(true)
	const base = process.memoryUsage().rss
	let peak = base
	let bytes = 0
	const started = performance.now()
	if (format === 'buffered') {
		const all = await deps.db.select().from(sessionMessages)
		peak = Math.max(peak, process.memoryUsage().rss)
		bytes = JSON.stringify(all).length
		peak = Math.max(peak, process.memoryUsage().rss)
	} else {
		const res = await deps.app.handle(
			new Request(`http://localhost/api/metrics/export?sessionId=${s.id}&format=${format}`),
		)
		const reader = res.body!.getReader()
		let chunks = 0
		for (;;) {
			const { value, done } = await reader.read()
			if (done) break
			bytes += value.byteLength
			if (++chunks % 5 === 0) peak = Math.max(peak, process.memoryUsage().rss)
		}
		peak = Math.max(peak, process.memoryUsage().rss)
	}
	const ms = performance.now() - started
	await deps.close()
	console.log(
		JSON.stringify({
			rows: n,
			format,
			baseMb: base / MB,
			peakMb: peak / MB,
			deltaMb: (peak - base) / MB,
			outMb: bytes / MB,
			ms,
		}),
	)
}

async function run(rows: number, format: string) {
	const p = Bun.spawn(['bun', import.meta.path, '--child', String(rows), format], {
		stdout: 'pipe',
		stderr: 'inherit',
		env: process.env,
	})
	const out = await new Response(p.stdout).text()
	if ((await p.exited) !== 0) throw new Error(`child ${rows} ${format} failed`)
	return JSON.parse(out.trim().split('\n').pop()!)
}

if (process.argv[2] === '--child') {
	await child(Number(process.argv[3]), process.argv[4] as 'csv' | 'json' | 'buffered')
	process.exit(0)
} else {
	const sizes = [10_000, 100_000]
	const formats = (process.env.BENCH_FORMATS ?? 'csv,json,buffered').split(',')
	const f = (v: number) => v.toFixed(1).padStart(8)
	console.log(`database: ${process.env.DATABASE_URL ? 'postgres' : 'pglite'}`)
	console.log('format    rows     base MB  peak MB  Δ MB     output MB  ms')
	for (const format of formats) {
		const results = []
		for (const rows of sizes) results.push(await run(rows, format))
		for (const r of results)
			console.log(
				`${format.padEnd(9)} ${String(r.rows).padEnd(8)}${f(r.baseMb)} ${f(r.peakMb)} ${f(r.deltaMb)} ${f(r.outMb)}  ${r.ms.toFixed(0)}`,
			)
		const [small, large] = results
		console.log(
			`${format.padEnd(9)} 10k → 100k: peak above baseline ${(large.deltaMb - small.deltaMb >= 0 ? '+' : '') + (large.deltaMb - small.deltaMb).toFixed(1)} MB while the output grew +${(large.outMb - small.outMb).toFixed(1)} MB`,
		)
	}
}
