import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { MAX_SHINGLES, RepetitionTracker } from '../../src/execution/repetition'

/** The definition, spelled out with strings: distinct word 3-shingles of the reply already seen. */
function exactShingles(text: string): Set<string> {
	const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []
	if (words.length < 3) return new Set(words.length ? [words.join(' ')] : [])
	const out = new Set<string>()
	for (let i = 0; i + 3 <= words.length; i++) out.add(words.slice(i, i + 3).join(' '))
	return out
}

function exactScores(replies: string[]): (number | null)[] {
	const seen = new Set<string>()
	// The conversation starts with its first reply that has any text (empty is a failure's null).
	let started = false
	return replies.map((r) => {
		if (!r) return null
		const first = !started
		started = true
		const mine = exactShingles(r)
		let hits = 0
		for (const s of mine) if (seen.has(s)) hits++
		for (const s of mine) seen.add(s)
		return first || !mine.size ? null : Math.round((hits / mine.size) * 1e4) / 1e4
	})
}

function scores(replies: string[]) {
	const t = new RepetitionTracker()
	return replies.map((r) => t.score(0, r))
}

// Small vocabularies make repeats likely; mixed case, punctuation and non-ASCII words test tokenising.
const VOCAB = [
	'the',
	'The',
	'price',
	'is',
	'ten',
	'dollars',
	'per',
	'month',
	'ça',
	'coûte',
	'10',
	'année',
	'ÜBER',
	'日本',
]
const words = (min: number, max: number, vocab = VOCAB) =>
	fc.array(fc.constantFrom(...vocab), { minLength: min, maxLength: max })
const SEPS = [' ', ', ', '. ', '\n', ' — ', '!? ']
const join = (ws: string[], seps: number[]) =>
	ws.map((w, i) => w + SEPS[(seps[i] ?? 0) % SEPS.length]).join('')
const replyArb = (min: number, max: number) =>
	fc.tuple(words(min, max), fc.array(fc.nat(), { maxLength: max })).map(([ws, s]) => join(ws, s))

describe('repetition score', () => {
	test('the first reply has no score; a repeat scores 1; a new reply 0; part repeats the share', () => {
		const t = new RepetitionTracker()
		expect(t.score(1, 'one two three four')).toBeNull()
		expect(t.score(1, 'One, two. Three four!')).toBe(1)
		expect(t.score(1, 'five six seven')).toBe(0)
		// shingles: "two three four" (seen), "three four eight", "four eight nine" → 1/3
		expect(t.score(1, 'two three four eight nine')).toBe(0.3333)
		expect(t.score(1, null)).toBeNull()
		expect(t.score(1, '  ... ')).toBeNull()
		// Conversations are apart, and end() forgets one.
		expect(t.score(2, 'one two three four')).toBeNull()
		t.end(1)
		expect(t.score(1, 'one two three four')).toBeNull()
		expect(t.score(1, 'a b')).toBe(0)
		expect(t.score(1, 'A, B')).toBe(1)
		// A letter beyond the BMP (a surrogate pair) stays inside its word: "𠮷野" is one word.
		expect(t.score(3, 'a 𠮷野 b')).toBeNull()
		expect(t.score(3, 'a 𠮷 野')).toBe(0)
		expect(t.score(3, 'A 𠮷野 B')).toBe(1)
	})

	test('property: identical replies score 1, at any length (over the cap too)', () => {
		fc.assert(
			fc.property(replyArb(1, 3000), (r) => {
				const [first, again] = scores([r, r])
				if (!exactShingles(r).size) return first === null && again === null
				return first === null && again === 1
			}),
			{ numRuns: 60 },
		)
	})

	test('property: replies with no word in common score 0', () => {
		const a = ['alpha', 'beta', 'gamma', 'delta', 'epsilon']
		const b = ['uno', 'dos', 'tres', 'cuatro', 'cinco']
		fc.assert(
			fc.property(words(1, 2000, a), words(1, 2000, b), (x, y) => {
				expect(scores([x.join(' '), y.join(' ')])).toEqual([null, 0])
			}),
			{ numRuns: 60 },
		)
	})

	test(`property: exact (the definition's score) while every reply stays under ${MAX_SHINGLES} shingles`, () => {
		fc.assert(
			fc.property(fc.array(replyArb(0, 300), { minLength: 1, maxLength: 8 }), (replies) => {
				expect(scores(replies)).toEqual(exactScores(replies))
			}),
			{ numRuns: 200 },
		)
	})

	// The sample holds k in (MAX_SHINGLES/2, MAX_SHINGLES] shingles: standard error ≤ 0.5/√k ≈ 0.022,
	// so 0.1 is over 4.5 standard errors; a fixed seed keeps the run the same every time.
	test('property: over the cap, the sampled estimate is within 0.1 of the exact share', () => {
		// A long reply, then one that repeats a random part of it among new words.
		const vocab = Array.from({ length: 400 }, (_, i) => `w${i}`)
		fc.assert(
			fc.property(
				words(3000, 8000, vocab),
				words(2000, 4000, vocab),
				fc.nat({ max: 3000 }),
				(base, fresh, cut) => {
					const first = base.join(' ')
					const second = [...base.slice(0, cut), ...fresh].join(' ')
					const [, estimate] = scores([first, second])
					const [, exact] = exactScores([first, second])
					expect(exactShingles(second).size).toBeGreaterThan(MAX_SHINGLES)
					expect(Math.abs(estimate! - exact!)).toBeLessThanOrEqual(0.1)
				},
			),
			{ numRuns: 40, seed: 1613 },
		)
	})
})
