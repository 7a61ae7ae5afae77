import { describe, expect, test } from 'bun:test'
import { normalQuantile, normalSf } from '../../src/compare/normal'
import { NORMAL } from './fixtures/scipy-reference'

const relErr = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300)

describe('normal tail (vs scipy.stats.norm)', () => {
	test.each(NORMAL.sf)('sf(%p) = %p', (z, sf) => {
		expect(relErr(normalSf(z), sf)).toBeLessThan(1e-13)
	})
	test.each(NORMAL.ppf)('ppf(%p) = %p', (p, z) => {
		expect(Math.abs(normalQuantile(p) - z)).toBeLessThan(1e-13 * Math.max(1, Math.abs(z)))
	})
	test('edges: infinities, NaN, and p outside (0, 1) refused', () => {
		expect(normalSf(Infinity)).toBe(0)
		expect(normalSf(-Infinity)).toBe(1)
		expect(normalSf(NaN)).toBeNaN()
		expect(normalSf(40)).toBe(0)
		for (const p of [0, 1, -0.1, NaN]) expect(() => normalQuantile(p)).toThrow(RangeError)
	})
	test('sf is monotone and symmetric on a fine grid', () => {
		let prev = 1
		for (let z = -10; z <= 10; z += 0.01) {
			const v = normalSf(z)
			expect(v).toBeLessThanOrEqual(prev)
			expect(Math.abs(v + normalSf(-z) - 1)).toBeLessThan(1e-15)
			prev = v
		}
	})
})
