import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { bootstrapDifference } from '../../src/compare/bootstrap'
import { seededRandom, subsample } from '../../src/compare/prng'

/** Deterministic, skewed, response-time-like values (no PRNG of our own in the fixture). */
const times = (n: number, scale: number, offset = 0) =>
	Array.from({ length: n }, (_, i) => offset + scale * (1 + ((i * 7919) % 997) / 997) ** 3)

describe('percentile bootstrap of a difference', () => {
	test('reproducible: same samples and seed give the same interval; another seed a different one', () => {
		const a = times(800, 100)
		const b = times(700, 104)
		const one = bootstrapDifference(a, b, { seed: 7 })!
		expect(bootstrapDifference(a, b, { seed: 7 })).toEqual(one)
		const other = bootstrapDifference(a, b, { seed: 8 })!
		expect(other.low).not.toBe(one.low)
		expect(other.estimate).toBe(one.estimate)
	})

	test('a shifted copy: the median difference interval contains the true shift and excludes 0', () => {
		const a = times(3000, 100)
		const shift = 25
		const r = bootstrapDifference(
			a,
			a.map((v) => v + shift),
		)!
		expect(r.estimate).toBeCloseTo(shift, 9)
		expect(r.low).toBeLessThanOrEqual(shift)
		expect(r.high).toBeGreaterThanOrEqual(shift)
		expect(r.significant).toBe(true)
		expect(r.low).toBeGreaterThan(0)
	})

	test('identical samples are not significant', () => {
		const a = times(2000, 100)
		for (const statistic of ['median', 'mean'] as const) {
			const r = bootstrapDifference(a, [...a].reverse(), { statistic })!
			expect(r.estimate).toBeCloseTo(0, 9)
			expect(r.low).toBeLessThan(0)
			expect(r.high).toBeGreaterThan(0)
			expect(r.significant).toBe(false)
		}
	})

	test('difference of means: interval width matches the normal theory ±1.96·SE within 10 %', () => {
		const a = times(4000, 100)
		const b = times(3000, 110, 5)
		const r = bootstrapDifference(a, b, { statistic: 'mean', resamples: 4000 })!
		const variance = (v: number[]) => {
			const m = v.reduce((s, x) => s + x, 0) / v.length
			return v.reduce((s, x) => s + (x - m) ** 2, 0) / (v.length - 1)
		}
		const se = Math.sqrt(variance(a) / a.length + variance(b) / b.length)
		const width = r.high - r.low
		expect(Math.abs(width / (2 * 1.959964 * se) - 1)).toBeLessThan(0.1)
		expect(r.low < r.estimate && r.estimate < r.high).toBe(true)
	})

	test('bounded: 200k values are reduced to maxSamples per side; the estimate still uses all', () => {
		const a = times(200_000, 100)
		const b = times(150_000, 100, 1)
		const r = bootstrapDifference(a, b, { resamples: 200, maxSamples: 2000 })!
		expect(r.used).toEqual({ baseline: 2000, current: 2000 })
		expect(r.resamples).toBe(200)
		const median = (v: number[]) => {
			const s = Float64Array.from(v).sort()
			return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
		}
		expect(r.estimate).toBe(median(b) - median(a))
	})

	test('empty samples give null; bad options and non-finite values are refused', () => {
		expect(bootstrapDifference([], [1])).toBeNull()
		expect(() => bootstrapDifference([1], [2], { confidence: 0 })).toThrow(RangeError)
		expect(() => bootstrapDifference([1], [2], { resamples: 0 })).toThrow('resamples')
		expect(() => bootstrapDifference([1], [2], { maxSamples: 1.5 })).toThrow('maxSamples')
		expect(() => bootstrapDifference([1, NaN], [2])).toThrow('baseline[1]')
	})

	test('low ≤ high, and the interval narrows as confidence drops', () => {
		fc.assert(
			fc.property(
				fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 50 }),
				fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 50 }),
				fc.nat(),
				(a, b, seed) => {
					const wide = bootstrapDifference(a, b, { seed, resamples: 200 })!
					const narrow = bootstrapDifference(a, b, { seed, resamples: 200, confidence: 0.5 })!
					expect(wide.low).toBeLessThanOrEqual(wide.high)
					expect(wide.low).toBeLessThanOrEqual(narrow.low)
					expect(wide.high).toBeGreaterThanOrEqual(narrow.high)
				},
			),
			{ numRuns: 50 },
		)
	})
})

describe('seeded PRNG and subsampling', () => {
	test('values in [0, 1), same seed same stream, roughly uniform', () => {
		const r1 = seededRandom(42)
		const r2 = seededRandom(42)
		const buckets = new Array(10).fill(0)
		for (let i = 0; i < 100_000; i++) {
			const v = r1()
			expect(v).toBe(r2())
			buckets[Math.floor(v * 10)]++
		}
		expect(roughlyUniform(buckets)).toBe(true)
		expect(seededRandom(43)()).not.toBe(seededRandom(42)())
	})

	test('subsample keeps every value when under the cap, else exactly cap values from the input', () => {
		const values = Array.from({ length: 10_000 }, (_, i) => i)
		expect(Array.from(subsample(values.slice(0, 50), 100, seededRandom(1)))).toEqual(
			values.slice(0, 50),
		)
		const s = subsample(values, 500, seededRandom(1))
		expect(s.length).toBe(500)
		expect(new Set(s).size).toBe(500)
		// drawn from the whole range, not just the start
		expect(Math.max(...s)).toBeGreaterThan(9000)
	})
})

/** Each of 10 buckets within 5 % of 10 000 draws. */
function roughlyUniform(buckets: number[]) {
	return buckets.every((n) => Math.abs(n - 10_000) < 500)
}
