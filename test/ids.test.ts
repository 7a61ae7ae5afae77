import { describe, expect, test } from 'bun:test'
import { newId } from '../src/ids'

describe('newId', () => {
	test('24 characters, a letter then [a-z0-9], never repeated', () => {
		const seen = new Set<string>()
		for (let i = 0; i < 100_000; i++) {
			const id = newId()
			expect(id).toMatch(/^[a-z][a-z0-9]{23}$/)
			seen.add(id)
		}
		expect(seen.size).toBe(100_000)
	})

	test('every character equally likely at every position (no modulo bias)', () => {
		const n = 108_000
		const counts = Array.from({ length: 24 }, () => new Map<string, number>())
		for (let i = 0; i < n; i++) {
			const id = newId()
			for (let p = 0; p < 24; p++) counts[p]!.set(id[p]!, (counts[p]!.get(id[p]!) ?? 0) + 1)
		}
		// Position 0: 26 letters; the others: 36 characters. A chi-square per position, against a
		// bound that a fair draw passes with overwhelming probability (p < 1e-6 to exceed it).
		for (let p = 0; p < 24; p++) {
			const k = p === 0 ? 26 : 36
			expect(counts[p]!.size).toBe(k)
			const expected = n / k
			let chi = 0
			for (const c of counts[p]!.values()) chi += (c - expected) ** 2 / expected
			expect(chi).toBeLessThan(k === 26 ? 75 : 95)
		}
	})
})
