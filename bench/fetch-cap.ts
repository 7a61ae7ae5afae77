/**
 * Bun's fetch cap (256 in flight unless BUN_CONFIG_MAX_HTTP_REQUESTS is set before the process
 * starts), the reason the connectors use their own transport (src/connectors/http1.ts; the
 * comparison of transports is bench/transport.ts). N concurrent requests against a loopback
 * server that answers after a fixed latency, run twice side by side in child processes —
 * without the variable and with it. The ideal rate is N / latency; we report each run's
 * fraction of it and the ratio between them.
 *
 *   bun bench/fetch-cap.ts [concurrency=1000] [latencyMs=50] [rounds=5]
 */
const [n = 1000, latencyMs = 50, rounds = 5] = process.argv.slice(2).map(Number)

if (process.env.FETCH_CAP_CHILD) {
	const url = process.env.FETCH_CAP_CHILD
	const times: number[] = []
	for (let r = 0; r < rounds; r++) {
		const t0 = performance.now()
		await Promise.all(Array.from({ length: n }, () => fetch(url).then((res) => res.text())))
		times.push(performance.now() - t0)
	}
	console.log(JSON.stringify(times))
	process.exit(0)
}

const server = Bun.serve({
	hostname: '127.0.0.1',
	port: 0,
	async fetch() {
		await Bun.sleep(latencyMs)
		return new Response('ok')
	},
})
const url = `http://127.0.0.1:${server.port}/`

async function run(withVar: boolean): Promise<number[]> {
	const env: Record<string, string> = {
		...(process.env as Record<string, string>),
		FETCH_CAP_CHILD: url,
	}
	if (withVar) env.BUN_CONFIG_MAX_HTTP_REQUESTS = '65535'
	else delete env.BUN_CONFIG_MAX_HTTP_REQUESTS
	const proc = Bun.spawn(
		[process.execPath, import.meta.path, String(n), String(latencyMs), String(rounds)],
		{ env, stdout: 'pipe' },
	)
	const out = await new Response(proc.stdout).text()
	await proc.exited
	return JSON.parse(out.trim().split('\n').pop()!)
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const ideal = latencyMs
const capped = await run(false)
const uncapped = await run(true)
server.stop(true)
const fmt = (xs: number[]) =>
	`median ${median(xs).toFixed(0)} ms per wave, ${(ideal / median(xs)).toFixed(2)} of ideal`
console.log(`${n} concurrent requests, ${latencyMs} ms target latency, ${rounds} waves each`)
console.log(`  default fetch (256 cap):        ${fmt(capped)}`)
console.log(`  BUN_CONFIG_MAX_HTTP_REQUESTS:   ${fmt(uncapped)}`)
console.log(`  speed-up: ${(median(capped) / median(uncapped)).toFixed(2)}x`)
