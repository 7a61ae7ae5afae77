/**
 * One Krawall (`bun src/main.ts` of a checkout, its own process) running one hot-path scenario
 * of bench/hotpath.ts (zero-latency OpenAI preset, 4 messages per conversation, 10 in flight per
 * session), with its CPU per message split by thread (/proc/<pid>/task: the main thread `bun`,
 * PGlite's `Worker`, JSC's `JITWorker`, the wasm compiler's `…t Helper Thread`, the GC's), and
 * optionally under `bun --cpu-prof` (read the profile with bench/cpuprofile.ts). Checks the mock
 * served exactly the planned messages and the sessions recorded as many.
 *
 *   bun bench/hotpath-threads.ts [root=.] [pglite|postgres] [sessions=10] [conversations=400] [profileDir]
 *   DATABASE_URL=postgres://… bun bench/hotpath-threads.ts . postgres 10 600 /tmp/prof
 *
 * On Postgres a database of its own, dropped at the end; EXTRA_ENV=K=V,K2=V2 adds to Krawall's env.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { startMockServer } from '../src/mock/server'
import {
	api,
	cpuMsOf,
	createMockTarget,
	KEY,
	krawallEnv,
	startKrawall,
	stopKrawall,
} from './krawall-process'

const [root = join(import.meta.dir, '..'), kind = 'pglite', nSessions = '10', nConv = '400', prof] =
	process.argv.slice(2)
const MESSAGES = ['Hello there', 'Tell me more about that', 'And what else?', 'Thanks, bye']
const dir = mkdtempSync(join(tmpdir(), 'krawall-bench-threads-'))
const env = krawallEnv(dir)
for (const kv of (process.env.EXTRA_ENV ?? '').split(',').filter(Boolean)) {
	const i = kv.indexOf('=')
	env[kv.slice(0, i)] = kv.slice(i + 1)
}
const admin =
	kind === 'postgres'
		? postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} })
		: undefined
const db = `krawall_bench_threads_${process.pid}`
if (admin) {
	await admin.unsafe(`create database ${db}`)
	const u = new URL(process.env.DATABASE_URL!)
	u.pathname = `/${db}`
	env.DATABASE_URL = u.toString()
	env.KRAWALL_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64')
}

/** CPU ms per thread (utime + stime, 10 ms ticks), by thread id. */
async function threads(pid: number) {
	const m = new Map<string, { name: string; ms: number }>()
	for (const t of readdirSync(`/proc/${pid}/task`)) {
		const st = await Bun.file(`/proc/${pid}/task/${t}/stat`)
			.text()
			.catch(() => '')
		if (!st) continue
		const name = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')'))
		const f = st.slice(st.lastIndexOf(') ') + 2).split(' ')
		m.set(t, { name, ms: (Number(f[11]) + Number(f[12])) * 10 })
	}
	return m
}

const mock = await startMockServer({ port: 0, apiKey: KEY, grpcPort: false })
const cmd = [
	'bun',
	...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []),
	join(root, 'src/main.ts'),
]
const k = await startKrawall(cmd, env, root)
try {
	await Bun.sleep(1000) // start-up recovery (bench/hotpath.ts)
	const targetId = await createMockTarget(k, mock, '/v1/chat/completions', 'bench mock')
	const run = async (n: number, reps: number) => {
		const ids: string[] = []
		for (let i = 0; i < n; i++) {
			const r = await api(k, 'POST', '/api/execute', {
				targetId,
				executionConfig: { customMessages: MESSAGES, repetitions: reps, concurrency: 10 },
			})
			ids.push(r.data.sessionId)
		}
		let recorded = 0
		for (const id of ids)
			for (;;) {
				const s = (await api(k, 'GET', `/api/sessions/${id}`)).data
				if (s.status === 'COMPLETED') {
					recorded += s.progress.messagesCompleted
					break
				}
				if (s.status === 'FAILED' || s.status === 'CANCELLED') throw new Error(`${id}: ${s.error}`)
				await Bun.sleep(50)
			}
		return recorded
	}
	await run(2, 20) // warm-up
	const [th0, cpu0, served0, t0] = [
		await threads(k.proc.pid),
		await cpuMsOf(k.proc.pid),
		mock.stats.requests,
		performance.now(),
	]
	const recorded = await run(Number(nSessions), Number(nConv))
	const seconds = (performance.now() - t0) / 1000
	const cpuMs = (await cpuMsOf(k.proc.pid)) - cpu0
	const th1 = await threads(k.proc.pid)
	const planned = Number(nSessions) * Number(nConv) * MESSAGES.length
	const served = mock.stats.requests - served0
	if (served !== planned || recorded !== planned)
		throw new Error(`planned ${planned}, mock served ${served}, recorded ${recorded}`)
	const perThread: Record<string, number> = {}
	for (const [tid, v] of th1) {
		const us = ((v.ms - (th0.get(tid)?.ms ?? 0)) * 1000) / planned
		perThread[v.name] = Math.round((perThread[v.name] ?? 0) + us)
	}
	console.log(
		JSON.stringify({
			kind,
			messages: planned,
			msgPerSec: Math.round(planned / seconds),
			cpuUsPerMsg: Math.round((cpuMs * 1000) / planned),
			perThread: Object.fromEntries(Object.entries(perThread).filter(([, v]) => v > 0)),
		}),
	)
} finally {
	await stopKrawall(k)
	mock.stop?.()
	rmSync(dir, { recursive: true, force: true })
	if (admin) {
		await admin.unsafe(`drop database if exists ${db} with (force)`)
		await admin.end()
	}
}
process.exit(0)
