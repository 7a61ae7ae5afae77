/** Order statistics in O(n) without a full sort (Hoare's quickselect, median-of-three pivots). */

/** Rearranges `a` so a[k] is its k-th smallest (0-based), smaller before, larger after. */
export function selectInPlace(a: Float64Array, k: number): number {
	let lo = 0
	let hi = a.length - 1
	while (hi > lo) {
		const mid = (lo + hi) >>> 1
		// Median of three as pivot keeps sorted or constant inputs away from the O(n²) case.
		const x = a[lo]
		const y = a[mid]
		const z = a[hi]
		const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y
		let i = lo
		let j = hi
		while (i <= j) {
			while (a[i] < pivot) i++
			while (a[j] > pivot) j--
			if (i <= j) {
				const t = a[i]
				a[i] = a[j]
				a[j] = t
				i++
				j--
			}
		}
		if (k <= j) hi = j
		else if (k >= i) lo = i
		else return a[k]
	}
	return a[k]
}

/** Median of a non-empty array; reorders it. */
export function medianInPlace(a: Float64Array): number {
	const n = a.length
	// + 0 everywhere a median is returned: −0 would print as "-0".
	const upper = selectInPlace(a, n >>> 1)
	if (n % 2 === 1) return upper + 0
	// After selection everything before n/2 is ≤ upper; the lower middle is their maximum.
	let lower = a[0]
	for (let i = 1; i < n >>> 1; i++) if (a[i] > lower) lower = a[i]
	return (lower + upper) / 2 + 0
}

/** Median of an ascending array. */
export function sortedMedian(a: Float64Array): number {
	const n = a.length
	return (n % 2 === 1 ? a[(n - 1) / 2] : (a[n / 2 - 1] + a[n / 2]) / 2) + 0
}

export function mean(a: ArrayLike<number>): number {
	let sum = 0
	for (let i = 0; i < a.length; i++) sum += a[i]
	return sum / a.length
}

/** Linear interpolation between order statistics (numpy.percentile's default); `a` ascending. */
export function sortedQuantile(a: Float64Array, q: number): number {
	const h = (a.length - 1) * q
	const i = Math.floor(h)
	return i + 1 < a.length ? a[i] + (h - i) * (a[i + 1] - a[i]) : a[i]
}
