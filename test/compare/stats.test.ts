import { describe, expect, test } from 'bun:test'
import { SIGNIFICANCE_METHOD, compareSamples } from '../../src/compare/stats'
import { MWU_CASES } from './fixtures/scipy-reference'

const byName = (prefix: string) => MWU_CASES.find((c) => c.name.startsWith(prefix))!

describe('compareSamples: the verdict the product shows', () => {
	test('response times 5 % slower: significant, shift and interval in ms, medians of each run', () => {
		const c = byName('response times')
		const r = compareSamples(c.baseline, c.current)!
		expect(r.method).toBe(SIGNIFICANCE_METHOD)
		expect(r.p).toBeCloseTo(c.p, 12)
		expect(r.significant).toBe(c.p < 0.05)
		expect(r.shift).toEqual({ estimate: c.hl, low: c.low, high: c.high, confidence: 0.95 })
		const median = (v: number[]) => {
			const s = [...v].sort((a, b) => a - b)
			return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
		}
		expect(r.baseline).toEqual({ n: c.baseline.length, median: median(c.baseline) })
		expect(r.current).toEqual({ n: c.current.length, median: median(c.current) })
	})

	test('on every fixture the verdict agrees with the interval; dollar-sized costs work alike', () => {
		for (const c of MWU_CASES) {
			const r = compareSamples(c.baseline, c.current)!
			expect(r.significant).toBe(c.p < 0.05)
			if (r.significant && !c.ties) expect(r.shift.low! > 0 || r.shift.high! < 0).toBe(true)
			if (!r.significant && r.shift.low !== null && !c.ties) {
				expect(r.shift.low <= 0 && r.shift.high! >= 0).toBe(true)
			}
		}
		const cost = compareSamples(byName('cost').baseline, byName('cost').current)!
		expect(cost.significant).toBe(true)
		expect(cost.shift.low!).toBeGreaterThan(0)
	})

	test('same distribution: not significant', () => {
		const c = byName('same distribution')
		const r = compareSamples(c.baseline, c.current)!
		expect(r.p).toBeGreaterThan(0.05)
		expect(r.significant).toBe(false)
	})

	test('a higher confidence gives a wider interval and a stricter alpha', () => {
		const c = byName('lognormal')
		const r95 = compareSamples(c.baseline, c.current)!
		const r99 = compareSamples(c.baseline, c.current, { confidence: 0.99 })!
		expect(r99.alpha).toBeCloseTo(0.01, 12)
		expect(r99.shift.low!).toBeLessThan(r95.shift.low!)
		expect(r99.shift.high!).toBeGreaterThan(r95.shift.high!)
		expect(r99.p).toBe(r95.p)
	})

	test('nothing to compare: null', () => {
		expect(compareSamples([], [])).toBeNull()
		expect(compareSamples([1, 2], [])).toBeNull()
	})
})
