/**
 * Live viewers benchmark (issue 13, "200 live viewers, embedded"): does watching a session slow
 * it? A whole Krawall (`bun src/main.ts`, embedded: PGlite, in-process queue and bus) runs one
 * session of fixed size against the mock (in this process, counting every request), with 0 and
 * with N viewers of its page connected, in interleaved rounds; the table has medians (min–max).
 *
 *   bun bench/viewers.ts [rounds=3] [viewers=200] [messages=10000]
 *   BENCH_BEFORE=/tmp/krawall-main bun bench/viewers.ts   # also a second tree (e.g. main's code)
 *
 * A viewer does what the session page does in a browser (views/sessions/detail.tsx): it loads
 * `/sessions/:id`, opens the page's `sse-connect` stream (`?format=html&lastEventId=…`) and reads
 * it until `complete`, and polls the charts fragment (`/api/metrics/sessions/:id/series`, HX-Request)
 * every 5 s. The N viewers run in a child process of their own (not Krawall's, not the mock's);
 * each counts its message frames, and every viewer must end with every message of the run (its
 * page's and its stream's together), which the mock counted.
 * Per run: messages/s (execute → COMPLETED), recorded p50/p99 (the session's messages, read back
 * through the API), Krawall's CPU (utime + stime from /proc) per message and in all.
 * With BENCH_BEFORE, both trees run in each round (the order rotated), each its own Krawall process.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startMockServer, type MockServer } from '../src/mock/server'
import {
	api,
	cpuMsOf,
	createMockTarget,
	KEY,
	median,
	pct,
	startKrawall,
	stopKrawall,
	type Krawall,
} from './krawall-process'

/** Ten turns a conversation (repetitions stop at 1,000: 10,000 messages a session at most). */
const MESSAGES = Array.from({ length: 10 }, (_, i) => `Turn ${i + 1}: tell me more about that`)
const POLL_MS = 5_000
/** What a viewer does (all by default): `page`, `poll` (the stream is always read). */
const PARTS = (process.env.BENCH_VIEWER_PARTS ?? 'page,poll').split(',')

type ViewerResult = {
	viewers: number
	complete: number
	minMessages: number
	maxMessages: number
	polls: number
	bytes: number
}

/** N viewers of one session's page; prints what they saw when all got `complete`. */
async function viewersChild(url: string, sessionId: string, n: number) {
	const pageUrl = `${url}/sessions/${sessionId}`
	let polls = 0
	let bytes = 0
	const one = async () => {
		const page = PARTS.includes('page')
			? await (await fetch(pageUrl, { headers: { accept: 'text/html' } })).text()
			: `sse-connect="/api/sessions/${sessionId}/stream?format=html&amp;lastEventId=0"`
		const src = /sse-connect="([^"]+)"/.exec(page)?.[1]?.replaceAll('&amp;', '&')
		// Messages the page showed (each `data-event-id` bubble is one message event).
		let messages = (page.match(/data-event-id="/g) ?? []).length
		if (!src) return { messages, complete: page.includes('COMPLETED') }
		let done = false
		const poll = (async () => {
			await Bun.sleep(Math.random() * POLL_MS)
			while (!done && PARTS.includes('poll')) {
				const r = await fetch(`${url}/api/metrics/sessions/${sessionId}/series`, {
					headers: { 'hx-request': 'true' },
				})
				await r.arrayBuffer()
				polls++
				await Bun.sleep(POLL_MS)
			}
		})()
		const res = await fetch(`${url}${src}`)
		const reader = res.body!.getReader()
		const needle = Buffer.from('event: message\n')
		const end = Buffer.from('event: complete')
		// A needle split across chunks is found with the next one: the previous chunk's last bytes,
		// fewer than the needle (a whole one among them was counted already), are searched again.
		let carry = Buffer.alloc(0)
		let complete = false
		for (;;) {
			const { value, done: eof } = await reader.read()
			if (eof) break
			bytes += value.byteLength
			const buf = Buffer.concat([carry, value])
			for (let i = buf.indexOf(needle); i >= 0; i = buf.indexOf(needle, i + needle.length))
				messages++
			if (buf.indexOf(end) >= 0) complete = true
			carry = Buffer.from(buf.subarray(Math.max(0, buf.length - (needle.length - 1))))
		}
		done = true
		await poll
		return { messages, complete }
	}
	const results = await Promise.all(Array.from({ length: n }, one))
	const counts = results.map((r) => r.messages)
	console.log(
		JSON.stringify({
			viewers: n,
			complete: results.filter((r) => r.complete).length,
			minMessages: Math.min(...counts),
			maxMessages: Math.max(...counts),
			polls,
			bytes,
		} satisfies ViewerResult),
	)
}

type Sample = { rate: number; p50: number; p99: number; cpuMs: number; cpuUs: number }

/** CPU ms of each of a process's threads by name (BENCH_DEBUG: where a run's CPU went). */
async function threadCpu(pid: number) {
	const out = new Map<string, number>()
	for (const tid of readdirSync(`/proc/${pid}/task`)) {
		try {
			const name = (await Bun.file(`/proc/${pid}/task/${tid}/comm`).text()).trim()
			const f = (await Bun.file(`/proc/${pid}/task/${tid}/stat`).text()).split(') ')[1]!.split(' ')
			out.set(name, (out.get(name) ?? 0) + ((Number(f[11]) + Number(f[12])) * 1000) / 100)
		} catch {
			// The thread ended meanwhile.
		}
	}
	return out
}

async function session(
	k: Krawall,
	mock: MockServer,
	targetId: string,
	messages: number,
	viewers: number,
) {
	const reps = Math.round(messages / MESSAGES.length)
	const requests0 = mock.stats.requests
	const cpu0 = await cpuMsOf(k.proc.pid)
	const threads0 = process.env.BENCH_DEBUG ? await threadCpu(k.proc.pid) : undefined
	const wall0 = Date.now()
	const t0 = performance.now()
	const { data } = await api(k, 'POST', '/api/execute', {
		targetId,
		executionConfig: { customMessages: MESSAGES, repetitions: reps, concurrency: 10 },
	})
	const id = data.sessionId as string
	const child = viewers
		? Bun.spawn(['bun', import.meta.path, '--viewers', k.url, id, String(viewers)], {
				stdout: 'pipe',
				stderr: 'inherit',
			})
		: undefined
	for (;;) {
		const { data: s } = await api(k, 'GET', `/api/sessions/${id}`)
		if (['COMPLETED', 'FAILED', 'CANCELLED'].includes(s.status)) {
			if (s.status !== 'COMPLETED') throw new Error(`session ${id} ${s.status}`)
			break
		}
		await Bun.sleep(50)
	}
	const seconds = (performance.now() - t0) / 1000
	const cpuMs = (await cpuMsOf(k.proc.pid)) - cpu0
	if (threads0) {
		const by = [...(await threadCpu(k.proc.pid))].map(
			([n, ms]) => [n, ms - (threads0.get(n) ?? 0)] as const,
		)
		console.error(
			`threads (${viewers} viewers, ${wall0}–${Date.now()} ms since the epoch): ${by
				.filter(([, ms]) => ms > 0)
				.sort((a, b) => b[1] - a[1])
				.map(([n, ms]) => `${n} ${ms.toFixed(0)}`)
				.join(', ')} ms`,
		)
	}
	const total = reps * MESSAGES.length
	const seen = mock.stats.requests - requests0
	if (seen !== total) throw new Error(`the mock saw ${seen} requests, not ${total}`)
	if (child) {
		const out = await new Response(child.stdout).text()
		if ((await child.exited) !== 0) throw new Error('the viewers failed')
		const v = JSON.parse(out.trim().split('\n').pop()!) as ViewerResult
		if (process.env.BENCH_DEBUG) console.error(`viewers: ${JSON.stringify(v)}`)
		// Every viewer saw every message: two events (sent, received) per message the mock served.
		if (v.complete !== viewers || v.minMessages !== 2 * seen || v.maxMessages !== 2 * seen)
			throw new Error(`viewers: ${JSON.stringify(v)}, expected ${2 * seen} message events each`)
	}
	const times: number[] = []
	const sent: (readonly [number, number])[] = []
	for (let offset = 0; ; offset += 1000) {
		const page = (await api(k, 'GET', `/api/sessions/${id}/messages?limit=1000&offset=${offset}`))
			.data as { responseTimeMs: number | null; sentAt: string }[]
		for (const m of page) if (typeof m.responseTimeMs === 'number') times.push(m.responseTimeMs)
		if (process.env.BENCH_DEBUG)
			sent.push(...page.map((m) => [Date.parse(m.sentAt), m.responseTimeMs ?? 0] as const))
		if (page.length < 1000) break
	}
	if (times.length !== total) throw new Error(`${times.length} recorded latencies, not ${total}`)
	if (sent.length) {
		// When the slowest 1 % were sent (ms after the first message), to tell a burst from a drift.
		const first = Math.min(...sent.map((x) => x[0]))
		const slow = [...sent].sort((a, b) => b[1] - a[1]).slice(0, Math.ceil(sent.length / 100))
		console.error(
			`slowest 1 % (${viewers} viewers): ${slow.map(([t, ms]) => `${t - first}:${ms.toFixed(0)}`).join(' ')}`,
		)
	}
	times.sort((a, b) => a - b)
	return {
		rate: total / seconds,
		p50: pct(times, 0.5),
		p99: pct(times, 0.99),
		cpuMs,
		cpuUs: (cpuMs * 1000) / total,
	} satisfies Sample
}

async function main() {
	const rounds = Number(process.argv[2] ?? 3)
	const viewers = Number(process.argv[3] ?? 200)
	const messages = Number(process.argv[4] ?? 10_000)
	const trees: [string, string][] = [['this tree', join(import.meta.dir, '..')]]
	if (process.env.BENCH_BEFORE) trees.unshift(['before', process.env.BENCH_BEFORE])
	const mock = await startMockServer({ port: 0, apiKey: KEY, grpcPort: false })
	const dirs: string[] = []
	const ks: { name: string; k: Krawall; target: string }[] = []
	const samples = new Map<string, Sample[]>()
	const load0 = (await Bun.file('/proc/loadavg').text()).split(' ').slice(0, 3).join(' ')
	try {
		for (const [name, root] of trees) {
			const dir = mkdtempSync(join(tmpdir(), 'krawall-bench-viewers-'))
			dirs.push(dir)
			const k = await startKrawall(
				[
					'bun',
					...(process.env.BENCH_DEBUG ? ['--cpu-prof', '--cpu-prof-dir=/tmp/viewers-prof'] : []),
					join(root, 'src/main.ts'),
				],
				{
					PATH: process.env.PATH ?? '',
					PORT: '0',
					HOST: '127.0.0.1',
					LOG_LEVEL: 'info',
					KRAWALL_DATA_DIR: join(dir, 'data'),
				},
			)
			const target = await createMockTarget(k, mock, '/v1/chat/completions', 'bench mock')
			ks.push({ name, k, target })
			await session(k, mock, target, Math.min(messages, 2000), 0) // warm-up: JIT, worker, database
		}
		for (let round = 0; round < rounds; round++) {
			const runs = ks.flatMap((x) => [0, viewers].map((v) => ({ ...x, v })))
			const order = runs.map((_, i) => runs[(i + round) % runs.length]!)
			for (const r of order) {
				const s = await session(r.k, mock, r.target, messages, r.v)
				const key = `${r.name}|${r.v}`
				samples.set(key, [...(samples.get(key) ?? []), s])
				console.error(
					`round ${round + 1}: ${r.name}, ${r.v} viewers: ${s.rate.toFixed(0)} msg/s, p50 ${s.p50.toFixed(2)} p99 ${s.p99.toFixed(2)} ms, CPU ${s.cpuMs.toFixed(0)} ms`,
				)
			}
		}
	} finally {
		if (process.env.BENCH_DEBUG)
			for (const x of ks)
				console.error(
					x.k
						.stderr()
						.split('\n')
						.filter((l) => l.startsWith('chart'))
						.slice(-3)
						.join('\n'),
				)
		for (const x of ks) await stopKrawall(x.k)
		await mock.stop()
		for (const d of dirs) rmSync(d, { recursive: true, force: true })
	}
	const load1 = (await Bun.file('/proc/loadavg').text()).split(' ').slice(0, 3).join(' ')
	const f = (xs: number[], d = 0) =>
		`${median(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)})`
	console.log(
		`\n${messages} messages per session (10-message conversations, 10 at once, mock at zero latency), ${rounds} rounds; load ${load0} → ${load1}\n`,
	)
	console.log(
		'| tree | viewers | messages/s | ×0 viewers | recorded p50 ms | recorded p99 ms | p99 ×0 viewers | Krawall CPU ms | CPU µs/message |',
	)
	console.log('|---|---|---|---|---|---|---|---|---|')
	for (const { name } of ks) {
		const base = samples.get(`${name}|0`)!
		for (const v of [0, viewers]) {
			const xs = samples.get(`${name}|${v}`)!
			console.log(
				`| ${name} | ${v} | ${f(xs.map((x) => x.rate))} | ${(median(xs.map((x) => x.rate)) / median(base.map((x) => x.rate))).toFixed(2)} | ${f(
					xs.map((x) => x.p50),
					2,
				)} | ${f(
					xs.map((x) => x.p99),
					2,
				)} | ${(median(xs.map((x) => x.p99)) / median(base.map((x) => x.p99))).toFixed(2)} | ${f(xs.map((x) => x.cpuMs))} | ${f(xs.map((x) => x.cpuUs))} |`,
			)
		}
	}
}

if (process.argv[2] === '--viewers') {
	await viewersChild(process.argv[3]!, process.argv[4]!, Number(process.argv[5]))
	process.exit(0)
} else {
	await main()
	process.exit(0)
}
