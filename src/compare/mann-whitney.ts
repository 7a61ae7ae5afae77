import { normalQuantile, normalSf } from './normal'
import { kthDifference, medianDifference } from './pairwise'

/**
 * Mann–Whitney U (Wilcoxon rank-sum), two-sided, with the Hodges–Lehmann estimate of the shift
 * and its distribution-free confidence interval (Hollander & Wolfe, Nonparametric Statistical
 * Methods, §4.1–4.3). The p-value matches scipy.stats.mannwhitneyu(baseline, current,
 * alternative='two-sided', method='auto'):
 *
 * - exact (the null distribution of U, counted) when there are no ties and the smaller sample has
 *   ≤ 8 values, as scipy's 'auto' chooses, as long as C(n1+n2, min) < 2⁵³ so the counts stay
 *   exact integers in doubles (beyond that the normal approximation is accurate to far more
 *   digits than a p-value is read with);
 * - otherwise the normal approximation with tie correction and continuity correction.
 *
 * The interval is the set of shifts d the same test would not reject at 1 − confidence when the
 * current sample is moved back by d (exactly so without ties; with ties the tie-corrected σ of the
 * data is used throughout): [D₍ₖ₎, D₍N+1−k₎] over the N = n1·n2 sorted differences
 * D = current − baseline, with k = ⌈N/2 − z·σ − ½⌉ (asymptotic) or the smallest k with
 * P(U ≤ k) ≥ α/2 (exact). A bound is null when the samples are too small to reach the confidence.
 *
 * Cost: two sorts, O(n log n); the estimate and bounds are O(n) selections (see pairwise.ts);
 * memory O(n1 + n2). No subsampling, so the result is deterministic.
 */

export type MannWhitneyMethod = 'auto' | 'exact' | 'asymptotic'

export type MannWhitneyOptions = {
	/** Of the shift interval, and 1 − α for the test; default 0.95. */
	confidence?: number
	method?: MannWhitneyMethod
}

export type ShiftEstimate = {
	/** Hodges–Lehmann: the median of all current − baseline differences. */
	estimate: number
	/** Null when the samples are too small for this confidence (the interval is unbounded). */
	low: number | null
	high: number | null
	confidence: number
}

export type MannWhitneyResult = {
	baselineN: number
	currentN: number
	/** U of the baseline sample: scipy's `statistic` for mannwhitneyu(baseline, current). */
	uBaseline: number
	/** n1·n2 − uBaseline. */
	uCurrent: number
	/** Standardised, tie- and continuity-corrected; > 0 when current values tend to be larger. */
	z: number
	/** Two-sided. */
	p: number
	pMethod: 'exact' | 'asymptotic'
	ties: boolean
	shift: ShiftEstimate
}

type Ranks = { uBaseline: number; tieTerm: number; ties: boolean }

/** Rank sum of the baseline with midranks for ties, by merging the two sorted samples. */
function rankSums(xs: Float64Array, ys: Float64Array): Ranks {
	let i = 0
	let j = 0
	let rank = 0
	let r1 = 0
	let tieTerm = 0
	while (i < xs.length || j < ys.length) {
		const v = j >= ys.length || (i < xs.length && xs[i] <= ys[j]) ? xs[i] : ys[j]
		const i0 = i
		const j0 = j
		while (i < xs.length && xs[i] === v) i++
		while (j < ys.length && ys[j] === v) j++
		const a = i - i0
		const t = a + (j - j0)
		r1 += a * (rank + (t + 1) / 2)
		rank += t
		if (t > 1) tieTerm += t * t * t - t
	}
	const n1 = xs.length
	return { uBaseline: r1 - (n1 * (n1 + 1)) / 2, tieTerm, ties: tieTerm > 0 }
}

function binomial(n: number, k: number): number {
	let c = 1
	for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i
	return c
}

/**
 * Counts of U = 0..m·n under H0 without ties: the coefficients of the Gaussian binomial
 * [m+n choose m]_q = Π_{i=1..m} (1 − q^{n+i}) / (1 − q^i); every partial product is itself a
 * Gaussian binomial, so each step stays an integer polynomial.
 */
function exactCounts(m: number, n: number): Float64Array {
	const size = m * n + 1
	let c = new Float64Array(size)
	c[0] = 1
	for (let i = 1; i <= m; i++) {
		const next = new Float64Array(size)
		for (let u = 0; u < size; u++) next[u] = c[u] - (u >= n + i ? c[u - n - i] : 0)
		for (let u = i; u < size; u++) next[u] += next[u - i]
		c = next
	}
	return c
}

function exactAllowed(n1: number, n2: number, ties: boolean): boolean {
	const m = Math.min(n1, n2)
	return !ties && m <= 8 && binomial(n1 + n2, m) < 2 ** 53
}

/** Both samples sorted ascending, non-empty, finite. */
export function mannWhitneySorted(
	xs: Float64Array,
	ys: Float64Array,
	opts: MannWhitneyOptions = {},
): MannWhitneyResult {
	const confidence = opts.confidence ?? 0.95
	if (!(confidence > 0 && confidence < 1)) {
		throw new RangeError(`confidence must be between 0 and 1 (got ${confidence})`)
	}
	const alpha = 1 - confidence
	const n1 = xs.length
	const n2 = ys.length
	const total = n1 * n2
	const mu = total / 2
	const { uBaseline, tieTerm, ties } = rankSums(xs, ys)
	const uCurrent = total - uBaseline
	const n = n1 + n2
	const sigma = Math.sqrt((total / 12) * (n + 1 - tieTerm / (n * (n - 1))))
	const dev = Math.abs(uCurrent - mu)
	const z = sigma > 0 ? (Math.sign(uCurrent - mu) * Math.max(0, dev - 0.5)) / sigma : 0

	const method = opts.method ?? 'auto'
	if (method === 'exact' && !exactAllowed(n1, n2, ties)) {
		throw new RangeError('the exact distribution needs untied samples, the smaller with ≤ 8 values')
	}
	const exact = method === 'exact' || (method === 'auto' && exactAllowed(n1, n2, ties))

	let p: number
	let k: number
	if (exact) {
		const counts = exactCounts(Math.min(n1, n2), Math.max(n1, n2))
		const all = binomial(n, Math.min(n1, n2))
		let upper = 0
		for (let u = Math.max(uBaseline, uCurrent); u <= total; u++) upper += counts[u]
		p = Math.min(1, (2 * upper) / all)
		let cdf = 0
		k = 0
		while (k <= total && (cdf += counts[k]) / all < alpha / 2) k++
	} else {
		p = sigma > 0 ? Math.min(1, 2 * normalSf((dev - 0.5) / sigma)) : 1
		k = sigma > 0 ? Math.ceil(mu - normalQuantile(1 - alpha / 2) * sigma - 0.5) : 1
	}

	// `+ 0` turns −0 into 0, which a view would otherwise print as "-0".
	const estimate = medianDifference(xs, ys) + 0
	const bounded = k >= 1 && k <= total + 1 - k
	return {
		baselineN: n1,
		currentN: n2,
		uBaseline,
		uCurrent,
		z: z + 0,
		p,
		pMethod: exact ? 'exact' : 'asymptotic',
		ties,
		shift: {
			estimate,
			low: bounded ? kthDifference(xs, ys, k) + 0 : null,
			high: bounded ? kthDifference(xs, ys, total + 1 - k) + 0 : null,
			confidence,
		},
	}
}

/** Sorted, finite copy; a non-finite value is a caller bug (filter failed messages first). */
export function sortedSample(values: ArrayLike<number>, name: string): Float64Array {
	const out = Float64Array.from(values)
	for (let i = 0; i < out.length; i++) {
		if (!Number.isFinite(out[i])) throw new RangeError(`${name}[${i}] is not a finite number`)
	}
	return out.sort()
}

/** Two-sided Mann–Whitney U of current vs baseline; null when either sample is empty. */
export function mannWhitneyU(
	baseline: ArrayLike<number>,
	current: ArrayLike<number>,
	opts: MannWhitneyOptions = {},
): MannWhitneyResult | null {
	if (baseline.length === 0 || current.length === 0) return null
	return mannWhitneySorted(
		sortedSample(baseline, 'baseline'),
		sortedSample(current, 'current'),
		opts,
	)
}
