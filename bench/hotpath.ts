/**
 * The engine's CPU per message on the hot path (issue 13), this checkout beside another one (the
 * code before a change), side by side in one run: each round starts a whole Krawall (`bun
 * src/main.ts`, its own process) from each checkout in turn, on PGlite and (with DATABASE_URL)
 * Postgres, and runs sessions of 10 conversations × 4 messages at zero latency against the mock,
 * which runs in this process and counts every request. Long sessions (many conversations each),
 * so what is measured is the per-message path, not session start and end (bench/engine.ts has
 * the many-small-sessions figures).
 *
 *   BEFORE=/path/to/other/checkout bun bench/hotpath.ts [rounds=3] [scale=1]
 *   BEFORE=… DATABASE_URL=postgres://… bun bench/hotpath.ts   # PGlite and Postgres
 *
 * Scenarios: c10 (one session, 10 conversations in flight) and c100 (10 sessions). Per run:
 * messages/s and Krawall's CPU per message (utime + stime of its process, all threads, over the
 * measured sessions). Every run checks the mock served exactly the planned messages and the
 * sessions recorded exactly as many. The order of the checkouts alternates each round; the table
 * has medians and ratios (this checkout ÷ BEFORE). A fresh data folder and, on Postgres, a fresh
 * database per run, dropped at the end, on failure and on Ctrl-C.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startMockServer, type MockServer } from '../src/mock/server'
import {
	api,
	benchScratch,
	cpuMsOf,
	createMockTarget,
	KEY,
	krawallEnv,
	rssOf,
	startKrawall,
	stopKrawall,
	type Krawall,
} from './krawall-process'

const AFTER = join(import.meta.dir, '..')
const BEFORE = process.env.BEFORE
const MESSAGES = ['Hello there', 'Tell me more about that', 'And what else?', 'Thanks, bye']

type Scenario = { name: string; sessions: number; reps: number }
/** `peakMb`: the process's VmHWM at the end of the run (its RSS high-water mark). */
type Sample = { rate: number; cpuUs: number; peakMb: number }

const median = (xs: number[]) => {
	const s = [...xs].sort((a, b) => a - b)
	return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

/** Starts Krawall from `root`; waits out its start-up recovery too (below). */
async function start(root: string, env: Record<string, string>) {
	const k = await startKrawall(['bun', join(root, 'src/main.ts')], env, root)
	// Start-up recovery (src/worker.ts) runs after the worker takes jobs, not before: a session
	// claimed before it ends is failed "worker lost" (seen once on a loaded machine). Wait it out.
	await Bun.sleep(1000)
	return k
}

const data = async (k: Krawall, method: string, path: string, body?: unknown) =>
	(await api(k, method, path, body)).data

/** Runs `sessions` sessions at once; the messages their counters recorded. */
async function sessions(k: Krawall, targetId: string, n: number, reps: number) {
	const ids: string[] = []
	for (let i = 0; i < n; i++)
		ids.push(
			(
				await data(k, 'POST', '/api/execute', {
					targetId,
					executionConfig: { customMessages: MESSAGES, repetitions: reps, concurrency: 10 },
				})
			).sessionId,
		)
	const pending = new Set(ids)
	let recorded = 0
	while (pending.size) {
		for (const id of [...pending]) {
			const s = await data(k, 'GET', `/api/sessions/${id}`)
			if (!['COMPLETED', 'FAILED', 'CANCELLED'].includes(s.status)) continue
			if (s.status !== 'COMPLETED') throw new Error(`session ${id} ${s.status}: ${s.error}`)
			recorded += s.progress.messagesCompleted
			pending.delete(id)
		}
		await Bun.sleep(50)
	}
	return recorded
}

async function run(
	root: string,
	env: Record<string, string>,
	mock: MockServer,
	s: Scenario,
): Promise<Sample> {
	const k = await start(root, env)
	try {
		const targetId = await createMockTarget(k, mock, '/v1/chat/completions', 'bench mock')
		await sessions(k, targetId, 2, 20) // warm-up: JIT, connections, worker
		const served0 = mock.stats.requests
		const cpu0 = await cpuMsOf(k.proc.pid)
		const t0 = performance.now()
		const recorded = await sessions(k, targetId, s.sessions, s.reps)
		const seconds = (performance.now() - t0) / 1000
		const cpuMs = (await cpuMsOf(k.proc.pid)) - cpu0
		const planned = s.sessions * s.reps * MESSAGES.length
		const served = mock.stats.requests - served0
		if (served !== planned || recorded !== planned)
			throw new Error(`${s.name}: planned ${planned}, mock served ${served}, recorded ${recorded}`)
		return {
			rate: planned / seconds,
			cpuUs: (cpuMs * 1000) / planned,
			peakMb: await rssOf(k.proc.pid, 'VmHWM'),
		}
	} finally {
		await stopKrawall(k)
	}
}

async function main() {
	if (!BEFORE) throw new Error('BEFORE=<other checkout> is required')
	const rounds = Number(process.argv[2] ?? 3)
	const scale = Number(process.argv[3] ?? 1)
	const scenarios: Scenario[] = [
		{ name: 'c10', sessions: 1, reps: Math.max(1, Math.round(1000 * scale)) },
		{ name: 'c100', sessions: 10, reps: Math.max(1, Math.round(300 * scale)) },
	]
	const pgUrl = process.env.DATABASE_URL || undefined
	const kinds = pgUrl ? (['pglite', 'postgres'] as const) : (['pglite'] as const)
	const { admin, created, dirs, cleanup } = benchScratch(pgUrl)
	const mock = await startMockServer({ port: 0, apiKey: KEY, grpcPort: false })
	const results = new Map<string, Sample[]>()
	const checkouts = [
		['before', BEFORE],
		['after', AFTER],
	] as const
	try {
		for (let r = 0; r < rounds; r++) {
			const order = r % 2 ? [...checkouts].reverse() : checkouts
			for (const kind of kinds)
				for (const s of scenarios)
					for (const [side, root] of order) {
						const dir = mkdtempSync(join(tmpdir(), 'krawall-bench-hotpath-'))
						dirs.push(dir)
						const env = krawallEnv(dir)
						if (kind === 'postgres') {
							const db = `krawall_bench_hotpath_${process.pid}_${created.length}`
							await admin!.unsafe(`create database ${db}`)
							created.push(db)
							const u = new URL(pgUrl!)
							u.pathname = `/${db}`
							env.DATABASE_URL = u.toString()
							env.KRAWALL_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64')
						}
						const sample = await run(root, env, mock, s)
						const key = `${kind} ${s.name} ${side}`
						results.set(key, [...(results.get(key) ?? []), sample])
						console.error(
							`round ${r + 1} ${key}: ${sample.rate.toFixed(0)} msg/s, ${sample.cpuUs.toFixed(0)} µs CPU/msg, peak ${sample.peakMb.toFixed(0)} MB`,
						)
						await cleanup()
					}
		}
	} finally {
		await cleanup()
		await admin?.end()
		mock.stop?.()
	}
	const rows = [
		'| database, scenario | msg/s before | msg/s after | ratio | CPU µs/msg before | CPU µs/msg after | ratio | peak MB before | peak MB after |',
		'|---|---|---|---|---|---|---|---|---|',
	]
	for (const kind of kinds)
		for (const s of scenarios) {
			const b = results.get(`${kind} ${s.name} before`)!
			const a = results.get(`${kind} ${s.name} after`)!
			const [rb, ra] = [median(b.map((x) => x.rate)), median(a.map((x) => x.rate))]
			const [cb, ca] = [median(b.map((x) => x.cpuUs)), median(a.map((x) => x.cpuUs))]
			const [pb, pa] = [median(b.map((x) => x.peakMb)), median(a.map((x) => x.peakMb))]
			rows.push(
				`| ${kind}, ${s.name} | ${rb.toFixed(0)} | ${ra.toFixed(0)} | ${(ra / rb).toFixed(2)} | ${cb.toFixed(0)} | ${ca.toFixed(0)} | ${(ca / cb).toFixed(2)} | ${pb.toFixed(0)} | ${pa.toFixed(0)} |`,
			)
		}
	console.log(rows.join('\n'))
	console.log(
		`\n${rounds} rounds, medians; ${scenarios.map((s) => `${s.name}: ${s.sessions} session(s) × ${s.reps} conversations × 4 messages`).join('; ')}`,
	)
}

await main()
process.exit(0)
