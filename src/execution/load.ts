import type { LoadModel } from '../sessions/snapshot'

/**
 * Load models (docs/architecture.md §4): when conversations start. Pure functions of the frozen
 * model, so the runner, the execute estimate and the tests compute the same schedule.
 *
 * An open model (`arrival`, rate `stages`) places its k-th start at Λ⁻¹(u_k), where Λ(t) is the
 * number of starts the rate asks for by t (∫ rate, piecewise linear rate → piecewise quadratic Λ)
 * and u_k is k (constant) or a sum of k unit exponential gaps (Poisson, a time-changed Poisson
 * process). Every start is an offset from the run's start, never from the previous start, so
 * lateness never accumulates (wrk2).
 */

/** Rate segments of an open model: `from` → `to` starts per second over `durationSec`. */
interface Segment {
	startSec: number
	durationSec: number
	from: number
	to: number
	/** Λ at the segment's start. */
	before: number
}

function segmentsOf(load: LoadModel): Segment[] {
	const raw =
		load.type === 'arrival'
			? [{ durationSec: load.durationSec, from: load.rate, to: load.rate }]
			: load.type === 'stages'
				? load.stages.map((s, i) => ({
						durationSec: s.durationSec,
						// Linear between stages, the first ramping from 0 (k6 `stages`).
						from: i === 0 ? 0 : (load.stages[i - 1].rate ?? 0),
						to: s.rate ?? 0,
					}))
				: []
	let startSec = 0
	let before = 0
	return raw.map((r) => {
		const s = { ...r, startSec, before }
		startSec += r.durationSec
		before += ((r.from + r.to) / 2) * r.durationSec
		return s
	})
}

/** True for the models whose starts follow a rate (and may be dropped at `maxInFlight`). */
export const isOpenModel = (load: LoadModel | undefined): boolean =>
	!!load &&
	(load.type === 'arrival' || (load.type === 'stages' && load.stages[0]?.rate !== undefined))

/** The model's total length in seconds; null for a closed model without a duration. */
export function loadDurationSec(load: LoadModel | undefined): number | null {
	if (!load) return null
	if (load.type === 'stages') return load.stages.reduce((n, s) => n + s.durationSec, 0)
	return load.durationSec ?? null
}

/** Default in-flight cap of rate stages (arrival names its own). */
export const DEFAULT_MAX_IN_FLIGHT = 1000

export const maxInFlightOf = (load: LoadModel): number =>
	load.type === 'arrival'
		? load.maxInFlight
		: load.type === 'stages'
			? (load.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT)
			: Infinity

/** Time (s from the start) at which Λ reaches `u`; null past the end of the model. */
function inverse(segments: Segment[], u: number): number | null {
	for (const s of segments) {
		const total = ((s.from + s.to) / 2) * s.durationSec
		if (u > s.before + total || (total === 0 && u >= s.before)) continue
		const need = u - s.before
		if (need <= 0) return s.startSec
		const slope = (s.to - s.from) / s.durationSec
		// need = from·x + slope·x²/2, solved for x in [0, durationSec].
		const x =
			Math.abs(slope) < 1e-12
				? need / s.from
				: (-s.from + Math.sqrt(Math.max(0, s.from * s.from + 2 * slope * need))) / slope
		return s.startSec + Math.min(s.durationSec, Math.max(0, x))
	}
	return null
}

/** mulberry32: a small seeded PRNG, so a Poisson schedule can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
	let a = seed >>> 0
	return () => {
		a = (a + 0x6d2b79f5) >>> 0
		let t = a
		t = Math.imul(t ^ (t >>> 15), t | 1)
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296
	}
}

/**
 * The conversations a session plans (its progress bar's total): `repetitions`, or the starts a
 * rate asks for; 0 ("unknown") when time, not a count, ends the run (closed with a duration,
 * concurrency stages).
 */
export function plannedConversations(s: { repetitions: number; load?: LoadModel }): number {
	const load = s.load
	if (!load || (load.type === 'closed' && !load.durationSec)) return s.repetitions
	return isOpenModel(load) ? expectedStarts(load) : 0
}

/**
 * The due starts of an open model, as ms offsets from the run's start, in order; ends when the
 * model's duration is over (a start exactly at the end is not due).
 */
export function* arrivalOffsets(load: LoadModel, seed = 0): Generator<number> {
	const segments = segmentsOf(load)
	const end = loadDurationSec(load) ?? 0
	const poisson = load.type === 'arrival' && load.distribution === 'poisson'
	const random = seededRandom(seed)
	let u = 0
	for (let k = 0; ; k++) {
		if (poisson && k > 0) u += -Math.log(1 - random())
		else if (!poisson) u = k
		const t = inverse(segments, u)
		if (t === null || t >= end) return
		yield t * 1000
	}
}

/** How many starts an open model plans (exact: the same generator the runner uses). */
export function plannedStarts(load: LoadModel, seed = 0): number {
	let n = 0
	for (const _ of arrivalOffsets(load, seed)) n++
	return n
}

/** Starts an open model asks for, estimated without walking the schedule (∫ rate). */
export function expectedStarts(load: LoadModel): number {
	const segs = segmentsOf(load)
	const last = segs[segs.length - 1]
	return last ? Math.ceil(last.before + ((last.from + last.to) / 2) * last.durationSec) : 0
}

/** The concurrency a `stages` model of concurrency stages asks for at `sec` (linear, from 0). */
export function concurrencyAt(load: LoadModel, sec: number): number {
	if (load.type !== 'stages') return 0
	let start = 0
	for (let i = 0; i < load.stages.length; i++) {
		const s = load.stages[i]
		const from = i === 0 ? 0 : (load.stages[i - 1].concurrency ?? 0)
		const to = s.concurrency ?? 0
		if (sec < start + s.durationSec) return from + ((to - from) * (sec - start)) / s.durationSec
		start += s.durationSec
	}
	return 0
}

/** The peak concurrency of concurrency stages. */
export const peakConcurrency = (load: LoadModel): number =>
	load.type === 'stages' ? Math.max(0, ...load.stages.map((s) => s.concurrency ?? 0)) : 0
