import { describe, expect, test } from 'bun:test'
import { mannWhitneyU } from '../../src/compare/mann-whitney'
import { MWU_CASES, MWU_FORMULA_CASES } from './fixtures/scipy-reference'

const relErr = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300)

/** The same integer formula as the fixture generator: exact in both languages. */
const formula = (n: number, a: number, m: number, scale: number, offset: number) =>
	Array.from({ length: n }, (_, i) => ((i * a) % m) / scale + offset)

const FORMULA_DATA: Record<string, [number[], number[]]> = {
	'formula 2000 vs 1800, +3 ms': [
		formula(2000, 7919, 1000, 10, 0),
		formula(1800, 104729, 1000, 10, 3),
	],
	'formula 2000 vs 1800, +20 ms': [
		formula(2000, 7919, 1000, 10, 0),
		formula(1800, 104729, 1000, 10, 20),
	],
	'formula 1000 vs 1000, same': [
		formula(1000, 7919, 1000, 10, 0),
		formula(1000, 104729, 1000, 10, 0),
	],
}

const cases = [
	...MWU_CASES,
	...MWU_FORMULA_CASES.map((c) => ({
		...c,
		baseline: FORMULA_DATA[c.name][0],
		current: FORMULA_DATA[c.name][1],
	})),
]

describe('Mann–Whitney U and Hodges–Lehmann vs scipy / brute force', () => {
	test.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
		const r = mannWhitneyU(c.baseline, c.current)!
		expect(r.uBaseline).toBe(c.u)
		expect(r.uBaseline + r.uCurrent).toBe(c.baseline.length * c.current.length)
		expect(r.pMethod).toBe(c.exact ? 'exact' : 'asymptotic')
		expect(r.ties).toBe(c.ties)
		expect(relErr(r.p, c.p)).toBeLessThan(1e-11)
		// Same IEEE subtractions as numpy's brute-force sorted differences: bit-identical.
		expect(r.shift.estimate).toBe(c.hl)
		expect(r.shift.low).toBe(c.low)
		expect(r.shift.high).toBe(c.high)
		expect(r.shift.confidence).toBe(0.95)
	})

	test('the fixtures cover exact and asymptotic, significant and not, with and without ties', () => {
		expect(cases.some((c) => c.exact && c.p < 0.05)).toBe(true)
		expect(cases.some((c) => c.exact && c.p >= 0.05)).toBe(true)
		expect(cases.some((c) => !c.exact && c.ties && c.p < 1e-50)).toBe(true)
		expect(cases.some((c) => !c.exact && c.p > 0.5)).toBe(true)
		expect(cases.some((c) => !c.exact && !c.ties)).toBe(true)
	})

	test('a forced asymptotic method on a small untied sample matches the normal approximation', () => {
		const c = MWU_CASES.find((x) => x.exact)!
		const r = mannWhitneyU(c.baseline, c.current, { method: 'asymptotic' })!
		expect(r.pMethod).toBe('asymptotic')
		expect(r.uBaseline).toBe(c.u)
		expect(() => mannWhitneyU([1, 1, 2], [2, 3, 4], { method: 'exact' })).toThrow(/untied/)
	})

	test('too few values for the confidence: the interval is unbounded (null), not invented', () => {
		const r = mannWhitneyU([1, 2], [3, 4])!
		expect(r.pMethod).toBe('exact')
		expect(r.p).toBeCloseTo(1 / 3, 12) // 2 · P(U ≥ 4) = 2 · 1/6
		expect(r.shift.estimate).toBe(2)
		expect(r.shift.low).toBeNull()
		expect(r.shift.high).toBeNull()
	})

	test('empty samples compare as null; non-finite values and a bad confidence are refused', () => {
		expect(mannWhitneyU([], [1])).toBeNull()
		expect(mannWhitneyU([1], [])).toBeNull()
		expect(() => mannWhitneyU([1, NaN], [2])).toThrow('baseline[1] is not a finite number')
		expect(() => mannWhitneyU([1], [Infinity])).toThrow('current[0]')
		expect(() => mannWhitneyU([1], [2], { confidence: 1 })).toThrow(RangeError)
	})

	test('all values equal: p = 1, shift 0 with a zero-width interval', () => {
		const r = mannWhitneyU([5, 5, 5, 5, 5, 5, 5, 5, 5, 5], [5, 5, 5, 5, 5, 5, 5, 5, 5])!
		expect(r.p).toBe(1)
		expect(r.z).toBe(0)
		expect(r.shift).toEqual({ estimate: 0, low: 0, high: 0, confidence: 0.95 })
	})

	test('100k vs 100k messages (10¹⁰ differences, never materialised): the shift is recovered', () => {
		// Uniform on [0, 1000) ms, current 10 ms slower: z ≈ 0.01 / √(2/(12·10⁵)) ≈ 7.7.
		const a = formula(100_000, 7919, 100_003, 100, 0)
		const b = formula(100_000, 104729, 100_003, 100, 10)
		const r = mannWhitneyU(a, b)!
		expect(r.p).toBeLessThan(1e-10)
		expect(r.z).toBeGreaterThan(7)
		expect(Math.abs(r.shift.estimate - 10)).toBeLessThan(0.5)
		expect(r.shift.low! < r.shift.estimate && r.shift.estimate < r.shift.high!).toBe(true)
	})
})
