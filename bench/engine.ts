/**
 * The engine next to the bare loop (issue 13, "What it must show"), in one go: a whole Krawall
 * (`bun src/main.ts` as its own process: API, queue, worker, engine, recorder, database) runs
 * sessions against the mock, and a bare Bun fetch loop (its own child process, the same
 * conversations: 4 messages, the history resent each turn) sends the same exchanges to the same
 * mock, which runs in this process and counts every request. Rounds interleave every scenario
 * and both sides (the order rotated each round); the table has medians and min–max.
 *
 *   bun bench/engine.ts [rounds=3] [scale=1]
 *   DATABASE_URL=postgres://… bun bench/engine.ts   # PGlite and Postgres (REDIS_URL: BullMQ too)
 *
 * Scenarios (a session runs at most 10 conversations at once, so c100 is 10 sessions and 1000 in
 * flight is 100 sessions, with KRAWALL_WORKER_CONCURRENCY=100):
 * - c10 and c100 at zero latency, long enough for the steady state, and c100 in short sessions:
 *   messages/s (Krawall's from the first POST /api/execute — the sessions POSTed at once — to the
 *   last `completedAt` it recorded, and "while sending": first `sentAt` to last `receivedAt`),
 *   Krawall's CPU per message, and each session's fixed costs: its POST and its end (last reply
 *   received to `completedAt`: the recorder's last write, the summary);
 * - 1000 in flight against `slow:50`: messages/s as a fraction of the ideal (1000 / 50 ms);
 * - recorded p50/p99 response time (from the session's messages) vs the bare loop's own;
 * - RSS of the Krawall process: idle after start, at 1000 in flight (sampled), peak (VmHWM);
 *   and idle RSS of the compiled binary (dist/krawall, `bun run build`), when it is built;
 * - cold start: `bun src/main.ts` (and dist/krawall if built) until /api/health answers, on an
 *   empty data folder (the embedded snapshot, src/db/snapshot.ts) and on an existing one; and
 *   opening an empty PGlite folder in a fresh process by initdb vs by the snapshot.
 * Then, unless BENCH_ENGINE_ONLY=1, the export's extra memory (bench/export-memory.ts) and the
 * dashboards under wrk with 1M seeded messages and their plans (bench/dashboards.ts), each in its
 * own child process, their output passed through.
 * Postgres databases this creates are dropped at the end, on failure and on Ctrl-C; so are the
 * Redis keys of its BullMQ runs (their own prefix each).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { startMockServer, type MockServer } from '../src/mock/server'
import {
	api,
	cpuMsOf,
	createMockTarget,
	KEY,
	median,
	pct,
	rssOf,
	startKrawall,
	stopKrawall,
	type Krawall,
} from './krawall-process'

const root = join(import.meta.dir, '..')
const MAIN = join(root, 'src/main.ts')
const MESSAGES = ['Hello there', 'Tell me more about that', 'And what else?', 'Thanks, bye']

type Scenario = {
	name: string
	/** Conversations in flight: sessions × 10, or the bare loop's workers. */
	inFlight: number
	/** Conversations in all (each sends MESSAGES.length messages). */
	conversations: number
	latencyMs?: number
}
type Sample = {
	rate: number
	/** Krawall: messages / (last reply received − first message sent), from its recorded times. */
	sendingRate?: number
	cpuUs?: number
	p50: number
	p99: number
	rssMb?: number
	/** Krawall: the median POST /api/execute (sessions POSTed at once), ms. */
	postMs?: number
	/** Krawall: the median session end, from its last reply received to its `completedAt`, ms. */
	endMs?: number
	/** Krawall: the share of sessions whose summary marked their latencies suspect (lag or CPU). */
	suspectShare?: number
}

const pathOf = (s: Scenario) =>
	`${s.latencyMs ? `/persona/slow:${s.latencyMs}` : ''}/v1/chat/completions`

/** The bare loop: `inFlight` workers, each running whole conversations with plain fetch. */
async function bareChild(job: { scenario: Scenario; url: string }) {
	const { scenario, url } = job
	const target = `${url}${pathOf(scenario)}`
	const headers = { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }
	const latencies: number[] = []
	const conversation = async () => {
		const history: { role: string; content: string }[] = []
		for (const m of MESSAGES) {
			history.push({ role: 'user', content: m })
			const body = JSON.stringify({ model: 'gpt-4o', messages: history })
			const t = performance.now()
			const res = await fetch(target, { method: 'POST', headers, body })
			const json = (await res.json()) as { choices: { message: { content: string } }[] }
			latencies.push(performance.now() - t)
			history.push({ role: 'assistant', content: json.choices[0]!.message.content })
		}
	}
	const run = async (conversations: number) => {
		let next = 0
		await Promise.all(
			Array.from({ length: scenario.inFlight }, async () => {
				while (next++ < conversations) await conversation()
			}),
		)
	}
	await run(Math.min(scenario.conversations, scenario.inFlight)) // warm-up: JIT, connections
	latencies.length = 0
	const cpu0 = process.cpuUsage()
	const t0 = performance.now()
	await run(scenario.conversations)
	const seconds = (performance.now() - t0) / 1000
	const cpu = process.cpuUsage(cpu0)
	latencies.sort((a, b) => a - b)
	const messages = scenario.conversations * MESSAGES.length
	console.log(
		JSON.stringify({
			rate: messages / seconds,
			cpuUs: (cpu.user + cpu.system) / messages,
			p50: pct(latencies, 0.5),
			p99: pct(latencies, 0.99),
		} satisfies Sample),
	)
	process.exit(0)
}

/** Opens an empty PGlite folder in a fresh process, by initdb or from the snapshot; prints ms. */
async function openChild(how: string) {
	const { openPglite } = await import('../src/db/client')
	const { extractSnapshot, loadSnapshot } = await import('../src/db/snapshot')
	const dir = mkdtempSync(join(tmpdir(), 'krawall-bench-open-'))
	const t0 = performance.now()
	if (how === 'snapshot') {
		const snapshot = await loadSnapshot()
		if (!snapshot) throw new Error('no snapshot: run bun scripts/pgdata-snapshot.ts')
		await extractSnapshot(snapshot, join(dir, 'pglite'))
	}
	const client = await openPglite({ dataDir: join(dir, 'pglite') })
	await client.query('select 1')
	console.log(JSON.stringify({ ms: performance.now() - t0 }))
	await client.close()
	rmSync(dir, { recursive: true, force: true })
	process.exit(0)
}

const createTarget = (k: Krawall, mock: MockServer, latencyMs?: number) =>
	createMockTarget(
		k,
		mock,
		pathOf({ name: '', inFlight: 0, conversations: 0, latencyMs }),
		`bench mock${latencyMs ? ` slow:${latencyMs}` : ''}`,
	)

/** Runs the scenario as sessions of 10 conversations at once; checks the mock saw every message. */
async function krawallRun(k: Krawall, mock: MockServer, s: Scenario, targetId: string) {
	const sessionsN = Math.max(1, Math.round(s.inFlight / 10))
	const reps = Math.max(1, Math.round(s.conversations / sessionsN))
	/** The sessions POSTed at once, as a client starting a load would; each POST's milliseconds. */
	const start = async (repetitions: number) => {
		const postMs: number[] = []
		const ids = await Promise.all(
			Array.from({ length: sessionsN }, async () => {
				const t = performance.now()
				const r = await api(k, 'POST', '/api/execute', {
					targetId,
					executionConfig: { customMessages: MESSAGES, repetitions, concurrency: 10 },
				})
				postMs.push(performance.now() - t)
				return r.data.sessionId as string
			}),
		)
		return { ids, postMs }
	}
	/**
	 * Polls until every session ended; each one's `completedAt` as Krawall recorded it (epoch ms).
	 * Two list reads (QUEUED, RUNNING) every 250 ms, then one read of each session that left them:
	 * polling every session every 50 ms cost the Krawall process up to 2,000 requests/s at 100
	 * sessions, CPU the run was measured with.
	 */
	/** Sessions whose summary marked their latencies suspect (the load generator's health). */
	const suspect = new Set<string>()
	const waitAll = async (ids: string[], onTick?: () => Promise<void>) => {
		const pending = new Set(ids)
		const completedAt = new Map<string, number>()
		while (pending.size) {
			const active = new Set<string>()
			for (const status of ['QUEUED', 'RUNNING']) {
				const { data } = await api(k, 'GET', `/api/sessions?status=${status}&limit=100`)
				for (const s of data as { id: string }[]) active.add(s.id)
			}
			for (const id of [...pending]) {
				if (active.has(id)) continue
				const { data } = await api(k, 'GET', `/api/sessions/${id}`)
				if (!['COMPLETED', 'FAILED', 'CANCELLED'].includes(data.status)) continue
				if (data.status !== 'COMPLETED') throw new Error(`session ${id} ${data.status}`)
				completedAt.set(id, Date.parse(data.completedAt))
				if (data.summaryMetrics?.loadGenerator?.suspect) suspect.add(id)
				pending.delete(id)
			}
			await onTick?.()
			if (pending.size) await Bun.sleep(250)
		}
		return completedAt
	}
	// Warm-up (JIT, connections, worker): the same sessions, at most 20 conversations each.
	await waitAll((await start(Math.min(reps, 20))).ids)
	const requests0 = mock.stats.requests
	let rssMax = 0
	const cpu0 = await cpuMsOf(k.proc.pid)
	// Wall-clock epoch ms on both sides (one machine): the run ends when Krawall recorded the last
	// session COMPLETED, not when the 50 ms poll noticed it.
	const t0 = Date.now()
	suspect.clear()
	const { ids, postMs } = await start(reps)
	const ended = await waitAll(ids, async () => {
		rssMax = Math.max(rssMax, await rssOf(k.proc.pid, 'VmRSS'))
	})
	const seconds = (Math.max(...ended.values()) - t0) / 1000
	const cpuMs = (await cpuMsOf(k.proc.pid)) - cpu0
	const messages = sessionsN * reps * MESSAGES.length
	const seen = mock.stats.requests - requests0
	if (seen !== messages)
		throw new Error(`${s.name}: the mock saw ${seen} requests, not ${messages}`)
	// The latencies Krawall recorded, read back through the API.
	const times: number[] = []
	let firstSent = Infinity
	let lastReceived = 0
	/** Per session: from its last reply received to its recorded `completedAt` (the session's end). */
	const endMs: number[] = []
	for (const id of ids) {
		let last = 0
		for (let offset = 0; ; offset += 1000) {
			const page = (await api(k, 'GET', `/api/sessions/${id}/messages?limit=1000&offset=${offset}`))
				.data as {
				responseTimeMs: number | null
				sentAt: string | null
				receivedAt: string | null
			}[]
			for (const m of page) {
				if (typeof m.responseTimeMs === 'number') times.push(m.responseTimeMs)
				if (m.sentAt) firstSent = Math.min(firstSent, Date.parse(m.sentAt))
				if (m.receivedAt) last = Math.max(last, Date.parse(m.receivedAt))
			}
			if (page.length < 1000) break
		}
		lastReceived = Math.max(lastReceived, last)
		endMs.push(ended.get(id)! - last)
	}
	if (times.length !== messages)
		throw new Error(`${s.name}: ${times.length} recorded latencies, not ${messages}`)
	times.sort((a, b) => a - b)
	return {
		rate: messages / seconds,
		sendingRate: (messages * 1000) / Math.max(1, lastReceived - firstSent),
		cpuUs: (cpuMs * 1000) / messages,
		p50: pct(times, 0.5),
		p99: pct(times, 0.99),
		rssMb: rssMax,
		postMs: median(postMs),
		endMs: median(endMs),
		suspectShare: suspect.size / ids.length,
	} satisfies Sample
}

async function bareRun(mock: MockServer, s: Scenario): Promise<Sample> {
	const requests0 = mock.stats.requests
	const proc = Bun.spawn(['bun', import.meta.path], {
		// Bun's fetch keeps 256 requests in flight unless told otherwise; the bare loop is told.
		env: {
			...process.env,
			BUN_CONFIG_MAX_HTTP_REQUESTS: '65535',
			ENGINE_BARE: JSON.stringify({ scenario: s, url: mock.url }),
		},
		stdout: 'pipe',
		stderr: 'inherit',
	})
	const out = await new Response(proc.stdout).text()
	if ((await proc.exited) !== 0) throw new Error(`bare loop failed (${s.name})`)
	const expected = (Math.min(s.conversations, s.inFlight) + s.conversations) * MESSAGES.length
	const seen = mock.stats.requests - requests0
	if (seen !== expected) throw new Error(`bare ${s.name}: the mock saw ${seen}, not ${expected}`)
	return JSON.parse(out) as Sample
}

/** wrk's script: the first message of the conversation as one POST (wrk repeats one request). */
const WRK_LUA = `wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.headers["authorization"] = "Bearer ${KEY}"
wrk.body = '${JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: MESSAGES[0] }] })}'
`
const wrkPath = () => Bun.which('wrk')

/** Milliseconds from wrk's latency notation (`812.00us`, `1.25ms`, `2.01s`, `1.02m`). */
const wrkMs = (v: string) => {
	const m = /^([\d.]+)(us|ms|s|m)$/.exec(v)
	if (!m) throw new Error(`wrk latency ${v}`)
	return Number(m[1]) * { us: 0.001, ms: 1, s: 1000, m: 60_000 }[m[2] as 'us']
}

/**
 * wrk (C, epoll, keep-alive) at the scenario's in-flight count for `seconds`: the reference a
 * load tool is held to. Its counts are checked against the mock's: every reply wrk counted was
 * served, and at most the connections' worth more were in flight when it stopped.
 */
async function wrkRun(
	mock: MockServer,
	s: Scenario,
	seconds: number,
	lua: string,
): Promise<Sample> {
	const requests0 = mock.stats.requests
	const proc = Bun.spawn(
		[
			wrkPath()!,
			`-t2`,
			`-c${s.inFlight}`,
			`-d${seconds}s`,
			'--timeout',
			'10s',
			'--latency',
			'-s',
			lua,
			`${mock.url}${pathOf(s)}`,
		],
		{ stdout: 'pipe', stderr: 'inherit' },
	)
	const out = await new Response(proc.stdout).text()
	if ((await proc.exited) !== 0) throw new Error(`wrk failed (${s.name}):\n${out}`)
	const done = Number(/(\d+) requests in/.exec(out)?.[1])
	const secs = wrkMs(/requests in ([\d.]+\w+),/.exec(out)?.[1] ?? 'x') / 1000
	if (/Non-2xx|Socket errors/.test(out)) throw new Error(`wrk ${s.name}: errors\n${out}`)
	const seen = mock.stats.requests - requests0
	if (!(seen >= done && seen - done <= s.inFlight))
		throw new Error(`wrk ${s.name}: wrk counted ${done}, the mock saw ${seen}`)
	const usage = proc.resourceUsage()
	const cpuUs = usage ? Number(usage.cpuTime.user + usage.cpuTime.system) / done : undefined
	const lat = (q: string) => wrkMs(new RegExp(`^\\s+${q}%\\s+(\\S+)`, 'm').exec(out)?.[1] ?? 'x')
	return { rate: done / secs, cpuUs, p50: lat('50'), p99: lat('99') }
}

async function openRun(how: 'initdb' | 'snapshot') {
	const proc = Bun.spawn(['bun', import.meta.path], {
		env: { ...process.env, ENGINE_OPEN: how },
		stdout: 'pipe',
		stderr: 'inherit',
	})
	const out = await new Response(proc.stdout).text()
	if ((await proc.exited) !== 0) throw new Error(`open ${how} failed`)
	return (JSON.parse(out) as { ms: number }).ms
}

async function parent() {
	const rounds = Number(process.argv[2] ?? 3)
	const scale = Number(process.argv[3] ?? 1)
	const n = (x: number) => Math.max(1, Math.round(x * scale))
	const scenarios: Scenario[] = [
		// Long enough for the steady state (wrk runs 5 s): 1 session × 1,000 conversations at c10,
		// 10 × 400 at c100, 100 × 80 at 1,000 in flight; and c100 in short sessions (10 × 20), where
		// the sessions' own start and end weigh.
		{ name: 'c10, 0 ms', inFlight: 10, conversations: n(1000) },
		{ name: 'c100, 0 ms', inFlight: 100, conversations: n(4000) },
		{ name: 'c100, 0 ms, short sessions', inFlight: 100, conversations: n(200) },
		{ name: '1000 in flight, 50 ms', inFlight: 1000, conversations: n(8000), latencyMs: 50 },
	]
	// New data folders start from the snapshot; build it first if it is missing or stale.
	const snap = Bun.spawnSync(['bun', join(root, 'scripts/pgdata-snapshot.ts'), '--quiet'], {
		stdout: 'inherit',
		stderr: 'inherit',
	})
	if (snap.exitCode !== 0) throw new Error('could not build the PGlite snapshot')
	const pgUrl = process.env.DATABASE_URL || undefined
	const kinds = pgUrl ? (['pglite', 'postgres'] as const) : (['pglite'] as const)
	const binary = join(root, 'dist/krawall')
	const hasBinary = await Bun.file(binary).exists()
	const created: string[] = []
	const dirs: string[] = []
	const admin = pgUrl ? postgres(pgUrl, { max: 1, onnotice: () => {} }) : undefined
	/** Redis key prefixes the BullMQ runs used (their queues' keys are deleted at the end). */
	const prefixes: string[] = []
	const cleanup = async () => {
		for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
		for (const db of created.splice(0))
			await admin!.unsafe(`drop database if exists ${db} with (force)`).catch(() => {})
		if (prefixes.length && process.env.REDIS_URL) {
			const { default: IORedis } = await import('ioredis')
			const redis = new IORedis(process.env.REDIS_URL, { lazyConnect: true })
			try {
				for (const prefix of prefixes.splice(0)) {
					let cursor = '0'
					do {
						const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500)
						if (keys.length) await redis.del(...keys)
						cursor = next
					} while (cursor !== '0')
				}
			} catch (e) {
				console.error(`could not delete the bench's Redis keys: ${e}`)
			} finally {
				redis.disconnect()
			}
		}
	}
	process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)))
	const tmp = () => {
		const d = mkdtempSync(join(tmpdir(), 'krawall-bench-engine-'))
		dirs.push(d)
		return d
	}
	const mock = await startMockServer({ port: 0, apiKey: KEY, grpcPort: false })
	// wrk (Debian: apt-get install wrk) as the second reference, when it is installed.
	const wrkSeconds = Math.max(2, Math.round(5 * scale))
	let lua: string | undefined
	if (wrkPath()) {
		lua = join(tmp(), 'post.lua')
		await Bun.write(lua, WRK_LUA)
	} else console.error('wrk not found (apt-get install wrk): the table has no wrk rows')
	const results = new Map<string, Sample[]>()
	const add = (key: string, s: Sample) => results.set(key, [...(results.get(key) ?? []), s])
	const cold = new Map<string, number[]>()
	const addCold = (key: string, ms: number) => cold.set(key, [...(cold.get(key) ?? []), ms])
	const idle = new Map<string, number[]>()
	const peak = new Map<string, number[]>()
	const load0 = (await Bun.file('/proc/loadavg').text()).split(' ').slice(0, 3).join(' ')
	const t0 = performance.now()
	try {
		for (let round = 0; round < rounds; round++) {
			// Cold start, rotated: source and binary, empty folder then the same folder again.
			const starters: [string, string[]][] = [['bun src/main.ts', ['bun', MAIN]]]
			if (hasBinary) starters.push(['dist/krawall', [binary]])
			for (const [name, cmd] of round % 2 ? [...starters].reverse() : starters) {
				const dir = tmp()
				const env = { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1' }
				const opts = { ...env, KRAWALL_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'info' }
				const cwd = cmd[0] === binary ? dir : undefined
				const first = await startKrawall(cmd, opts, cwd)
				addCold(`${name}, empty data folder`, first.startMs)
				await stopKrawall(first)
				const again = await startKrawall(cmd, opts, cwd)
				addCold(`${name}, existing data folder`, again.startMs)
				await stopKrawall(again)
			}
			for (const how of round % 2
				? (['snapshot', 'initdb'] as const)
				: (['initdb', 'snapshot'] as const))
				addCold(`open an empty PGlite folder in-process: ${how}`, await openRun(how))

			/** A new data folder, or on Postgres a new database (and Redis prefix), for one process. */
			const envFor = async (kind: (typeof kinds)[number], tag: string) => {
				const env: Record<string, string> = {
					PATH: process.env.PATH ?? '',
					PORT: '0',
					HOST: '127.0.0.1',
					LOG_LEVEL: 'info',
					KRAWALL_DATA_DIR: join(tmp(), 'data'),
					KRAWALL_WORKER_CONCURRENCY: '100',
				}
				if (kind === 'postgres') {
					const db = `krawall_bench_engine_${process.pid}_${round}${tag}`
					await admin!.unsafe(`create database ${db}`)
					created.push(db)
					const u = new URL(pgUrl!)
					u.pathname = `/${db}`
					env.DATABASE_URL = u.toString()
					env.KRAWALL_ENCRYPTION_KEY = Buffer.from(
						crypto.getRandomValues(new Uint8Array(32)),
					).toString('base64')
					if (process.env.REDIS_URL) {
						env.REDIS_URL = process.env.REDIS_URL
						env.KRAWALL_REDIS_PREFIX = `bench-engine-${process.pid}-${round}${tag}`
						prefixes.push(env.KRAWALL_REDIS_PREFIX)
					}
				}
				return env
			}
			for (const kind of round % 2 ? [...kinds].reverse() : kinds) {
				// The binary's idle RSS: a process of its own, on a new folder or database too.
				if (hasBinary) {
					const b = await startKrawall([binary], await envFor(kind, 'b'), tmp())
					try {
						await Bun.sleep(2000)
						const key = `${kind}, dist/krawall`
						idle.set(key, [...(idle.get(key) ?? []), await rssOf(b.proc.pid, 'VmRSS')])
					} finally {
						await stopKrawall(b)
					}
				}
				const env = await envFor(kind, '')
				const k = await startKrawall(['bun', MAIN], env)
				try {
					await Bun.sleep(2000)
					const key = `${kind}, bun src/main.ts`
					idle.set(key, [...(idle.get(key) ?? []), await rssOf(k.proc.pid, 'VmRSS')])
					const targets = new Map<number, string>()
					const order = scenarios.map((_, i) => scenarios[(i + round) % scenarios.length]!)
					for (const s of order) {
						const lat = s.latencyMs ?? 0
						if (!targets.has(lat)) targets.set(lat, await createTarget(k, mock, s.latencyMs))
						const pair = [
							async () => {
								add(`${s.name}|bare`, await bareRun(mock, s))
								// wrk once per round (not per database): the reference does not change.
								if (lua && kind === kinds[round % kinds.length])
									add(`${s.name}|wrk`, await wrkRun(mock, s, wrkSeconds, lua))
							},
							async () =>
								add(`${s.name}|krawall ${kind}`, await krawallRun(k, mock, s, targets.get(lat)!)),
						]
						for (const f of round % 2 ? pair.reverse() : pair) await f()
					}
					peak.set(kind, [...(peak.get(kind) ?? []), await rssOf(k.proc.pid, 'VmHWM')])
				} finally {
					await stopKrawall(k)
				}
			}
		}
	} finally {
		await mock.stop()
		await cleanup()
		await admin?.end()
	}

	const load1 = (await Bun.file('/proc/loadavg').text()).split(' ').slice(0, 3).join(' ')
	const range = (xs: number[], f = (x: number) => x.toFixed(0)) =>
		`${f(median(xs))} (${f(Math.min(...xs))}–${f(Math.max(...xs))})`
	const lines: string[] = []
	lines.push(
		`rounds ${rounds}, scale ${scale}; ${MESSAGES.length} messages per conversation; load average ${load0} → ${load1}; ${((performance.now() - t0) / 1000).toFixed(0)} s`,
		'',
		'| scenario | side | messages/s (min–max) | vs bare | vs wrk | while sending: messages/s, vs bare | CPU µs/message | p50 ms | p99 ms | p50 − bare | p99 / bare | p50 − wrk | p99 / wrk | RSS MB in run | POST ms | session end ms | latencies suspect |',
		'| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
	)
	const med = (xs: Sample[], f: (x: Sample) => number) => median(xs.map(f))
	for (const s of scenarios) {
		const bare = results.get(`${s.name}|bare`) ?? []
		const wrk = results.get(`${s.name}|wrk`) ?? []
		const ideal = s.latencyMs ? (s.inFlight * 1000) / s.latencyMs : undefined
		/** Against a reference: blank on its own row or when it did not run. */
		const vs = (ref: Sample[], side: string, own: string, f: () => string) =>
			side === own || !ref.length ? '' : f()
		for (const side of ['bare', 'wrk', ...kinds.map((k) => `krawall ${k}`)]) {
			const xs = results.get(`${s.name}|${side}`) ?? []
			if (!xs.length) continue
			const rate = med(xs, (x) => x.rate)
			const p50 = med(xs, (x) => x.p50)
			const p99 = med(xs, (x) => x.p99)
			const cells = [
				s.name,
				side,
				`${range(xs.map((x) => x.rate))}${ideal ? `, ${(rate / ideal).toFixed(2)} of ideal` : ''}`,
				vs(bare, side, 'bare', () => (rate / med(bare, (x) => x.rate)).toFixed(2)),
				vs(wrk, side, 'wrk', () => (rate / med(wrk, (x) => x.rate)).toFixed(2)),
				xs[0]!.sendingRate === undefined
					? ''
					: `${med(xs, (x) => x.sendingRate!).toFixed(0)}${vs(bare, side, 'bare', () => `, ${(med(xs, (x) => x.sendingRate!) / med(bare, (x) => x.rate)).toFixed(2)}`)}`,
				range(xs.map((x) => x.cpuUs ?? NaN)),
				p50.toFixed(1),
				p99.toFixed(1),
				vs(bare, side, 'bare', () => (p50 - med(bare, (x) => x.p50)).toFixed(1)),
				vs(bare, side, 'bare', () => (p99 / med(bare, (x) => x.p99)).toFixed(2)),
				vs(wrk, side, 'wrk', () => (p50 - med(wrk, (x) => x.p50)).toFixed(1)),
				vs(wrk, side, 'wrk', () => (p99 / med(wrk, (x) => x.p99)).toFixed(2)),
				side.startsWith('krawall') ? range(xs.map((x) => x.rssMb ?? NaN)) : '',
				side.startsWith('krawall') ? range(xs.map((x) => x.postMs ?? NaN)) : '',
				side.startsWith('krawall') ? range(xs.map((x) => x.endMs ?? NaN)) : '',
				// Sessions flagged over all rounds: the run's own verdict on its latencies.
				side.startsWith('krawall')
					? `${Math.round(100 * (xs.reduce((a, x) => a + (x.suspectShare ?? 0), 0) / xs.length))} %`
					: '',
			]
			lines.push(`| ${cells.join(' | ')} |`)
		}
	}
	lines.push('', '| Krawall process | RSS MB (min–max) |', '| --- | --- |')
	for (const kind of kinds) {
		for (const how of ['bun src/main.ts', 'dist/krawall']) {
			const xs = idle.get(`${kind}, ${how}`)
			if (xs) lines.push(`| ${kind}, ${how}, idle 2 s after start | ${range(xs)} |`)
		}
		lines.push(
			`| ${kind}, bun src/main.ts, peak (VmHWM) over the round | ${range(peak.get(kind) ?? [])} |`,
		)
	}
	lines.push('', '| cold start: until /api/health answers | ms (min–max) |', '| --- | --- |')
	for (const [key, xs] of cold) lines.push(`| ${key} | ${range(xs)} |`)
	console.log(lines.join('\n'))
	if (!process.env.BENCH_ENGINE_ONLY) await rest()
}

/**
 * The issue's other figures in the same go, each its own script in a child process with its
 * output passed through: the export's extra memory (bench/export-memory.ts: PGlite, and Postgres
 * with DATABASE_URL) and the dashboards under wrk with 1M seeded messages and their plans
 * (bench/dashboards.ts on Postgres, or PGlite without DATABASE_URL). BENCH_ENGINE_ONLY=1 skips
 * them. A failure of one is reported and the bench exits non-zero.
 */
async function rest() {
	const pg = process.env.DATABASE_URL || undefined
	const { DATABASE_URL: _d, REDIS_URL: _r, ...embedded } = process.env
	const runs: { title: string; args: string[]; env: Record<string, string | undefined> }[] = [
		{
			title: 'export memory, PGlite',
			args: ['bench/export-memory.ts'],
			env: { ...embedded, BENCH_FORMATS: 'csv,json' },
		},
		...(pg
			? [
					{
						title: 'export memory, Postgres',
						args: ['bench/export-memory.ts'],
						env: { ...embedded, DATABASE_URL: pg, BENCH_FORMATS: 'csv,json' },
					},
				]
			: []),
		{
			title: `dashboards, ${pg ? 'Postgres' : 'PGlite'}, 2,000 sessions × 500 messages`,
			args: ['bench/dashboards.ts', '2000', '500', '10', '3'],
			env: pg ? { ...embedded, DATABASE_URL: pg } : embedded,
		},
	]
	let failed = 0
	for (const r of runs) {
		console.log(`\n## ${r.title}: bun ${r.args.join(' ')}\n`)
		const p = Bun.spawn(['bun', ...r.args], {
			cwd: root,
			env: r.env,
			stdout: 'inherit',
			stderr: 'inherit',
		})
		if ((await p.exited) !== 0) {
			failed++
			console.log(`${r.title}: failed (exit ${p.exitCode})`)
		}
	}
	if (failed) process.exitCode = 1
}

// Last, so every constant above is initialised before a child or the parent runs.
if (process.env.ENGINE_BARE) await bareChild(JSON.parse(process.env.ENGINE_BARE))
else if (process.env.ENGINE_OPEN) await openChild(process.env.ENGINE_OPEN)
else await parent()
