import { mannWhitneySorted, sortedSample, type ShiftEstimate } from './mann-whitney'
import { sortedMedian } from './select'

/**
 * Whether two runs differ in response time (per-message samples) or cost per conversation
 * (per-conversation samples), as the compare page, the API and the CLI report it.
 *
 * The product shows ONE method: the two-sided Mann–Whitney U test (p-value) with the
 * Hodges–Lehmann estimate of the shift and its 95 % confidence interval. Why this and not the
 * bootstrap (bootstrap.ts, kept for a difference of means):
 * - Latencies and costs are skewed with long tails and outliers (a retried 429, a runaway
 *   conversation); a rank test is not moved by a few extreme values and assumes no distribution.
 * - It uses every sample in O(n log n) with no resampling and no seed, so the same two runs give
 *   the same verdict everywhere, at 100k+ messages too (the bootstrap has to subsample).
 * - The interval belongs to the test: it is the set of shifts the test would not reject, so
 *   "significant" and "the interval excludes 0" agree (exactly without ties), and the interval is
 *   in the metric's own unit (ms, $), which is what a reader weighs.
 * What it measures: a shift of the whole distribution, not a difference of means; for a mean
 * (e.g. total spend ÷ conversations), use bootstrapDifference(..., { statistic: 'mean' }).
 * With very large samples, tiny shifts are significant; the interval shows whether one matters.
 */
export const SIGNIFICANCE_METHOD = 'mann-whitney-u' as const

export type SampleSummary = { n: number; median: number }

export type SampleComparison = {
	method: typeof SIGNIFICANCE_METHOD
	/** How the p-value was computed (mann-whitney.ts). */
	pMethod: 'exact' | 'asymptotic'
	p: number
	/** 1 − confidence. */
	alpha: number
	/** p < alpha. */
	significant: boolean
	/** U of the baseline sample and the standardised statistic (> 0: current tends larger). */
	u: number
	z: number
	/** Hodges–Lehmann shift current − baseline, in the samples' unit, with its interval. */
	shift: ShiftEstimate
	baseline: SampleSummary
	current: SampleSummary
}

/** Null when either sample is empty (nothing to compare). Values must be finite. */
export function compareSamples(
	baseline: ArrayLike<number>,
	current: ArrayLike<number>,
	opts: { confidence?: number } = {},
): SampleComparison | null {
	if (baseline.length === 0 || current.length === 0) return null
	const xs = sortedSample(baseline, 'baseline')
	const ys = sortedSample(current, 'current')
	const confidence = opts.confidence ?? 0.95
	const r = mannWhitneySorted(xs, ys, { confidence })
	const alpha = 1 - confidence
	return {
		method: SIGNIFICANCE_METHOD,
		pMethod: r.pMethod,
		p: r.p,
		alpha,
		significant: r.p < alpha,
		u: r.uBaseline,
		z: r.z,
		shift: r.shift,
		baseline: { n: xs.length, median: sortedMedian(xs) },
		current: { n: ys.length, median: sortedMedian(ys) },
	}
}
