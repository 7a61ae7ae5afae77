/**
 * The dashboard endpoints under `wrk` with many seeded messages, and their plans (issue 13, "What
 * it must show"), in one go, on Postgres (DATABASE_URL) or, without it, PGlite:
 *
 *   DATABASE_URL=postgres://… bun bench/dashboards.ts [sessions=2000] [messagesPerSession=500] [seconds=10] [rounds=3]
 *   bun bench/dashboards.ts …   # PGlite: a data folder of its own, seeded here, then Krawall's
 *
 * 1. A database of its own (Postgres: `krawall_bench_dash_<pid>`, dropped at the end, on failure
 *    and on Ctrl-C; PGlite: a temporary data folder, removed), migrated; targets, scenarios and sessions through test/helpers/seed.ts, the
 *    messages by `insert … select … from generate_series` (many sessions per statement), with
 *    varied latencies, tokens, costs, errors, and send times spread over ~30 days; then each
 *    session ended as src/execution/lifecycle.ts ends one (its summary, its rollup, its counters).
 * 2. A real Krawall (`bun src/main.ts`, its own process) on it; the API's totals are checked
 *    against `count(*)` / `sum(…)` of `session_messages` (the bench fails otherwise).
 * 3. `wrk -t2 -c10 -d<seconds>s --timeout 30s --latency` on `/`, `/api/dashboard/stats`, `/api/metrics` and
 *    `/sessions`, rounds interleaved (the order rotated each round): requests/s, p50, p99 (medians,
 *    min–max); any non-2xx or socket error other than a timeout fails the bench. Krawall's RSS after.
 * 4. Each endpoint served in this process on the same database: its time with the data unchanged
 *    and right after one session row changed (what it kept recomputed, src/db/versioned.ts),
 *    then, after such a change, every read it sends captured and
 *    `explain (analyze, format json)`ed: statements, execution ms, the slowest statement's top node,
 *    and whether any plan node reads `session_messages` outside one session (the check of
 *    test/dashboard/plans.test.ts).
 * Options: BENCH_BEFORE=<checkout> (Postgres) runs that tree's Krawall on the same database beside
 * this one's, interleaved in every round (before/after in one run); BENCH_DASH_KEEP=<name>
 * (Postgres) seeds that database once and reuses it in later runs (dropped by hand).
 * The goal (issue 13): p99 ≤ 100 ms at 1M messages, and no plan reads session_messages except
 * for one session.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq, sql } from 'drizzle-orm'
import postgres from 'postgres'
import { createApp } from '../src/app'
import { loadConfig } from '../src/config'
import { openDatabase, openPostgres, type Database } from '../src/db/client'
import { migrate } from '../src/db/migrate'
import { sessions } from '../src/db/schema'
import { createDeps, type Deps } from '../src/deps'
import { endedColumns } from '../src/execution/lifecycle'
import { computeSummary } from '../src/execution/summary'
import { createLogger } from '../src/log'
import { computeRollup } from '../src/metrics/rollup'
import { call } from '../test/helpers/deps'
import { captureReads, explain, touchesMessagesOutsideOneSession } from '../test/helpers/plans'
import { seedScenario, seedSession, seedTarget } from '../test/helpers/seed'
import {
	api,
	cpuMsOf,
	median,
	rssOf,
	startKrawall,
	stopKrawall,
	type Krawall,
} from './krawall-process'

const [N = 2000, M = 500, SECONDS = 10, ROUNDS = 3] = process.argv.slice(2).map(Number)
const MAIN = join(import.meta.dir, '..', 'src/main.ts')
const ENDPOINTS = ['/', '/api/dashboard/stats', '/api/metrics', '/sessions']
const GOAL_P99_MS = 100
/** Messages per conversation: conversation_index and turn_index follow from the position. */
const TURNS = 5
/** Sessions per `insert … select` statement. */
const SESSIONS_PER_INSERT = 40
const DAY_MS = 86_400_000

const pgUrl = process.env.DATABASE_URL || undefined
const kind = pgUrl ? 'postgres' : 'pglite'
if (!Bun.which('wrk')) {
	console.error('wrk is not installed: apt-get install wrk')
	process.exit(2)
}

/**
 * BENCH_DASH_KEEP=<name> (Postgres): seed that database once and keep it; a later run with the
 * same name and sizes reuses it (no seeding), for iterating on one endpoint. Dropped by hand.
 */
const keep = pgUrl ? process.env.BENCH_DASH_KEEP || undefined : undefined
if (keep && !/^[a-z_][a-z0-9_]*$/.test(keep)) {
	console.error('BENCH_DASH_KEEP must be a plain lower-case database name')
	process.exit(2)
}
const dbName = keep ?? `krawall_bench_dash_${process.pid}`
const dbUrl = (() => {
	if (!pgUrl) return undefined
	const u = new URL(pgUrl)
	u.pathname = `/${dbName}`
	return u.toString()
})()
const admin = pgUrl ? postgres(pgUrl, { max: 1, onnotice: () => {} }) : undefined
const dataDir = mkdtempSync(join(tmpdir(), 'krawall-bench-dash-'))
const key = randomBytes(32).toString('base64')
let krawall: Krawall | undefined
/** Every Krawall process started (the before tree's too), killed on failure. */
const extra: Krawall[] = []
const before = process.env.BENCH_BEFORE || undefined
let database: Database | undefined
let deps: Deps | undefined
let created = false

async function cleanup() {
	for (const k of [krawall, ...extra]) if (k && k.proc.exitCode === null) k.proc.kill('SIGKILL')
	await deps?.close().catch(() => {})
	await database?.close().catch(() => {})
	if (created) await admin!.unsafe(`drop database if exists ${dbName} with (force)`).catch(() => {})
	created = false
	await admin?.end().catch(() => {})
	rmSync(dataDir, { recursive: true, force: true })
}
process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)))

const sec = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1)
const arrayLiteral = (xs: (string | number)[]) => `{${xs.join(',')}}`

/** Targets, scenarios, sessions, then their messages and each session's end-of-run figures. */
async function seed(db: Database) {
	const t0 = performance.now()
	const targets = []
	for (let i = 0; i < 5; i++) targets.push(await seedTarget(db.db, `Target ${i + 1}`))
	const scenarios = []
	for (let i = 0; i < 3; i++) scenarios.push(await seedScenario(db.db, `Scenario ${i + 1}`))
	const now = Date.now()
	type Seeded = { id: string; base: Date; err: number; completedAt: Date; startedAt: Date }
	const seeded: Seeded[] = []
	for (let k = 0; k < N; k++) {
		// Oldest first, over ~30 days; 5 % of sessions fail often, 2 % were cancelled.
		const base = new Date(now - 30 * DAY_MS + ((k + Math.random() * 0.5) / N) * 30 * DAY_MS)
		const roll = Math.random()
		const err = roll < 0.05 ? 0.3 : 0.005 + Math.random() * 0.04
		const status = roll < 0.05 ? 'FAILED' : roll < 0.07 ? 'CANCELLED' : 'COMPLETED'
		const completedAt = new Date(base.getTime() + M * 2000 + 1500)
		const s = await seedSession(db.db, {
			targetId: targets[k % targets.length]!.id,
			scenarioId: k % 4 === 3 ? null : scenarios[k % scenarios.length]!.id,
			status,
			error: status === 'FAILED' ? 'too many errors' : null,
			createdAt: new Date(base.getTime() - 500),
			startedAt: base,
			completedAt,
			workerId: 'bench',
		})
		seeded.push({ id: s!.id, base, err, completedAt, startedAt: base })
	}
	console.log(
		`seeded ${targets.length} targets, ${scenarios.length} scenarios, ${N} sessions in ${sec(t0)} s`,
	)

	const t1 = performance.now()
	const chunks: Seeded[][] = []
	for (let i = 0; i < seeded.length; i += SESSIONS_PER_INSERT)
		chunks.push(seeded.slice(i, i + SESSIONS_PER_INSERT))
	// Two statements at a time on Postgres (the server has two cores); PGlite runs one at a time.
	const insertChunk = (c: Seeded[]) =>
		db.rows(
			sql.raw(`insert into session_messages (id, session_id, seq, conversation_index, turn_index,
				request_content, response_content, sent_at, received_at, ttft_ms, itl_ms, response_time_ms,
				http_status, success, error_type, error_message, retries,
				prompt_tokens, completion_tokens, total_tokens, cost_usd)
			select s.id || '-' || g.i, s.id, g.i, (g.i - 1) / ${TURNS}, (g.i - 1) % ${TURNS},
				'Turn ' || g.i || ': ' || repeat(substr(md5(s.id || g.i), 1, 12) || ' could you explain that in more detail? ', 3),
				case when r.ok then repeat('Certainly. ' || md5(g.i || s.id) || ' here is more. ', 6) end,
				s.base + g.i * interval '2 seconds',
				s.base + g.i * interval '2 seconds' + r.rt * interval '1 millisecond',
				case when r.ok then r.rt * r.f end,
				case when r.ok then r.rt * (1 - r.f) / r.output end,
				r.rt,
				case when r.ok then 200 when r.kind = 0 then 429 when r.kind = 1 then 500 end,
				r.ok,
				case when not r.ok then (array['rate_limited', 'http_error', 'timeout', 'connection_refused'])[r.kind + 1] end,
				case when not r.ok then 'bench error ' || r.kind end,
				case when not r.ok and r.kind = 2 then 1 else 0 end,
				case when r.ok then r.input end,
				case when r.ok then r.output end,
				case when r.ok then r.input + r.output end,
				case when r.ok then r.input * 0.00000015 + r.output * 0.0000006 end
			from unnest('${arrayLiteral(c.map((s) => s.id))}'::text[],
				'${arrayLiteral(c.map((s) => `"${s.base.toISOString()}"`))}'::timestamptz[],
				'${arrayLiteral(c.map((s) => s.err))}'::float8[]) as s(id, base, err)
			cross join generate_series(1, ${M}) g(i)
			cross join lateral (
				select random() >= s.err as ok, floor(random() * 4)::int as kind,
					-- log-normal around 400 ms (Box–Muller), at least 5 ms
					greatest(5, exp(ln(400) + 0.5 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))) as rt,
					0.15 + 0.3 * random() as f,
					(40 + ((g.i - 1) % ${TURNS}) * 90 + floor(random() * 60))::int as input,
					(30 + floor(random() * 400))::int as output
				offset 0
			) r`),
		)
	await pool(chunks, db.kind === 'postgres' ? 2 : 1, insertChunk)
	const [{ n }] = (await db.rows(sql`select count(*)::int as n from session_messages`)) as [
		{ n: number },
	]
	if (n !== N * M) throw new Error(`inserted ${n} messages, not ${N * M}`)
	console.log(`inserted ${n} messages in ${sec(t1)} s`)

	// What the end of a session stores (src/execution/lifecycle.ts finishSession): its summary,
	// its rollup, its sketches and its counters from the summary.
	const t2 = performance.now()
	await pool(seeded, db.kind === 'postgres' ? 2 : 1, async (s) => {
		const summary = await computeSummary({ database: db }, s.id, {
			startedAt: s.startedAt,
			completedAt: s.completedAt,
			repetitions: 1,
			conversationsCompleted: Math.ceil(M / TURNS),
			stopReason: 'completed',
		})
		await db.db
			.update(sessions)
			.set({
				...endedColumns(summary, await computeRollup(db.db, s.id)),
				conversationsTotal: Math.ceil(M / TURNS),
				conversationsCompleted: Math.ceil(M / TURNS),
			})
			.where(eq(sessions.id, s.id))
	})
	console.log(`summaries and rollups of ${N} sessions in ${sec(t2)} s`)
	const t3 = performance.now()
	await db.rows(sql.raw('vacuum analyze'))
	console.log(`vacuum analyze in ${sec(t3)} s`)
	const truth = await truthOf(db)
	console.log(
		`seeding in all ${sec(t0)} s; session_messages ${truth.size}; a session's rollup ${truth.rollup_bytes} bytes stored (${truth.rollup_text_bytes} as text), its sketches ${truth.sketches_bytes} (${truth.sketches_text_bytes} as text), its summary ${truth.summary_bytes} bytes stored`,
	)
	return truth
}

/** The rows' own totals (what the API must answer) and the sizes of what a session stores. */
async function truthOf(db: Database) {
	const [truth] = (await db.rows(sql`select count(*)::int as messages,
		coalesce(sum(total_tokens), 0)::float8 as tokens, coalesce(sum(cost_usd), 0)::float8 as cost,
		pg_size_pretty(pg_total_relation_size('session_messages')) as size,
		(select avg(pg_column_size(rollup))::int from sessions) as rollup_bytes,
		(select avg(octet_length(rollup::text))::int from sessions) as rollup_text_bytes,
		(select avg(pg_column_size(rollup_sketches))::int from sessions) as sketches_bytes,
		(select avg(octet_length(rollup_sketches::text))::int from sessions) as sketches_text_bytes,
		(select avg(pg_column_size(summary_metrics))::int from sessions) as summary_bytes
		from session_messages`)) as [
		{
			messages: number
			tokens: number
			cost: number
			size: string
			rollup_bytes: number
			rollup_text_bytes: number
			sketches_bytes: number
			sketches_text_bytes: number
			summary_bytes: number
		},
	]
	return truth
}

async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<unknown>) {
	let next = 0
	await Promise.all(
		Array.from({ length: n }, async () => {
			while (next < items.length) await fn(items[next++]!)
		}),
	)
}

/** The API's figures against the rows' own (numbers checked, not assumed). */
async function checkTotals(k: Krawall, truth: { messages: number; tokens: number; cost: number }) {
	const stats = (await api(k, 'GET', '/api/dashboard/stats')).data
	const metrics = (await api(k, 'GET', '/api/metrics')).data
	const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b))
	const checks: [string, number, number, boolean][] = [
		['stats totalMessages', stats.metrics.totalMessages, truth.messages, false],
		['stats totalTokensConsumed', stats.metrics.totalTokensConsumed, truth.tokens, false],
		['stats totalCostUsd', stats.metrics.totalCostUsd, truth.cost, true],
		['stats totalSessions', stats.counts.totalSessions, N, false],
		['metrics totalMessages', metrics.aggregate.totalMessages, truth.messages, false],
		['metrics totalSessions', metrics.aggregate.totalSessions, N, false],
		['metrics totalTokens', metrics.aggregate.totalTokens, truth.tokens, false],
	]
	for (const [name, got, want, approx] of checks)
		if (approx ? !close(got, want) : got !== want)
			throw new Error(`${name}: the API says ${got}, the rows ${want}`)
	console.log(
		`checked: the API's totals equal the rows' (${truth.messages} messages, ${truth.tokens} tokens, $${truth.cost.toFixed(4)})`,
	)
}

type WrkResult = {
	rps: number
	requests: number
	p50: number
	p99: number
	non2xx: number
	timeouts: number
	/** Krawall's CPU (all threads) per request. */
	cpuMs?: number
}

const toMs = (v: string, unit: string) =>
	Number(v) * ({ us: 0.001, ms: 1, s: 1000, m: 60_000 } as Record<string, number>)[unit]!

function parseWrk(out: string): WrkResult {
	const rps = /Requests\/sec:\s+([\d.]+)/.exec(out)
	const lat = (p: string) => {
		const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(out)
		if (!m) throw new Error(`no ${p}% latency in wrk's output:\n${out}`)
		return toMs(m[1]!, m[2]!)
	}
	if (!rps) throw new Error(`no Requests/sec in wrk's output:\n${out}`)
	const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out)
	const [connect, read, write, timeouts] = errors ? errors.slice(1).map(Number) : [0, 0, 0, 0]
	if (connect! + read! + write!)
		throw new Error(
			`wrk saw socket errors (connect ${connect}, read ${read}, write ${write}):\n${out}`,
		)
	return {
		rps: Number(rps[1]),
		requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN),
		p50: lat('50'),
		p99: lat('99'),
		non2xx: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0),
		timeouts: timeouts!,
	}
}

/**
 * wrk's own timeout (2 s) would drop the slowest requests from its latencies; 30 s keeps them.
 * Each run starts on an idle Krawall (`settle`).
 */
async function wrk(url: string, seconds: number) {
	const args = ['-t2', '-c10', `-d${seconds}s`, '--timeout', '30s', '--latency', url]
	const proc = Bun.spawn(['wrk', ...args], {
		stdout: 'pipe',
		stderr: 'pipe',
	})
	const [out, err, code] = await Promise.all([
		new Response(proc.stdout).text(),
		new Response(proc.stderr).text(),
		proc.exited,
	])
	if (code !== 0) throw new Error(`wrk exited ${code}: ${err}`)
	const r = parseWrk(out)
	if (r.non2xx) throw new Error(`${url}: ${r.non2xx} non-2xx responses:\n${out}`)
	return r
}

/**
 * Waits until Krawall has finished the requests wrk left in flight (its CPU still for 200 ms and
 * no statement active on the database), so one run's backlog does not land in the next's.
 */
async function settle(pid: number) {
	let last = await cpuMsOf(pid)
	for (let i = 0; i < 1500; i++) {
		await Bun.sleep(200)
		const cpu = await cpuMsOf(pid)
		const [{ n }] = admin
			? ((await admin`select count(*)::int as n from pg_stat_activity
				where datname = ${dbName} and state = 'active'`) as unknown as [{ n: number }])
			: [{ n: 0 }]
		if (cpu - last <= 10 && n === 0) return
		last = cpu
	}
	throw new Error('krawall did not settle within 300 s')
}

type PlanRow = {
	endpoint: string
	statements: number
	executionMs: number
	planningMs: number
	slowestMs: number
	slowestTop: string
	slowestScans: string
	slowestQuery: string
	handlerMs: number
	changedMs: number
	offending: number
}

/** Each endpoint served in this process: its reads captured and EXPLAIN ANALYZEd. */
async function plans(d: Deps, app: ReturnType<typeof createApp>): Promise<PlanRow[]> {
	const out: PlanRow[] = []
	for (const path of ENDPOINTS) {
		// Warm, then the handler's own time (database and rendering, no HTTP), median of 5.
		const times: number[] = []
		for (let i = 0; i < 6; i++) {
			const t = performance.now()
			const res = await call(app, 'GET', path)
			if (res.status !== 200) throw new Error(`${path}: ${res.status} in process`)
			if (i) times.push(performance.now() - t)
		}
		// One session row rewritten (a new row version, as when a session ends or its counters move):
		// what the endpoint kept is recomputed (src/db/versioned.ts). Its time after such a change,
		// median of 5, then every statement it sends then, EXPLAINed.
		const bump = () =>
			d.database.rows(
				sql`update sessions set error = error where id = (select id from sessions order by id limit 1)`,
			)
		const changed: number[] = []
		for (let i = 0; i < 5; i++) {
			await bump()
			const t = performance.now()
			await call(app, 'GET', path)
			changed.push(performance.now() - t)
		}
		await bump()
		const { reads } = await captureReads(d.database, () => call(app, 'GET', path))
		let executionMs = 0
		let planningMs = 0
		let offending = 0
		let slowest: { ms: number; top: string; scans: string; query: string } | undefined
		for (const s of reads) {
			const p = await explain(d.database, s, { analyze: true })
			executionMs += p.executionMs ?? 0
			planningMs += p.planningMs ?? 0
			if (p.nodes.some(touchesMessagesOutsideOneSession)) offending++
			if (!slowest || (p.executionMs ?? 0) > slowest.ms) {
				const name = (n: Record<string, unknown>) =>
					`${n['Node Type']}${n['Relation Name'] ? ` on ${n['Relation Name']}` : ''}`
				const scans = [
					...new Set(p.nodes.filter((n) => n['Relation Name']).map((n) => name(n))),
				].join(', ')
				slowest = {
					ms: p.executionMs ?? 0,
					top: `${name(p.root)} (${Number(p.root['Actual Total Time'] ?? 0).toFixed(1)} ms, ${p.root['Actual Rows']} rows)`,
					scans,
					query: s.query.replace(/\s+/g, ' ').slice(0, 140),
				}
			}
		}
		out.push({
			endpoint: path,
			statements: reads.length,
			executionMs,
			planningMs,
			slowestMs: slowest?.ms ?? 0,
			slowestTop: slowest?.top ?? '',
			slowestScans: slowest?.scans ?? '',
			slowestQuery: slowest?.query ?? '',
			handlerMs: median(times),
			changedMs: median(changed),
			offending,
		})
	}
	return out
}

const range = (xs: number[], digits: number) =>
	`${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`

function table(header: string[], rows: (string | number)[][]) {
	const cells = [header, ...rows.map((r) => r.map(String))]
	const w = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)))
	const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(w[i]!)).join(' | ')} |`
	return [
		line(header),
		`| ${w.map((n) => '-'.repeat(n)).join(' | ')} |`,
		...rows.map((r) => line(r.map(String))),
	].join('\n')
}

const uptime = async () => (await Bun.file('/proc/loadavg').text()).split(' ').slice(0, 3).join(' ')

try {
	const load0 = await uptime()
	const tStart = performance.now()
	console.log(
		`dashboards on ${kind}: ${N} sessions × ${M} messages = ${N * M}, wrk ${SECONDS} s × ${ROUNDS} rounds; load ${load0}`,
	)
	const kept =
		keep && (await admin!.unsafe(`select 1 from pg_database where datname = '${keep}'`)).length > 0
	if (dbUrl) {
		if (!kept) await admin!.unsafe(`create database ${dbName}`)
		created = !keep
		database = openPostgres(dbUrl, { max: 4 })
	} else database = await openDatabase({ dataDir: join(dataDir, 'data') })
	await migrate(database)
	const reused =
		kept &&
		Number(
			((await database.rows(sql`select count(*)::int as n from sessions`)) as { n: number }[])[0]
				?.n,
		) === N
	if (kept && !reused) throw new Error(`${keep} exists with another number of sessions: drop it`)
	const truth = reused ? await truthOf(database) : await seed(database)
	if (reused) console.log(`reused ${keep}: ${truth.messages} messages`)
	// PGlite: one process per data folder; Krawall opens it next.
	await database.close()
	database = undefined

	const env: Record<string, string> = {
		PATH: process.env.PATH ?? '',
		PORT: '0',
		HOST: '127.0.0.1',
		// info: startKrawall waits for the 'listening' line.
		LOG_LEVEL: 'info',
		KRAWALL_ENCRYPTION_KEY: key,
		KRAWALL_DATA_DIR: join(dataDir, 'data'),
		...(dbUrl ? { DATABASE_URL: dbUrl } : {}),
	}
	// BENCH_BEFORE=<checkout> (Postgres): the same endpoints on that tree's Krawall too, on the
	// same database, interleaved with this tree's in every round (one process loaded at a time).
	const trees = [
		{ name: 'this tree', main: MAIN },
		...(before && dbUrl ? [{ name: 'before', main: join(before, 'src/main.ts') }] : []),
	]
	const procs = new Map<string, Krawall>()
	for (const t of trees) {
		const k = await startKrawall(['bun', t.main], env)
		procs.set(t.name, k)
		extra.push(k)
		console.log(`krawall (${t.name}) started in ${k.startMs.toFixed(0)} ms at ${k.url}`)
		await checkTotals(k, truth)
		// Warm-up: JIT, connections, caches.
		for (const path of ENDPOINTS) {
			await settle(k.proc.pid)
			await wrk(`${k.url}${path}`, 1)
		}
	}
	krawall = procs.get('this tree')!
	const runs = trees.flatMap((t) => ENDPOINTS.map((path) => ({ tree: t.name, path })))
	const results = new Map<string, WrkResult[]>(runs.map((r) => [`${r.tree} ${r.path}`, []]))
	for (let round = 0; round < ROUNDS; round++) {
		const order = runs.map((_, i) => runs[(i + round) % runs.length]!)
		for (const { tree, path } of order) {
			const k = procs.get(tree)!
			await settle(k.proc.pid)
			const cpu0 = await cpuMsOf(k.proc.pid)
			const r = await wrk(`${k.url}${path}`, SECONDS)
			r.cpuMs = ((await cpuMsOf(k.proc.pid)) - cpu0) / r.requests
			results.get(`${tree} ${path}`)!.push(r)
			console.log(
				`round ${round + 1} ${tree} ${path}: ${r.rps.toFixed(1)} req/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, CPU ${r.cpuMs.toFixed(1)} ms/request${r.timeouts ? `, ${r.timeouts} timeouts` : ''}`,
			)
		}
	}
	const rss = await rssOf(krawall.proc.pid, 'VmRSS')
	const hwm = await rssOf(krawall.proc.pid, 'VmHWM')
	for (const k of procs.values()) await stopKrawall(k)
	krawall = undefined
	extra.length = 0

	deps = await createDeps(
		loadConfig({
			KRAWALL_DATA_DIR: join(dataDir, 'data'),
			LOG_LEVEL: 'warn',
			DATABASE_URL: dbUrl,
			KRAWALL_ENCRYPTION_KEY: key,
		}),
		// Postgres: the same database; PGlite: the data folder Krawall had (opened and migrated).
		{ log: createLogger('warn'), ...(dbUrl ? { database: openPostgres(dbUrl, { max: 5 }) } : {}) },
	)
	const planRows = await plans(deps, createApp(deps))
	const load1 = await uptime()

	console.log(
		`\n${kind}: ${N} sessions × ${M} messages = ${truth.messages} messages; wrk -t2 -c10 -d${SECONDS}s --timeout 30s, ${ROUNDS} rounds; medians (min–max)`,
	)
	console.log(
		table(
			[
				'endpoint',
				'requests/s',
				'p50 ms',
				'p99 ms',
				'Krawall CPU ms/request',
				'non-2xx',
				'timeouts',
				`p99 ≤ ${GOAL_P99_MS} ms`,
			],
			runs.map(({ tree, path: e }) => {
				const rs = results.get(`${tree} ${e}`)!
				const p99 = median(rs.map((r) => r.p99))
				const col = (f: (r: WrkResult) => number) => range(rs.map(f), 1)
				return [
					`\`${e}\`${trees.length > 1 ? ` (${tree})` : ''}`,
					col((r) => r.rps),
					col((r) => r.p50),
					col((r) => r.p99),
					col((r) => r.cpuMs!),
					rs.reduce((a, r) => a + r.non2xx, 0),
					rs.reduce((a, r) => a + r.timeouts, 0),
					p99 <= GOAL_P99_MS ? 'met' : 'not met',
				]
			}),
		),
	)
	console.log(`\nkrawall RSS after the runs: ${rss.toFixed(0)} MB (peak ${hwm.toFixed(0)} MB)`)
	console.log('\nplans (explain analyze, in process, same database, after the runs)')
	console.log(
		table(
			[
				'endpoint',
				'reads',
				'execution ms',
				'planning ms',
				'handler ms',
				'handler ms after a change',
				'slowest read: top node',
				'reads session_messages outside one session',
			],
			planRows.map((p) => [
				`\`${p.endpoint}\``,
				p.statements,
				p.executionMs.toFixed(1),
				p.planningMs.toFixed(1),
				p.handlerMs.toFixed(1),
				p.changedMs.toFixed(1),
				p.slowestTop,
				p.offending ? `yes (${p.offending})` : 'no',
			]),
		),
	)
	for (const p of planRows)
		console.log(
			`\n${p.endpoint} slowest read (${p.slowestMs.toFixed(1)} ms; ${p.slowestScans}):\n  ${p.slowestQuery}`,
		)
	const p99Met = ENDPOINTS.every(
		(e) => median(results.get(`this tree ${e}`)!.map((r) => r.p99)) <= GOAL_P99_MS,
	)
	const plansMet = planRows.every((p) => !p.offending)
	console.log(
		`\ngoal (issue 13): p99 ≤ ${GOAL_P99_MS} ms at 1M messages: ${p99Met ? 'met' : 'not met'}` +
			`${truth.messages < 1_000_000 ? ` (at ${truth.messages} messages)` : ''}; ` +
			`no plan reads session_messages except for one session: ${plansMet ? 'met' : 'not met'}`,
	)
	console.log(`load average ${load0} → ${load1}; ${sec(tStart)} s`)
} catch (e) {
	console.error(e)
	if (krawall) console.error(krawall.stderr().slice(-2000))
	process.exitCode = 1
} finally {
	await cleanup()
}
