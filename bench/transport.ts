/**
 * Which HTTP transport the connectors use (issue 13 and 17): the same OpenAI exchange against
 * the mock, sent by each candidate in its own child process (so CPU is the client's alone and
 * BUN_CONFIG_MAX_HTTP_REQUESTS can be set before the process starts), rounds interleaved,
 * medians reported:
 * - `fetch`: bare Bun fetch (capped at 256 requests in flight);
 * - `fetch+env`: the same with BUN_CONFIG_MAX_HTTP_REQUESTS=65535 (what src/cli/reexec.ts did);
 * - `node:http`: node:http with a keep-alive Agent;
 * - `guarded`: src/connectors/transport.ts — resolved and checked (src/security/outbound.ts),
 *   connected to the checked address, redirects handled by hand.
 *
 *   bun bench/transport.ts [rounds=3] [scale=1]
 *
 * Scenarios: c10 and c100 at zero latency (messages/s, CPU µs per message), and 1000 in flight
 * against `slow:50` and `slow:250` (fraction of the ideal rate, in-flight count / latency).
 */
import http from 'node:http'
import { createTransport } from '../src/connectors/transport'
import { startMockServer } from '../src/mock/server'
import { BUILTIN_DENY_LIST } from '../src/security/deny-list'
import { createOutboundGuard } from '../src/security/outbound'

type Scenario = {
	name: string
	concurrency: number
	messages: number
	/** The mock's `slow:<ms>` persona: the ideal rate is concurrency / latency. */
	latencyMs?: number
}
const TRANSPORTS = ['fetch', 'fetch+env', 'node:http', 'guarded'] as const
type TransportName = (typeof TRANSPORTS)[number]

const body = JSON.stringify({
	model: 'gpt-4o',
	messages: [{ role: 'user', content: 'Hello, how are you today?' }],
})
const headers = { 'content-type': 'application/json', authorization: 'Bearer bench' }

if (process.env.TRANSPORT_CHILD) await child(JSON.parse(process.env.TRANSPORT_CHILD))
else await parent()

async function child(job: { transport: TransportName; scenario: Scenario; port: number }) {
	const { transport, scenario, port } = job
	const path = `${scenario.latencyMs ? `/persona/slow:${scenario.latencyMs}` : ''}/v1/chat/completions`
	let one: () => Promise<unknown>
	if (transport === 'fetch' || transport === 'fetch+env') {
		const url = `http://127.0.0.1:${port}${path}`
		one = async () => JSON.parse(await (await fetch(url, { method: 'POST', headers, body })).text())
	} else if (transport === 'node:http') {
		const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity })
		one = () =>
			new Promise((resolve, reject) => {
				const req = http.request(
					{ hostname: '127.0.0.1', port, path, method: 'POST', headers, agent },
					(res) => {
						const parts: Buffer[] = []
						res.on('data', (d) => parts.push(d))
						res.on('end', () => resolve(JSON.parse(Buffer.concat(parts).toString('utf8'))))
						res.on('error', reject)
					},
				)
				req.on('error', reject)
				req.end(body)
			})
	} else {
		// By name, so resolution and the check are part of the measured path (cached per host).
		const guard = createOutboundGuard({ denyList: BUILTIN_DENY_LIST })
		const t = createTransport({ guard })
		const url = new URL(`http://localhost:${port}${path}`)
		const signal = new AbortController().signal
		one = async () => {
			const res = await t.request(url, {
				method: 'POST',
				headers,
				body,
				signal,
				redirect: 'follow',
			})
			return JSON.parse(await res.text())
		}
	}
	const run = async (messages: number) => {
		let next = 0
		let failed = 0
		await Promise.all(
			Array.from({ length: scenario.concurrency }, async () => {
				while (next < messages) {
					next++
					await one().catch(() => failed++)
				}
			}),
		)
		return failed
	}
	await run(Math.min(scenario.messages, scenario.concurrency * 5)) // warm-up: JIT, connections
	const cpu0 = process.cpuUsage()
	const t0 = performance.now()
	const failed = await run(scenario.messages)
	const seconds = (performance.now() - t0) / 1000
	const cpu = process.cpuUsage(cpu0)
	console.log(
		JSON.stringify({
			rate: scenario.messages / seconds,
			cpuUs: (cpu.user + cpu.system) / scenario.messages,
			failed,
		}),
	)
	process.exit(0)
}

async function parent() {
	const rounds = Number(process.argv[2] ?? 3)
	const scale = Number(process.argv[3] ?? 1)
	const scenarios: Scenario[] = [
		{ name: 'c10, 0 ms', concurrency: 10, messages: Math.round(5000 * scale) },
		{ name: 'c100, 0 ms', concurrency: 100, messages: Math.round(10000 * scale) },
		{
			name: '1000 in flight, 50 ms',
			concurrency: 1000,
			messages: Math.round(20000 * scale),
			latencyMs: 50,
		},
		// An ideal rate (4,000/s) the mock can serve on a small machine, so the cap shows alone.
		{
			name: '1000 in flight, 250 ms',
			concurrency: 1000,
			messages: Math.round(8000 * scale),
			latencyMs: 250,
		},
	]
	const mock = await startMockServer({ grpcPort: false })
	const port = Number(new URL(mock.url).port)
	const results = new Map<string, { rate: number; cpuUs: number; failed: number }[]>()
	const load0 = (await Bun.file('/proc/loadavg').text()).split(' ').slice(0, 3).join(' ')
	for (let round = 0; round < rounds; round++) {
		for (const scenario of scenarios) {
			// Rotate the order each round so no transport always runs first (or last).
			const order = TRANSPORTS.map((_, i) => TRANSPORTS[(i + round) % TRANSPORTS.length]!)
			for (const transport of order) {
				const env: Record<string, string | undefined> = {
					...process.env,
					TRANSPORT_CHILD: JSON.stringify({ transport, scenario, port }),
				}
				if (transport === 'fetch+env') env.BUN_CONFIG_MAX_HTTP_REQUESTS = '65535'
				else delete env.BUN_CONFIG_MAX_HTTP_REQUESTS
				const proc = Bun.spawn([process.execPath, import.meta.path], { env, stdout: 'pipe' })
				const out = await new Response(proc.stdout).text()
				await proc.exited
				const r = JSON.parse(out.trim().split('\n').pop()!)
				const key = `${scenario.name}|${transport}`
				results.set(key, [...(results.get(key) ?? []), r])
				process.stderr.write(
					`round ${round + 1} ${scenario.name.padEnd(22)} ${transport.padEnd(10)} ${r.rate.toFixed(0)}/s ${r.cpuUs.toFixed(1)} µs\n`,
				)
			}
		}
	}
	const load1 = (await Bun.file('/proc/loadavg').text()).split(' ').slice(0, 3).join(' ')
	await mock.stop()
	const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
	console.log(
		`\nmedians of ${rounds} interleaved rounds; Bun ${Bun.version}; load average ${load0} → ${load1}\n`,
	)
	console.log(
		'| scenario | transport | messages/s (min–max) | vs bare fetch | CPU µs/message (min–max) | failed |',
	)
	console.log('|---|---|---|---|---|---|')
	for (const scenario of scenarios) {
		const base = median(results.get(`${scenario.name}|fetch`)!.map((r) => r.rate))
		for (const transport of TRANSPORTS) {
			const rs = results.get(`${scenario.name}|${transport}`)!
			const rates = rs.map((r) => r.rate)
			const cpus = rs.map((r) => r.cpuUs)
			const rate = median(rates)
			const ideal = scenario.latencyMs
				? `, ${(rate / ((scenario.concurrency * 1000) / scenario.latencyMs)).toFixed(2)} of ideal`
				: ''
			const span = (xs: number[], d: number) =>
				`${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)}`
			console.log(
				`| ${scenario.name} | ${transport} | ${rate.toFixed(0)} (${span(rates, 0)}${ideal}) | ${(rate / base).toFixed(2)} | ${median(cpus).toFixed(1)} (${span(cpus, 1)}) | ${rs.reduce((a, r) => a + r.failed, 0)} |`,
			)
		}
	}
}
