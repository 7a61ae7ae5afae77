/**
 * A small seeded PRNG so a bootstrap interval is reproducible: the same samples and seed give the
 * same interval on every machine. sfc32 (Chris Doty-Humphrey's Small Fast Counting generator,
 * PractRand-clean, period ≥ 2³²), its state spread from the seed by splitmix32 so nearby seeds
 * give unrelated streams. Not for anything secret.
 */
export type Random = () => number

function splitmix32(seed: number): () => number {
	let s = seed >>> 0
	return () => {
		s = (s + 0x9e3779b9) >>> 0
		let z = s
		z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
		z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
		return (z ^ (z >>> 16)) >>> 0
	}
}

/** Uniform in [0, 1) with 32 bits of resolution. */
export function seededRandom(seed: number): Random {
	const mix = splitmix32(seed)
	let a = mix()
	let b = mix()
	let c = mix()
	let d = 1
	const next = () => {
		const t = (((a + b) | 0) + d) | 0
		d = (d + 1) | 0
		a = b ^ (b >>> 9)
		b = (c + (c << 3)) | 0
		c = (c << 21) | (c >>> 11)
		c = (c + t) | 0
		return (t >>> 0) / 4294967296
	}
	for (let i = 0; i < 12; i++) next()
	return next
}

/** A uniform index in [0, n). */
export const randomIndex = (random: Random, n: number) => Math.floor(random() * n)

/**
 * At most `cap` values drawn uniformly without replacement (reservoir sampling, Algorithm R):
 * one pass, O(cap) memory, order of `values` matters for reproducibility. Returns a copy.
 */
export function subsample(values: ArrayLike<number>, cap: number, random: Random): Float64Array {
	if (values.length <= cap) return Float64Array.from(values)
	const out = new Float64Array(cap)
	for (let i = 0; i < cap; i++) out[i] = values[i]
	for (let i = cap; i < values.length; i++) {
		const j = randomIndex(random, i + 1)
		if (j < cap) out[j] = values[i]
	}
	return out
}
