import { readFileSync } from 'node:fs'
import type { Config } from '../config'
import type { LoadGeneratorHealth, ShardHealth } from './summary-metrics'

/**
 * Load-generator health (docs/architecture.md §5): while a run goes, this process samples its own
 * event-loop lag (how late a 100 ms timer fires: the delay a reply's timestamp can carry) and the
 * CPU of the engine's thread (the JavaScript main thread: its run time from Linux's
 * /proc/self/task/<pid>/schedstat ÷ wall time, 100 % = one core; where that file is missing,
 * process.cpuUsage, all threads). The embedded database runs on its own thread
 * (src/db/pglite-worker.ts), so its work is not the engine's. Figures are per process:
 * sessions running side by side in one worker see the same thread. Latencies
 * are marked suspect when lag p99 or average CPU reach the configured limits (k6 advises keeping
 * the generator's CPU under 80 %, Locust warns at 90 %; defaults 80 % and 50 ms).
 * `perf_hooks.monitorEventLoopDelay` exists in Bun but a timer's drift is the same measure on
 * every runtime and needs no histogram.
 */
export const HEALTH_SAMPLE_MS = 100

export interface HealthLimits {
	maxCpuPct: number
	maxLagMs: number
}

export const healthLimits = (
	c: Pick<Config, 'healthMaxCpuPct' | 'healthMaxLagMs'>,
): HealthLimits => ({
	maxCpuPct: c.healthMaxCpuPct,
	maxLagMs: c.healthMaxLagMs,
})

const r1 = (v: number) => Math.round(v * 10) / 10

/** Nearest-rank percentile of sorted values. */
function rank(sorted: number[], p: number): number {
	if (!sorted.length) return 0
	return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!
}

const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`

/** CPU time of the main thread in µs (Linux), else of the whole process. */
export function engineCpuMicros(): number {
	try {
		// "<ns on CPU> <ns waiting> <timeslices>"
		return Number(readFileSync(SCHEDSTAT, 'latin1').split(' ', 1)[0]) / 1000
	} catch {
		const c = process.cpuUsage()
		return c.user + c.system
	}
}

/** Starts sampling; `stop()` ends it and returns the figures with the verdict. */
export function startHealthMonitor(limits: HealthLimits, sampleMs = HEALTH_SAMPLE_MS) {
	const lags: number[] = []
	const cpus: number[] = []
	let lastWall = performance.now()
	let lastCpu = engineCpuMicros()
	let expected = lastWall + sampleMs
	const sample = (now: number) => {
		const cpu = engineCpuMicros()
		const wallMs = now - lastWall
		if (wallMs > 0) cpus.push(((cpu - lastCpu) / 1000 / wallMs) * 100)
		lastWall = now
		lastCpu = cpu
	}
	const timer = setInterval(() => {
		const now = performance.now()
		lags.push(Math.max(0, now - expected))
		expected = now + sampleMs
		sample(now)
	}, sampleMs)
	return {
		stop(): LoadGeneratorHealth {
			clearInterval(timer)
			const now = performance.now()
			// The tail since the last tick: a short run still has a CPU figure; a blocked loop's
			// pending tick counts as lag.
			if (now - lastWall >= sampleMs / 2 || !cpus.length) {
				lags.push(Math.max(0, now - expected))
				sample(now)
			}
			const sorted = [...lags].sort((a, b) => a - b)
			const lag = {
				p50: r1(rank(sorted, 0.5)),
				p99: r1(rank(sorted, 0.99)),
				max: r1(sorted.at(-1) ?? 0),
			}
			const cpuPct = {
				avg: r1(cpus.reduce((s, v) => s + v, 0) / Math.max(1, cpus.length)),
				max: r1(Math.max(0, ...cpus)),
			}
			const reasons: string[] = []
			if (lag.p99 >= limits.maxLagMs)
				reasons.push(
					`event-loop lag p99 ${lag.p99} ms ≥ ${limits.maxLagMs} ms: reply timestamps may be late`,
				)
			if (cpuPct.avg >= limits.maxCpuPct)
				reasons.push(
					`load-generator CPU averaged ${cpuPct.avg} % ≥ ${limits.maxCpuPct} %: latencies may include Krawall's own queueing`,
				)
			return {
				eventLoopLagMs: lag,
				cpuPct,
				samples: lags.length,
				sampleIntervalMs: sampleMs,
				limits: { maxCpuPct: limits.maxCpuPct, maxLagP99Ms: limits.maxLagMs },
				suspect: reasons.length > 0,
				reasons,
			}
		},
	}
}

/**
 * A sharded run's health from its shards' (docs/architecture.md §4, §5): each shard kept as it
 * was measured, and one verdict over them — suspect when any shard is (its reasons, named by
 * shard), lag the worst shard's, CPU avg weighted by each shard's samples. Null when no shard
 * was watched to its end (every one lost).
 */
export function mergeShardHealth(shards: ShardHealth[]): LoadGeneratorHealth | null {
	if (!shards.length) return null
	const max = (f: (s: ShardHealth) => number) => r1(Math.max(...shards.map(f)))
	const samples = shards.reduce((n, s) => n + s.samples, 0)
	const weighted = shards.reduce((n, s) => n + s.cpuPct.avg * s.samples, 0)
	const first = shards[0]!
	const reasons = shards.flatMap((s) =>
		s.suspect ? s.reasons.map((r) => `shard ${s.shardIndex + 1} of ${s.shardCount}: ${r}`) : [],
	)
	return {
		eventLoopLagMs: {
			p50: max((s) => s.eventLoopLagMs.p50),
			p99: max((s) => s.eventLoopLagMs.p99),
			max: max((s) => s.eventLoopLagMs.max),
		},
		cpuPct: {
			avg: r1(samples ? weighted / samples : 0),
			max: max((s) => s.cpuPct.max),
		},
		samples,
		sampleIntervalMs: first.sampleIntervalMs,
		limits: first.limits,
		suspect: shards.some((s) => s.suspect),
		reasons,
		shards,
	}
}
