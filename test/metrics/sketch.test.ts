import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { mergeSketches, Sketch, SKETCH_RELATIVE_ERROR } from '../../src/metrics/sketch'

/** src/metrics/sketch.ts: the stated error holds, bytes round-trip, merging is adding. */
const lowerRank = (sorted: number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))]!
const values = fc.array(fc.double({ min: 0.001, max: 600_000, noNaN: true }), {
	minLength: 1,
	maxLength: 400,
})

describe('Sketch', () => {
	test('every quantile is within the stated relative error of the lower order statistic', () => {
		fc.assert(
			fc.property(values, fc.double({ min: 0, max: 1, noNaN: true }), (vs, q) => {
				const s = new Sketch()
				vs.forEach((v) => s.add(v))
				const exact = lowerRank(
					[...vs].sort((a, b) => a - b),
					q,
				)
				expect(Math.abs(s.quantile(q)! - exact)).toBeLessThanOrEqual(
					exact * SKETCH_RELATIVE_ERROR * (1 + 1e-9),
				)
			}),
			{ numRuns: 200 },
		)
	})

	test('bytes and base64 round-trip; merged sketches equal one sketch of all values', () => {
		fc.assert(
			fc.property(values, values, (a, b) => {
				const sa = new Sketch()
				const sb = new Sketch()
				const all = new Sketch()
				a.forEach((v) => (sa.add(v), all.add(v)))
				b.forEach((v) => (sb.add(v), all.add(v)))
				const merged = mergeSketches([sa.toBase64(), null, sb.toBase64()])
				expect(merged.count).toBe(a.length + b.length)
				for (const q of [0, 0.5, 0.9, 0.95, 0.99, 1])
					expect(merged.quantile(q)).toBe(all.quantile(q))
				const back = Sketch.fromBytes(all.toBytes())
				for (const q of [0.5, 0.99]) expect(back.quantile(q)).toBe(all.quantile(q))
			}),
			{ numRuns: 100 },
		)
	})

	test('zero and negative values count in the zero bin; empty sketches answer null', () => {
		const s = new Sketch()
		expect(s.quantile(0.5)).toBeNull()
		s.add(0)
		s.add(-3)
		s.add(null)
		s.add(10)
		expect(s.count).toBe(3)
		expect(s.quantile(0.5)).toBe(0)
		expect(Sketch.fromBase64(s.toBase64()).quantile(1)).toBe(10)
		expect(mergeSketches(['not a sketch', undefined]).count).toBe(0)
	})
})
