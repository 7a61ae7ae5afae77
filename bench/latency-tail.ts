/**
 * The recorded latency tail at c10, zero latency (issue 13, "recorded latency"): one Krawall
 * process per checkout (`bun src/main.ts`, bench/krawall-process.ts), the zero-latency mock in
 * this process, and per round one session per checkout (interleaved, order alternating) of
 * `conversations` conversations at concurrency 10 (4 messages each). Reads the recorded response
 * times back from the API (checked: one per message the mock served) and prints p50/p99/p99.9/max
 * with the event-loop stalls of the Krawall process during the session (bench/lag-probe.ts: gaps
 * of a 1 ms timer over 1 ms late: count, > 5 ms, sum, max) and the session's own health lag.
 *
 *   bun bench/latency-tail.ts [rounds=5] [conversations=400] [pglite|postgres] [before=/path]
 *   DATABASE_URL=postgres://… bun bench/latency-tail.ts 5 400 postgres /tmp/before
 *
 * On Postgres one database per checkout, dropped at the end (also on failure).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { startMockServer } from '../src/mock/server'
import {
	api,
	createMockTarget,
	KEY,
	krawallEnv,
	median,
	pct,
	startKrawall,
	stopKrawall,
	type Krawall,
} from './krawall-process'

const [rounds = '5', nConv = '400', kind = 'pglite', before] = process.argv.slice(2)
const MESSAGES = ['Hello there', 'Tell me more about that', 'And what else?', 'Thanks, bye']
const PROBE = join(import.meta.dir, 'lag-probe.ts')
const sides = [
	...(before ? [{ name: 'before', root: before }] : []),
	{ name: before ? 'after' : 'this', root: join(import.meta.dir, '..') },
]
const admin =
	kind === 'postgres'
		? postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} })
		: undefined
const dirs: string[] = []
const dbs: string[] = []
const procs: { name: string; k: Krawall; targetId: string; probe: string }[] = []
const mock = await startMockServer({ port: 0, apiKey: KEY, grpcPort: false })

type Row = {
	rate: number
	p50: number
	p99: number
	p999: number
	max: number
	stalls: number
	over5: number
	stallMs: number
	stallMax: number
	healthLagP99: number
	over5Cpu: number
	over5Wait: number
}
const results = new Map<string, Row[]>()

async function session(p: (typeof procs)[number]): Promise<Row> {
	process.kill(p.k.proc.pid, 'SIGUSR2') // reset the probe
	await Bun.sleep(50)
	const served0 = mock.stats.requests
	const t0 = performance.now()
	const r = await api(p.k, 'POST', '/api/execute', {
		targetId: p.targetId,
		executionConfig: { customMessages: MESSAGES, repetitions: Number(nConv), concurrency: 10 },
	})
	const id = r.data.sessionId as string
	let s: any
	for (;;) {
		s = (await api(p.k, 'GET', `/api/sessions/${id}`)).data
		if (s.status === 'COMPLETED') break
		if (s.status === 'FAILED' || s.status === 'CANCELLED') throw new Error(`${id}: ${s.error}`)
		await Bun.sleep(50)
	}
	const seconds = (performance.now() - t0) / 1000
	process.kill(p.k.proc.pid, 'SIGUSR2')
	await Bun.sleep(50)
	const probed = JSON.parse(readFileSync(p.probe, 'utf8')) as [number, number, number][]
	const gaps = probed.map((g) => g[0])
	// The stalls over 5 ms: how much of them the main thread spent on the CPU vs waiting for one.
	const big = probed.filter((g) => g[0] > 5)
	const bigCpu = Math.round(big.reduce((a, g) => a + g[1], 0))
	const bigWait = Math.round(big.reduce((a, g) => a + g[2], 0))
	const planned = Number(nConv) * MESSAGES.length
	const served = mock.stats.requests - served0
	const times: number[] = []
	for (let offset = 0; ; offset += 1000) {
		const page = (await api(p.k, 'GET', `/api/sessions/${id}/messages?limit=1000&offset=${offset}`))
			.data as { responseTimeMs: number | null }[]
		for (const m of page) if (typeof m.responseTimeMs === 'number') times.push(m.responseTimeMs)
		if (page.length < 1000) break
	}
	if (served !== planned || times.length !== planned)
		throw new Error(`planned ${planned}, mock served ${served}, recorded ${times.length}`)
	times.sort((a, b) => a - b)
	const done = (await api(p.k, 'GET', `/api/sessions/${id}`)).data
	const health = done.loadGenerator ?? done.summaryMetrics?.loadGenerator
	return {
		rate: Math.round(planned / seconds),
		p50: pct(times, 0.5),
		p99: pct(times, 0.99),
		p999: pct(times, 0.999),
		max: times.at(-1)!,
		stalls: gaps.length,
		over5: gaps.filter((g) => g > 5).length,
		stallMs: Math.round(gaps.reduce((a, b) => a + b, 0)),
		stallMax: Math.max(0, ...gaps),
		healthLagP99: health?.eventLoopLagMs?.p99 ?? NaN,
		over5Cpu: bigCpu,
		over5Wait: bigWait,
	}
}

try {
	for (const side of sides) {
		const dir = mkdtempSync(join(tmpdir(), `krawall-tail-${side.name}-`))
		dirs.push(dir)
		const probe = join(dir, 'lag.json')
		const env = krawallEnv(dir, { LAG_PROBE_FILE: probe })
		if (admin) {
			const db = `krawall_tail_${side.name}_${process.pid}`
			await admin.unsafe(`create database ${db}`)
			dbs.push(db)
			const u = new URL(process.env.DATABASE_URL!)
			u.pathname = `/${db}`
			env.DATABASE_URL = u.toString()
			env.KRAWALL_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64')
		}
		const k = await startKrawall(
			['bun', '--preload', PROBE, join(side.root, 'src/main.ts')],
			env,
			side.root,
		)
		await Bun.sleep(1000)
		const targetId = await createMockTarget(k, mock, '/v1/chat/completions', 'bench mock')
		procs.push({ name: side.name, k, targetId, probe })
	}
	for (const p of procs) await session(p) // warm-up
	for (let r = 0; r < Number(rounds); r++) {
		const order = r % 2 ? [...procs].reverse() : procs
		for (const p of order) {
			const row = await session(p)
			if (!results.has(p.name)) results.set(p.name, [])
			results.get(p.name)!.push(row)
			console.error(`round ${r + 1} ${p.name} ${JSON.stringify(row)}`)
		}
	}
	console.log(`${kind}, ${rounds} rounds, ${nConv} conversations × 4 at c10, medians (min–max)`)
	const keys = [
		'rate',
		'p50',
		'p99',
		'p999',
		'max',
		'stalls',
		'over5',
		'stallMs',
		'stallMax',
		'over5Cpu',
		'over5Wait',
		'healthLagP99',
	] as const
	console.log(`| side | ${keys.join(' | ')} |`)
	for (const [name, rows] of results) {
		const cells = keys.map((key) => {
			const xs = rows.map((x) => x[key])
			return `${median(xs)} (${Math.min(...xs)}–${Math.max(...xs)})`
		})
		console.log(`| ${name} | ${cells.join(' | ')} |`)
	}
} finally {
	for (const p of procs) await stopKrawall(p.k)
	mock.stop?.()
	for (const d of dirs) rmSync(d, { recursive: true, force: true })
	if (admin) {
		for (const db of dbs) await admin.unsafe(`drop database if exists ${db} with (force)`)
		await admin.end()
	}
}
process.exit(0)
