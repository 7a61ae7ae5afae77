import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { mannWhitneyU } from '../../src/compare/mann-whitney'
import { kthDifference } from '../../src/compare/pairwise'
import { medianInPlace, selectInPlace } from '../../src/compare/select'
import { compareSamples } from '../../src/compare/stats'

const sample = (min = 1, max = 40) =>
	fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }), {
		minLength: min,
		maxLength: max,
	})
/** Response-time-like values with ties (0.1 ms resolution, small range). */
const tiedSample = (min = 1, max = 60) =>
	fc.array(
		fc.integer({ min: 0, max: 50 }).map((v) => v / 10),
		{ minLength: min, maxLength: max },
	)
const signedZeros = fc.array(fc.constantFrom(-0, 0, 1, -1), { minLength: 1, maxLength: 20 })
const sorted = (a: number[]) => Float64Array.from(a).sort()

/** Distinct integers split into two samples: no ties anywhere, exact arithmetic. */
const untiedPair = fc
	.uniqueArray(fc.integer({ min: -500, max: 500 }), { minLength: 2, maxLength: 36 })
	.chain((all) => fc.tuple(fc.constant(all), fc.integer({ min: 1, max: all.length - 1 })))
	.map(([all, cut]) => [all.slice(0, cut), all.slice(cut)] as [number[], number[]])

describe('Mann–Whitney U properties', () => {
	test('U1 + U2 = n1·n2, U and p in range, swapping samples mirrors everything', () => {
		fc.assert(
			fc.property(fc.oneof(sample(), tiedSample()), fc.oneof(sample(), tiedSample()), (x, y) => {
				const r = mannWhitneyU(x, y)!
				const s = mannWhitneyU(y, x)!
				expect(r.uBaseline + r.uCurrent).toBe(x.length * y.length)
				expect(r.uBaseline).toBeGreaterThanOrEqual(0)
				expect(r.uBaseline).toBeLessThanOrEqual(x.length * y.length)
				expect(r.p).toBeGreaterThanOrEqual(0)
				expect(r.p).toBeLessThanOrEqual(1)
				expect(s.uBaseline).toBe(r.uCurrent)
				expect(s.p).toBe(r.p)
				// + 0: the results never carry −0 (a view would print "-0")
				expect(s.z).toBe(-r.z + 0)
				expect(s.shift.estimate).toBe(-r.shift.estimate + 0)
				expect(s.shift.low).toBe(r.shift.high === null ? null : -r.shift.high + 0)
				expect(s.shift.high).toBe(r.shift.low === null ? null : -r.shift.low + 0)
			}),
		)
	})

	test('identical samples are never significant (p = 1)', () => {
		fc.assert(
			fc.property(fc.oneof(sample(), tiedSample()), (x) => {
				const r = compareSamples(x, [...x].reverse())!
				expect(r.p).toBe(1)
				expect(r.significant).toBe(false)
				expect(r.shift.estimate).toBe(0)
			}),
		)
	})

	test('a copy shifted beyond the sample range is significant once both have ≥ 5 values', () => {
		fc.assert(
			fc.property(
				fc.oneof(sample(5), tiedSample(5)),
				fc.integer({ min: 1, max: 1000 }),
				(x, gap) => {
					const span = Math.max(...x) - Math.min(...x)
					const y = x.map((v) => v + span + gap)
					const r = compareSamples(x, y)!
					expect(r.significant).toBe(true)
					expect(r.z).toBeGreaterThan(0)
					expect(r.shift.low!).toBeGreaterThan(0)
				},
			),
		)
	})

	test('a deterministic shift δ of the same values: estimate = δ and the interval contains δ', () => {
		fc.assert(
			fc.property(
				fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 80 }),
				fc.integer({ min: -5000, max: 5000 }),
				(x, delta) => {
					const r = mannWhitneyU(
						x,
						x.map((v) => v + delta),
					)!
					expect(r.shift.estimate).toBe(delta)
					if (r.shift.low !== null) expect(r.shift.low).toBeLessThanOrEqual(delta)
					if (r.shift.high !== null) expect(r.shift.high).toBeGreaterThanOrEqual(delta)
				},
			),
		)
	})

	test('the interval is exactly the shifts the test does not reject (untied data)', () => {
		fc.assert(
			fc.property(untiedPair, ([x, y]) => {
				const r = mannWhitneyU(x, y)!
				const lo = Math.min(...y) - Math.max(...x) - 2
				const hi = Math.max(...y) - Math.min(...x) + 2
				// Half-integer shifts never coincide with a difference nor create a tie.
				for (let d = lo + 0.5; d < hi; d += 1) {
					const moved = mannWhitneyU(
						x,
						y.map((v) => v - d),
					)!
					expect(moved.pMethod).toBe(r.pMethod)
					const inside =
						(r.shift.low === null || d > r.shift.low) && (r.shift.high === null || d < r.shift.high)
					expect(moved.p >= 0.05).toBe(inside)
				}
			}),
			{ numRuns: 40 },
		)
	})

	test('moving or scaling both samples alike changes neither U nor p', () => {
		fc.assert(
			fc.property(
				fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 40 }),
				fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 40 }),
				fc.integer({ min: -1000, max: 1000 }),
				fc.integer({ min: 1, max: 1000 }),
				(x, y, shift, scale) => {
					const r = mannWhitneyU(x, y)!
					const t = mannWhitneyU(
						x.map((v) => v * scale + shift),
						y.map((v) => v * scale + shift),
					)!
					expect(t.uBaseline).toBe(r.uBaseline)
					expect(t.p).toBe(r.p)
				},
			),
		)
	})
})

describe('order statistics', () => {
	test('kthDifference equals the brute-force sorted differences, for every k', () => {
		fc.assert(
			fc.property(sample(1, 12), sample(1, 12), (x, y) => {
				const xs = sorted(x)
				const ys = sorted(y)
				const all = Float64Array.from(y.flatMap((b) => x.map((a) => b - a))).sort()
				for (let k = 1; k <= all.length; k++) {
					// -0 and +0 are the same difference
					expect(kthDifference(xs, ys, k) + 0).toBe(all[k - 1] + 0)
				}
			}),
		)
		expect(() => kthDifference(sorted([1]), sorted([2]), 2)).toThrow(RangeError)
	})

	test('quickselect and median agree with sorting (−0 and +0 included)', () => {
		fc.assert(
			fc.property(
				fc.oneof(sample(1, 200), tiedSample(1, 200), signedZeros),
				fc.nat(),
				(x, seed) => {
					const s = sorted(x)
					const k = seed % x.length
					// −0 and +0 are equal order statistics; which one is picked depends on the pivots
					expect(selectInPlace(Float64Array.from(x), k) + 0).toBe(s[k] + 0)
					const n = s.length
					const median = n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
					expect(medianInPlace(Float64Array.from(x))).toBe(median + 0)
				},
			),
		)
	})
})
