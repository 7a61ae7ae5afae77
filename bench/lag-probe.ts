/**
 * Preloaded into a Krawall process by bench/latency-tail.ts (`bun --preload bench/lag-probe.ts
 * src/main.ts`): a 1 ms timer on the main thread counts how late it fires. Every gap over 1 ms
 * past the expected tick is a stall of the event loop (a reply that arrived meanwhile waits that
 * long for its timestamp). Each gap is kept with what the main thread did in it, from Linux's
 * /proc/self/task/<pid>/schedstat: ms on the CPU (our own work: JavaScript, GC) and ms runnable
 * but waiting for a CPU (the machine's load). `SIGUSR2` writes the gaps since the last signal,
 * as JSON `[late, cpu, wait][]`, to $LAG_PROBE_FILE.
 */
import { readFileSync, writeFileSync } from 'node:fs'

const file = process.env.LAG_PROBE_FILE
if (file) {
	const SCHED = `/proc/self/task/${process.pid}/schedstat`
	const sched = () => {
		const [cpu, wait] = readFileSync(SCHED, 'latin1').split(' ')
		return [Number(cpu) / 1e6, Number(wait) / 1e6] as const
	}
	const r1 = (v: number) => Math.round(v * 10) / 10
	let gaps: [number, number, number][] = []
	let last = performance.now()
	let [cpu0, wait0] = sched()
	setInterval(() => {
		const now = performance.now()
		const [cpu, wait] = sched()
		const late = now - last - 1
		if (late > 1) gaps.push([r1(late), r1(cpu - cpu0), r1(wait - wait0)])
		last = now
		cpu0 = cpu
		wait0 = wait
	}, 1).unref()
	process.on('SIGUSR2', () => {
		writeFileSync(file, JSON.stringify(gaps))
		gaps = []
	})
}
