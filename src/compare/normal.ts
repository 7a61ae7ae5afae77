/**
 * The standard normal tail and its inverse, accurate to about 1e-14 relative, which the
 * Mann–Whitney p-value and the Hodges–Lehmann interval need. Written here instead of pulling in
 * @stdlib (about 140 packages for two functions); checked against scipy.stats.norm in
 * test/compare/normal.test.ts.
 *
 * erfc uses two expansions that need no fitted constants: the all-positive series
 * erf(x) = 2/√π · e^{-x²} · Σ (2x²)ⁿ x / (1·3·…·(2n+1)) below x = 2 (erfc ≥ 0.0047 there, so
 * 1 − erf loses nothing relevant), and the Laplace continued fraction (modified Lentz) above,
 * where the series would cancel. Abramowitz & Stegun 7.1.6 and 7.1.14.
 */

const SQRT_PI = Math.sqrt(Math.PI)

/** erfc(x) for x ≥ 0, given x and x² (x² passed in so callers can compute it without a sqrt). */
function erfcPositive(x: number, x2: number): number {
	if (x < 2) {
		let term = x
		let sum = x
		for (let n = 1; n < 200 && term > sum * 1e-17; n++) {
			term *= (2 * x2) / (2 * n + 1)
			sum += term
		}
		return 1 - (2 / SQRT_PI) * Math.exp(-x2) * sum
	}
	// f = x + (1/2)/(x + 1/(x + (3/2)/(x + …))), erfc = e^{-x²} / (√π f)
	const tiny = 1e-300
	let f = x
	let c = f
	let d = 0
	for (let n = 1; n < 500; n++) {
		const a = n / 2
		d = x + a * d
		d = Math.abs(d) < tiny ? tiny : d
		d = 1 / d
		c = x + a / c
		c = Math.abs(c) < tiny ? tiny : c
		const delta = c * d
		f *= delta
		if (Math.abs(delta - 1) < 1e-16) break
	}
	return Math.exp(-x2) / (SQRT_PI * f)
}

/** P(Z > z) for a standard normal Z (scipy.stats.norm.sf). */
export function normalSf(z: number): number {
	if (Number.isNaN(z)) return NaN
	if (z === Infinity) return 0
	if (z === -Infinity) return 1
	const t = Math.abs(z)
	const upper = erfcPositive(t / Math.SQRT2, (t * t) / 2) / 2
	return z >= 0 ? upper : 1 - upper
}

/** The z with P(Z ≤ z) = p (scipy.stats.norm.ppf), for 0 < p < 1. */
export function normalQuantile(p: number): number {
	if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile needs 0 < p < 1 (got ${p})`)
	if (p === 0.5) return 0
	// Solve sf(t) = q on the smaller tail by bisection (sf is monotone; 40 covers q ≥ 1e-300),
	// then one Newton step to polish the last bits.
	const q = Math.min(p, 1 - p)
	let lo = 0
	let hi = 40
	for (let i = 0; i < 200 && hi - lo > 1e-15 * Math.max(1, lo); i++) {
		const mid = (lo + hi) / 2
		if (normalSf(mid) > q) lo = mid
		else hi = mid
	}
	let t = (lo + hi) / 2
	const density = Math.exp((-t * t) / 2) / Math.sqrt(2 * Math.PI)
	if (density > 0) t += (normalSf(t) - q) / density
	return p < 0.5 ? -t : t
}
