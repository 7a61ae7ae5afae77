/**
 * Open-model load (issue 14, docs/architecture.md §4 "Load models"), measured side by side:
 *
 * 1. Rate accuracy: an `arrival` session at 100/s and 1000/s against the zero-latency mock —
 *    achieved start rate ÷ target and the p99 start jitter (actual first send − scheduled time,
 *    the summary's `startLag`) — beside two constant-rate references on the same mock: a bare Bun
 *    loop that schedules every request from t₀ + k/rate like wrk2 (its jitter measured the same
 *    way; fetch, with BUN_CONFIG_MAX_HTTP_REQUESTS set before it starts) and `autocannon -R`
 *    (via `bunx`; rate only, it does not report when each request was due).
 * 2. Conversations in flight: arrival sessions whose conversations are `messages` exchanges
 *    against the 50 ms mock (`slow:50`) with `thinkMs` between them, at the rate that keeps 1000
 *    and 5000 in flight — achieved message rate ÷ ideal over the steady window (after the first
 *    conversation length), the peak of conversations in flight (from the rows), drops, start
 *    jitter, and the process's peak RSS (VmHWM, read when the session ends).
 * 3. Memory over time: a steady arrival run for `memorySec`, RSS sampled every 5 s; flat means
 *    the time series keeps sketches of the open seconds, not samples.
 *
 * The mock, every session and every reference run in their own child processes, so RSS and CPU
 * are the generator's alone. Rounds are interleaved (the order rotates) and medians reported.
 * Postgres databases the children create (with DATABASE_URL) are dropped when each child exits,
 * whatever its outcome.
 *
 *   bun bench/load.ts [rounds=3] [rateSec=5] [inflightSec=20] [memorySec=90] [inflight=1000,5000] [inflightRounds=rounds]
 *   DATABASE_URL=postgres://…/db REDIS_URL=redis://… bun bench/load.ts   # Postgres + BullMQ
 */
import { eq } from 'drizzle-orm'
import { readFileSync } from 'node:fs'
import postgres from 'postgres'

type Json = Record<string, unknown>
const MOCK_KEY = 'mock-key-12345'
const role = process.env.LOAD_BENCH_ROLE
const arg = (s: string | undefined): Json => JSON.parse(s ?? '{}')

const median = (xs: number[]) => {
	const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
	return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN
}
const quantile = (xs: number[], q: number) => {
	const s = [...xs].sort((a, b) => a - b)
	return s.length ? s[Math.min(s.length - 1, Math.floor(q * (s.length - 1)))] : NaN
}
/** Peak resident set of this process so far (Linux), MB. */
const peakRssMb = () => {
	const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))
	return m ? Number(m[1]) / 1024 : process.memoryUsage().rss / 1048576
}
const print = (o: unknown) => console.log(`RESULT ${JSON.stringify(o)}`)

if (role === 'mock') {
	const { startMockServer } = await import('../src/mock/server')
	const mock = await startMockServer({ port: 0, apiKey: MOCK_KEY, grpcPort: false })
	console.log(`MOCK ${mock.url}`)
	process.on('SIGTERM', () => void mock.stop().finally(() => process.exit(0)))
} else if (role === 'loop') {
	// The reference: wrk2's schedule (every start from t₀, never from the previous one).
	const { url, rate, durationSec } = arg(process.env.LOAD_BENCH_ARGS) as {
		url: string
		rate: number
		durationSec: number
	}
	const body = JSON.stringify({
		model: 'gpt-4o-mini',
		messages: [{ role: 'user', content: 'Hello' }],
	})
	const headers = { authorization: `Bearer ${MOCK_KEY}`, 'content-type': 'application/json' }
	const total = Math.floor(rate * durationSec)
	const lag: number[] = []
	const starts: number[] = []
	const pending: Promise<unknown>[] = []
	let failed = 0
	const t0 = performance.now() + 20
	for (let k = 0; k < total; k++) {
		const due = t0 + (k * 1000) / rate
		const wait = due - performance.now()
		if (wait > 0) await Bun.sleep(wait)
		const now = performance.now()
		starts.push(now)
		lag.push(now - due)
		pending.push(
			fetch(`${url}/v1/chat/completions`, { method: 'POST', headers, body })
				.then((r) => r.text())
				.catch(() => failed++),
		)
	}
	await Promise.all(pending)
	const span = (starts[starts.length - 1] - starts[0]) / 1000
	print({
		started: starts.length,
		achieved: (starts.length - 1) / span,
		jitterP99Ms: quantile(lag, 0.99),
		failed,
		peakRssMb: peakRssMb(),
	})
	process.exit(0)
} else if (role === 'krawall') {
	await krawallChild(arg(process.env.LOAD_BENCH_ARGS))
	process.exit(0)
} else {
	await parent()
}

/** One session in this process: the app, its workers, the real recorder, on a fresh database. */
async function krawallChild(a: Json) {
	const { sessions, sessionMessages } = await import('../src/db/schema')
	const { startWorkers } = await import('../src/worker')
	const { createLogger } = await import('../src/log')
	const { createPresetTarget } = await import('../test/helpers/mock-run')
	const { call, createTestDeps } = await import('../test/helpers/deps')
	const deps = await createTestDeps({
		env: { LOG_LEVEL: 'warn', KRAWALL_MAX_LOAD_DURATION_SEC: '3600' },
		// Warnings to stderr, nothing kept in memory (the test logger keeps every line).
		overrides: { log: createLogger('warn', {}, (line) => void process.stderr.write(line + '\n')) },
	})
	const workers = startWorkers(deps)
	try {
		const persona = a.persona ? `/persona/${a.persona}` : ''
		const target = await createPresetTarget(deps, 'openai-chat', `${a.url}${persona}`)
		const messages = Array.from({ length: Number(a.messages ?? 1) }, (_, i) => `Message ${i + 1}`)
		Bun.gc(true)
		const idleRssMb = process.memoryUsage().rss / 1048576
		const r = await call(deps.app, 'POST', '/api/execute', {
			targetId: target.id,
			executionConfig: {
				customMessages: messages,
				delayBetweenMs: Number(a.thinkMs ?? 0),
				timeoutMs: 60_000,
				load: {
					type: 'arrival',
					rate: a.rate,
					durationSec: a.durationSec,
					maxInFlight: 10_000,
				},
			},
		})
		if (r.status !== 202) throw new Error(`execute: ${r.status} ${r.text}`)
		const id = r.json.data.sessionId as string
		const samples: { t: number; rssMb: number; heapMb: number }[] = []
		const t0 = performance.now()
		let nextSample = 0
		let row
		// RSS sampled at 10 Hz while the session runs: the process's VmHWM would count the start-up
		// (PGlite's template and migrations) rather than the run.
		let peak = 0
		for (;;) {
			;[row] = await deps.db.select().from(sessions).where(eq(sessions.id, id))
			const m = process.memoryUsage()
			peak = Math.max(peak, m.rss / 1048576)
			if (['COMPLETED', 'FAILED', 'CANCELLED'].includes(row.status)) break
			const t = (performance.now() - t0) / 1000
			if (a.sampleEverySec && t >= nextSample) {
				samples.push({ t, rssMb: m.rss / 1048576, heapMb: m.heapUsed / 1048576 })
				nextSample += Number(a.sampleEverySec)
			}
			await Bun.sleep(100)
		}
		const summary = row.summaryMetrics!
		const rows = await deps.db
			.select({
				conversationIndex: sessionMessages.conversationIndex,
				turnIndex: sessionMessages.turnIndex,
				sentAt: sessionMessages.sentAt,
				receivedAt: sessionMessages.receivedAt,
				success: sessionMessages.success,
			})
			.from(sessionMessages)
			.where(eq(sessionMessages.sessionId, id))
		// Start rate from the actual first sends (the same formula as the reference loop).
		const firsts = rows
			.filter((x) => x.turnIndex === 0)
			.map((x) => x.sentAt.getTime())
			.sort((x, y) => x - y)
		const span = (firsts[firsts.length - 1] - firsts[0]) / 1000
		const runStart = row.startedAt!.getTime()
		// Conversations in flight: +1 at a conversation's first send, −1 at its last reply.
		const conv = new Map<number, [number, number]>()
		for (const x of rows) {
			const s = x.sentAt.getTime()
			const e = x.receivedAt?.getTime() ?? s
			const c = conv.get(x.conversationIndex)
			conv.set(x.conversationIndex, c ? [Math.min(c[0], s), Math.max(c[1], e)] : [s, e])
		}
		const edges = [...conv.values()].flatMap(([s, e]) => [
			[s, 1],
			[e, -1],
		])
		edges.sort((x, y) => x[0] - y[0] || x[1] - y[1])
		let now = 0
		let peakInFlight = 0
		for (const [, d] of edges) peakInFlight = Math.max(peakInFlight, (now += d))
		// Completed messages per second over the steady window [one conversation length, duration].
		const from = runStart + Number(a.steadyFromSec ?? 0) * 1000
		const to = runStart + Number(a.durationSec) * 1000
		const steady = rows.filter((x) => {
			const t = x.receivedAt?.getTime() ?? 0
			return t >= from && t < to
		}).length
		print({
			status: row.status,
			messages: rows.length,
			failed: rows.filter((x) => !x.success).length,
			started: summary.load?.startedConversations ?? firsts.length,
			dropped: summary.droppedConversations ?? 0,
			achieved: (firsts.length - 1) / span,
			startLagP99Ms: summary.startLag?.p99Ms ?? null,
			steadyMessagesPerSec: steady / ((to - from) / 1000),
			peakInFlight,
			idleRssMb,
			peakRssMb: peak,
			processPeakRssMb: peakRssMb(),
			suspect: summary.loadGenerator?.suspect ?? null,
			samples,
		})
	} finally {
		await workers.close(2000)
		await deps.close()
	}
}

async function parent() {
	const [rounds = 3, rateSec = 5, inflightSec = 20, memorySec = 90] = process.argv
		.slice(2, 6)
		.map(Number)
	const inflight = (process.argv[6] ?? '1000,5000').split(',').map(Number)
	const inflightRounds = Number(process.argv[7] ?? rounds)
	const rates = [100, 1000]
	const MESSAGES = 3
	const THINK_MS = 5000
	const LATENCY_MS = 50
	/** One conversation's ideal length: its exchanges and the think time between them. */
	const convSec = (MESSAGES * LATENCY_MS + (MESSAGES - 1) * THINK_MS) / 1000

	const dbUrl = process.env.DATABASE_URL
	const cleanup = async (pid: number) => {
		if (!dbUrl) return
		const admin = postgres(dbUrl, { max: 1, onnotice: () => {} })
		try {
			const dbs = await admin<{ datname: string }[]>`
				select datname from pg_database
				where datname like ${`krawall_t_${pid}_%`} or datname = ${`krawall_tpl_${pid}`}`
			for (const d of dbs) await admin.unsafe(`drop database if exists ${d.datname} with (force)`)
			if (dbs.length) console.error(`dropped ${dbs.map((d) => d.datname).join(', ')}`)
		} finally {
			await admin.end()
		}
	}
	const child = async (r: string, args: Json, env: Record<string, string> = {}) => {
		const proc = Bun.spawn([process.execPath, import.meta.path], {
			env: { ...process.env, LOAD_BENCH_ROLE: r, LOAD_BENCH_ARGS: JSON.stringify(args), ...env },
			stdout: 'pipe',
			stderr: 'inherit',
		})
		try {
			const out = await new Response(proc.stdout).text()
			await proc.exited
			const line = out.split('\n').find((l) => l.startsWith('RESULT '))
			if (!line) throw new Error(`${r} child printed no result (exit ${proc.exitCode})`)
			return JSON.parse(line.slice(7)) as Json
		} finally {
			proc.kill()
			await cleanup(proc.pid).catch((e) => console.error(`cleanup ${proc.pid}: ${e}`))
		}
	}

	let url = ''
	const mockProc = Bun.spawn([process.execPath, import.meta.path], {
		env: { ...process.env, LOAD_BENCH_ROLE: 'mock' },
		stdout: 'pipe',
		stderr: 'inherit',
	})
	try {
		const reader = mockProc.stdout.getReader()
		let buf = ''
		while (!/MOCK (\S+)/.test(buf)) {
			const { value, done } = await reader.read()
			if (done) throw new Error('the mock did not start')
			buf += new TextDecoder().decode(value)
		}
		url = /MOCK (\S+)/.exec(buf)![1]
		reader.releaseLock()
		void mockProc.stdout.pipeTo(new WritableStream())
		const load = await Bun.file('/proc/loadavg').text()
		console.log(`mock ${url}; ${dbUrl ? 'Postgres' : 'PGlite'}; load average ${load.trim()}`)

		// 1. Rate accuracy, interleaved: every round runs each generator at each rate, rotated.
		type Gen = 'krawall' | 'bun loop' | 'autocannon -R'
		const gens: Gen[] = ['krawall', 'bun loop', 'autocannon -R']
		const rate: Record<string, { achieved: number[]; jitter: number[]; note: string[] }> = {}
		for (let round = 0; round < rounds; round++) {
			for (const [i, r] of rates.entries()) {
				const order = gens.map((_, j) => gens[(j + round + i) % gens.length])
				for (const g of order) {
					const key = `${r}|${g}`
					rate[key] ??= { achieved: [], jitter: [], note: [] }
					const res = await runGenerator(g, r)
					rate[key].achieved.push(res.achieved)
					rate[key].jitter.push(res.jitter)
					if (res.note) rate[key].note.push(res.note)
				}
			}
		}
		console.log(`\n## Rate accuracy (zero-latency mock, ${rateSec} s each, ${rounds} rounds)\n`)
		console.log('| target/s | generator | achieved/s | ÷ target | p99 start jitter (ms) | notes |')
		console.log('| --- | --- | --- | --- | --- | --- |')
		for (const r of rates)
			for (const g of gens) {
				const x = rate[`${r}|${g}`]
				const a = median(x.achieved)
				const j = median(x.jitter)
				console.log(
					`| ${r} | ${g} | ${a.toFixed(1)} | ${(a / r).toFixed(3)} | ${Number.isFinite(j) ? j.toFixed(2) : 'n/a'} | ${[...new Set(x.note)].join('; ')} |`,
				)
			}

		// 2. Conversations in flight against the 50 ms mock.
		const inflightRes: Record<number, Json[]> = {}
		for (let round = 0; round < inflightRounds; round++)
			for (const n of round % 2 ? [...inflight].reverse() : inflight) {
				const r = n / convSec
				inflightRes[n] ??= []
				inflightRes[n].push(
					await child('krawall', {
						url,
						persona: `slow:${LATENCY_MS}`,
						rate: Math.round(r * 100) / 100,
						durationSec: inflightSec,
						messages: MESSAGES,
						thinkMs: THINK_MS,
						steadyFromSec: convSec,
					}),
				)
			}
		console.log(
			`\n## In flight (slow:${LATENCY_MS}, ${MESSAGES} messages, ${THINK_MS} ms think, ${inflightSec} s, ${inflightRounds} rounds; medians, min–max)\n`,
		)
		console.log(
			'| target in flight | rate/s | peak in flight | messages/s (steady) | ÷ ideal (min–max) | dropped | p99 start jitter (ms) | RSS idle → peak (MB) |',
		)
		console.log('| --- | --- | --- | --- | --- | --- | --- | --- |')
		for (const n of inflight) {
			const xs = inflightRes[n]
			const r = n / convSec
			const m = (k: string) => median(xs.map((x) => Number(x[k])))
			const ideal = r * MESSAGES
			const ratios = xs.map((x) => Number(x.steadyMessagesPerSec) / ideal)
			console.log(
				`| ${n} | ${r.toFixed(1)} | ${m('peakInFlight').toFixed(0)} | ${m('steadyMessagesPerSec').toFixed(1)} | ${median(ratios).toFixed(3)} (${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)}) | ${m('dropped')} | ${m('startLagP99Ms').toFixed(1)} | ${m('idleRssMb').toFixed(0)} → ${m('peakRssMb').toFixed(0)} |`,
			)
		}

		// 3. Memory over time at a steady rate.
		const mem = await child('krawall', {
			url,
			rate: 200,
			durationSec: memorySec,
			messages: 1,
			sampleEverySec: 5,
		})
		const samples = mem.samples as { t: number; rssMb: number; heapMb: number }[]
		const third = Math.max(1, Math.floor(samples.length / 3))
		const early = median(samples.slice(1, 1 + third).map((s) => s.rssMb))
		const late = median(samples.slice(-third).map((s) => s.rssMb))
		console.log(
			`\n## Memory (200/s for ${memorySec} s, zero-latency mock, ${mem.messages} messages)\n`,
		)
		console.log(
			`RSS: idle ${Number(mem.idleRssMb).toFixed(0)} MB, early median ${early.toFixed(0)} MB, late median ${late.toFixed(0)} MB (×${(late / early).toFixed(2)}), peak ${Number(mem.peakRssMb).toFixed(0)} MB; samples (s: RSS MB / heap MB):`,
		)
		console.log(
			samples
				.map((s) => `${s.t.toFixed(0)}: ${s.rssMb.toFixed(0)}/${s.heapMb.toFixed(0)}`)
				.join(', '),
		)
		console.log(`\nload average after: ${(await Bun.file('/proc/loadavg').text()).trim()}`)
	} finally {
		mockProc.kill()
		await mockProc.exited
	}

	async function runGenerator(
		g: string,
		r: number,
	): Promise<{ achieved: number; jitter: number; note?: string }> {
		if (g === 'krawall') {
			const res = await child('krawall', { url, rate: r, durationSec: rateSec, messages: 1 })
			return {
				achieved: Number(res.achieved),
				jitter: Number(res.startLagP99Ms),
				note: Number(res.dropped) ? `${res.dropped} dropped` : undefined,
			}
		}
		if (g === 'bun loop') {
			const res = await child(
				'loop',
				{ url, rate: r, durationSec: rateSec },
				{ BUN_CONFIG_MAX_HTTP_REQUESTS: '65535' },
			)
			return {
				achieved: Number(res.achieved),
				jitter: Number(res.jitterP99Ms),
				note: Number(res.failed) ? `${res.failed} failed` : undefined,
			}
		}
		const proc = Bun.spawn(
			[
				...['bunx', 'autocannon', '-j', '-R', String(r), '-d', String(rateSec), '-c', '50'],
				...['-m', 'POST', '-H', `Authorization=Bearer ${MOCK_KEY}`],
				...['-H', 'Content-Type=application/json'],
				...[
					'-b',
					JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }),
				],
				`${url}/v1/chat/completions`,
			],
			{ stdout: 'pipe', stderr: 'pipe' },
		)
		const out = await new Response(proc.stdout).text()
		await proc.exited
		try {
			const j = JSON.parse(out) as { requests: { average: number }; non2xx: number }
			return {
				// autocannon's own figure: the mean of its per-second counts.
				achieved: j.requests.average,
				jitter: NaN,
				note: j.non2xx ? `${j.non2xx} non-2xx` : undefined,
			}
		} catch {
			return { achieved: NaN, jitter: NaN, note: 'autocannon did not run' }
		}
	}
}
