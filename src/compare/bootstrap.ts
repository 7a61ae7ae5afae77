import { randomIndex, seededRandom, subsample, type Random } from './prng'
import { mean, medianInPlace, sortedQuantile } from './select'

/**
 * Percentile bootstrap confidence interval for the difference current − baseline of a statistic
 * (median or mean), resampling each sample independently with replacement (Efron & Tibshirani,
 * An Introduction to the Bootstrap, ch. 13; scipy.stats.bootstrap(method='percentile')).
 *
 * Bounded cost: each sample is first reduced to at most `maxSamples` values drawn without
 * replacement (reservoir sampling with the same seeded PRNG), so time is
 * O(n + resamples · maxSamples) and memory O(maxSamples + resamples) whatever n is. With a cap
 * in force the interval is wider than the full data would give, i.e. conservative; the
 * estimate itself is computed on all values. The same samples (in the same order) and seed give
 * the same interval.
 */

export type BootstrapStatistic = 'median' | 'mean'

export type BootstrapOptions = {
	statistic?: BootstrapStatistic
	/** Default 0.95. */
	confidence?: number
	/** Default 2000. */
	resamples?: number
	/** Per sample; default 5000. */
	maxSamples?: number
	/** Default 0x5eed. */
	seed?: number
}

export type BootstrapResult = {
	method: 'bootstrap-percentile'
	statistic: BootstrapStatistic
	/** statistic(current) − statistic(baseline) over all values. */
	estimate: number
	low: number
	high: number
	confidence: number
	resamples: number
	seed: number
	/** How many values of each sample the resamples were drawn from (≤ maxSamples). */
	used: { baseline: number; current: number }
	/** The interval excludes 0. */
	significant: boolean
}

const DEFAULTS = { confidence: 0.95, resamples: 2000, maxSamples: 5000, seed: 0x5eed }

function statisticOf(kind: BootstrapStatistic, values: Float64Array): number {
	return kind === 'mean' ? mean(values) : medianInPlace(values)
}

function resampleStatistic(
	kind: BootstrapStatistic,
	source: Float64Array,
	buffer: Float64Array,
	random: Random,
): number {
	for (let i = 0; i < buffer.length; i++) buffer[i] = source[randomIndex(random, source.length)]
	return statisticOf(kind, buffer)
}

function positiveInteger(name: string, v: number) {
	if (!(Number.isInteger(v) && v >= 1)) throw new RangeError(`${name} must be an integer ≥ 1`)
}

/** Null when either sample is empty. */
export function bootstrapDifference(
	baseline: ArrayLike<number>,
	current: ArrayLike<number>,
	opts: BootstrapOptions = {},
): BootstrapResult | null {
	const statistic = opts.statistic ?? 'median'
	const confidence = opts.confidence ?? DEFAULTS.confidence
	const resamples = opts.resamples ?? DEFAULTS.resamples
	const maxSamples = opts.maxSamples ?? DEFAULTS.maxSamples
	const seed = opts.seed ?? DEFAULTS.seed
	if (!(confidence > 0 && confidence < 1)) {
		throw new RangeError(`confidence must be between 0 and 1 (got ${confidence})`)
	}
	positiveInteger('resamples', resamples)
	positiveInteger('maxSamples', maxSamples)
	if (baseline.length === 0 || current.length === 0) return null
	for (const [name, values] of [
		['baseline', baseline],
		['current', current],
	] as const) {
		for (let i = 0; i < values.length; i++) {
			if (!Number.isFinite(values[i])) throw new RangeError(`${name}[${i}] is not a finite number`)
		}
	}

	const estimate =
		statisticOf(statistic, Float64Array.from(current)) -
		statisticOf(statistic, Float64Array.from(baseline))
	const random = seededRandom(seed)
	const a = subsample(baseline, maxSamples, random)
	const b = subsample(current, maxSamples, random)
	const bufferA = new Float64Array(a.length)
	const bufferB = new Float64Array(b.length)
	const diffs = new Float64Array(resamples)
	for (let r = 0; r < resamples; r++) {
		const sa = resampleStatistic(statistic, a, bufferA, random)
		diffs[r] = resampleStatistic(statistic, b, bufferB, random) - sa
	}
	diffs.sort()
	const alpha = 1 - confidence
	const low = sortedQuantile(diffs, alpha / 2)
	const high = sortedQuantile(diffs, 1 - alpha / 2)
	return {
		method: 'bootstrap-percentile',
		statistic,
		// + 0: never −0, which a view would print as "-0"
		estimate: estimate + 0,
		low: low + 0,
		high: high + 0,
		confidence,
		resamples,
		seed,
		used: { baseline: a.length, current: b.length },
		significant: low > 0 || high < 0,
	}
}
