import { MAX_LOAD_WORKERS, type LoadInput } from '../sessions/model'
import { UsageError } from './args'

const UNIT_SEC: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 }

/** `90`, `90s`, `500ms`, `5m`, `1h`, `1m30s` → seconds; anything else is a usage error (exit 2). */
export function parseDuration(flag: string, text: string): number {
	const t = text.trim().toLowerCase()
	if (/^\d+(\.\d+)?$/.test(t)) return positive(flag, text, Number(t))
	const parts = [...t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)]
	if (!parts.length || parts.map((p) => p[0]).join('') !== t)
		throw new UsageError(
			`--${flag} needs a duration such as 90s, 5m, 1h or 1m30s (got ${JSON.stringify(text)})`,
		)
	return positive(
		flag,
		text,
		parts.reduce((n, p) => n + Number(p[1]) * UNIT_SEC[p[2]], 0),
	)
}

function positive(flag: string, text: string, sec: number) {
	if (!(sec > 0)) throw new UsageError(`--${flag} must be longer than 0 (got ${text})`)
	return Math.round(sec * 1000) / 1000
}

/**
 * `--stages 30s:5,2m:20,30s:0`: rate stages (conversations per second, linear between stages,
 * like k6); a `c` suffix makes them concurrency stages (`30s:5c,1m:50c`). All alike.
 */
export function parseStages(text: string): NonNullable<LoadInput['stages']> {
	const stages = text.split(',').map((part) => {
		const m = part.trim().match(/^([^:]+):(\d+(?:\.\d+)?)(c?)$/i)
		if (!m)
			throw new UsageError(
				`--stages: each stage is DURATION:RATE or DURATION:CONCURRENCYc, e.g. 30s:5,2m:20,30s:0 (got ${JSON.stringify(part)})`,
			)
		const durationSec = parseDuration('stages', m[1])
		const n = Number(m[2])
		if (m[3]) {
			if (!Number.isInteger(n))
				throw new UsageError(`--stages: a concurrency is a whole number (got ${part})`)
			return { durationSec, concurrency: n }
		}
		return { durationSec, rate: n }
	})
	const kinds = new Set(stages.map((s) => ('rate' in s ? 'rate' : 'concurrency')))
	if (kinds.size > 1)
		throw new UsageError('--stages: all stages are rates, or all concurrencies (a c suffix)')
	return stages
}

/** Default `--max-in-flight` of `--rate` (the API asks for it explicitly). */
const DEFAULT_MAX_IN_FLIGHT = 1000

/**
 * `--workers N|auto` (`executionConfig.load.workers`, docs/architecture.md §4): the run split into
 * N shards, each taken by any `krawall --worker`; alone, the fixed count (repetitions ×
 * concurrency) is split. Whether the run can give N shards work is the API's check (a 400).
 */
export function parseWorkers(text: string): number | 'auto' {
	if (text.trim().toLowerCase() === 'auto') return 'auto'
	const n = Number(text)
	if (!(/^\d+$/.test(text.trim()) && n >= 1 && n <= MAX_LOAD_WORKERS))
		throw new UsageError(
			`--workers needs a whole number of shards from 1 to ${MAX_LOAD_WORKERS}, or auto (got ${JSON.stringify(text)})`,
		)
	return n
}

/** The `executionConfig.load` the flags describe, or undefined without any (today's behaviour). */
export function loadFromFlags(f: {
	rate?: string
	duration?: string
	stages?: string
	maxInFlight?: string
	poisson?: boolean
	workers?: string
}): LoadInput | undefined {
	const model = modelFromFlags(f)
	if (f.workers === undefined) return model
	return { ...(model ?? { type: 'closed' as const }), workers: parseWorkers(f.workers) }
}

function modelFromFlags(f: {
	rate?: string
	duration?: string
	stages?: string
	maxInFlight?: string
	poisson?: boolean
}): LoadInput | undefined {
	const maxInFlight =
		f.maxInFlight === undefined ? undefined : Number(f.maxInFlight.replace(/_/g, ''))
	if (maxInFlight !== undefined && !(Number.isInteger(maxInFlight) && maxInFlight >= 1))
		throw new UsageError(`--max-in-flight needs an integer ≥ 1 (got ${f.maxInFlight})`)
	if (f.stages !== undefined) {
		if (f.poisson) throw new UsageError('--poisson goes with --rate, not --stages')
		if (f.rate !== undefined || f.duration !== undefined)
			throw new UsageError('--stages sets its own rates and durations: drop --rate and --duration')
		const stages = parseStages(f.stages)
		return { type: 'stages', stages, ...(maxInFlight !== undefined ? { maxInFlight } : {}) }
	}
	if (f.rate !== undefined) {
		const rate = Number(f.rate)
		if (!(Number.isFinite(rate) && rate > 0))
			throw new UsageError(`--rate needs conversations per second > 0 (got ${f.rate})`)
		if (f.duration === undefined)
			throw new UsageError('--rate needs --duration, e.g. --duration 5m')
		return {
			type: 'arrival',
			rate,
			durationSec: parseDuration('duration', f.duration),
			maxInFlight: maxInFlight ?? DEFAULT_MAX_IN_FLIGHT,
			...(f.poisson ? { distribution: 'poisson' as const } : {}),
		}
	}
	if (maxInFlight !== undefined || f.poisson)
		throw new UsageError(`--${f.poisson ? 'poisson' : 'max-in-flight'} needs --rate or --stages`)
	if (f.duration !== undefined)
		return { type: 'closed', durationSec: parseDuration('duration', f.duration) }
	return undefined
}
