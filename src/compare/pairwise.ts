/**
 * Order statistics of the n1·n2 pairwise differences y_j − x_i without building them: with both
 * samples sorted, the differences form a sorted matrix, so "how many are ≤ t" takes one two-pointer
 * pass, O(n1 + n2). The k-th smallest is then found by bisecting over the doubles themselves (their
 * IEEE bit patterns, ordered as integers), at most 64 passes: O((n1 + n2) · 64) time, O(1) extra
 * memory, and the result is exactly one of the computed differences (no tolerance). 100k × 100k
 * samples (10¹⁰ differences) take a few tens of milliseconds.
 *
 * Floating-point subtraction is monotone (correct rounding), so fl(y_j − x_i) is non-decreasing in
 * j and non-increasing in i, which is all the two-pointer pass relies on.
 */

/** How many fl(ys[j] − xs[i]) are ≤ t; xs and ys sorted ascending. */
export function countDifferencesAtMost(xs: Float64Array, ys: Float64Array, t: number): number {
	let count = 0
	let j = 0
	for (let i = 0; i < xs.length; i++) {
		const x = xs[i]
		while (j < ys.length && ys[j] - x <= t) j++
		count += j
	}
	return count
}

const SIGN = 1n << 63n
const MAGNITUDE = SIGN - 1n

/** Orders doubles as integers: key(a) < key(b) ⇔ a < b (−0 and +0 share 0). */
function toKey(view: { f: Float64Array; i: BigInt64Array }, v: number): bigint {
	view.f[0] = v
	const bits = view.i[0]
	return bits < 0n ? -(bits & MAGNITUDE) : bits
}

function fromKey(view: { f: Float64Array; i: BigInt64Array }, key: bigint): number {
	view.i[0] = key >= 0n ? key : BigInt.asIntN(64, -key | SIGN)
	return view.f[0]
}

/**
 * The k-th smallest (1-based) of fl(ys[j] − xs[i]) over all pairs; xs and ys sorted ascending,
 * non-empty, finite.
 */
export function kthDifference(xs: Float64Array, ys: Float64Array, k: number): number {
	const total = xs.length * ys.length
	if (!(k >= 1 && k <= total && Number.isInteger(k))) {
		throw new RangeError(`k must be an integer in 1..${total} (got ${k})`)
	}
	const f = new Float64Array(1)
	const view = { f, i: new BigInt64Array(f.buffer) }
	let lo = toKey(view, ys[0] - xs[xs.length - 1])
	let hi = toKey(view, ys[ys.length - 1] - xs[0])
	// Smallest t with count(≤ t) ≥ k; the answer is a difference, so it is reached exactly.
	while (lo < hi) {
		const mid = (lo + hi) >> 1n
		if (countDifferencesAtMost(xs, ys, fromKey(view, mid)) >= k) hi = mid
		else lo = mid + 1n
	}
	return fromKey(view, lo)
}

/** Median of the pairwise differences: the Hodges–Lehmann estimate of the shift y − x. */
export function medianDifference(xs: Float64Array, ys: Float64Array): number {
	const total = xs.length * ys.length
	if (total % 2 === 1) return kthDifference(xs, ys, (total + 1) / 2)
	return (kthDifference(xs, ys, total / 2) + kthDifference(xs, ys, total / 2 + 1)) / 2
}
