/**
 * Repetition score (docs/architecture.md §5): the share of a reply's distinct word 3-shingles
 * already seen in the conversation's earlier replies, 0–1.
 *
 * Cheap and bounded per reply: one lower-casing and one pass over the character codes hash each
 * word (FNV-1a) and each shingle (the three word hashes mixed, then fmix32) to 32-bit integers —
 * no regex, no substring, no join. At most `MAX_SHINGLES` shingles take part in the set work per
 * reply: when a reply has more, a consistent hash sample is taken (the shingles whose hash has its
 * lowest `level` bits zero, the level the smallest that leaves ≤ MAX_SHINGLES). The level only
 * grows within a conversation and the seen set keeps the sample of the level in force, so every
 * shingle considered now was remembered if it appeared before: identical replies still score 1,
 * disjoint ones 0, and the sample gives an unbiased estimate of the exact share. While every reply
 * of a conversation stays under the cap the score is exact (but for 32-bit hash collisions). The
 * seen set is capped too, so a 1000-turn conversation stays bounded in memory.
 */
export const MAX_SEEN = 50_000
export const MAX_SHINGLES = 1024

const FNV_OFFSET = 0x811c9dc5
const FNV_PRIME = 0x01000193

/** Murmur3's finaliser: spreads the FNV mix so the low bits (the sample) are uniform. */
function fmix32(h: number) {
	h ^= h >>> 16
	h = Math.imul(h, 0x85ebca6b)
	h ^= h >>> 13
	h = Math.imul(h, 0xc2b2ae35)
	h ^= h >>> 16
	return h >>> 0
}

function shingleHash(a: number, b: number, c: number, n: number) {
	let h = Math.imul(FNV_OFFSET ^ n, FNV_PRIME)
	h = Math.imul(h ^ a, FNV_PRIME)
	if (n > 1) h = Math.imul(h ^ b, FNV_PRIME)
	if (n > 2) h = Math.imul(h ^ c, FNV_PRIME)
	return fmix32(h)
}

const WORD_CHAR = /[\p{L}\p{N}]/u
/** Beyond ASCII, the same classes as `[\p{L}\p{N}]` (a surrogate pair read whole). */
function isWideWordChar(code: number, text: string, i: number) {
	return WORD_CHAR.test(text.slice(i, code >= 0xd800 && code <= 0xdbff ? i + 2 : i + 1))
}

/** Scratch buffers reused across replies: the shingle hashes, then the sample. */
let hashes = new Uint32Array(1024)
let picked = new Uint32Array(1024)

function push(h: number, count: number) {
	if (count === hashes.length) {
		const grown = new Uint32Array(hashes.length * 2)
		grown.set(hashes)
		hashes = grown
	}
	hashes[count] = h
	return count + 1
}

/** Hashes the reply's shingles into `hashes`; returns how many. */
function hashShingles(reply: string): number {
	const text = reply.toLowerCase()
	let count = 0
	let w1 = 0
	let w2 = 0
	let words = 0
	let h = 0
	let inWord = false
	const len = text.length
	for (let i = 0; i < len; i++) {
		const code = text.charCodeAt(i)
		const word =
			code < 128
				? (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || (code >= 65 && code <= 90)
				: isWideWordChar(code, text, i)
		if (word) {
			if (!inWord) {
				inWord = true
				h = FNV_OFFSET
			}
			h = Math.imul(h ^ code, FNV_PRIME)
			// A letter beyond the BMP is a surrogate pair: both halves belong to the word.
			if (code >= 0xd800 && code <= 0xdbff && i + 1 < len)
				h = Math.imul(h ^ text.charCodeAt(++i), FNV_PRIME)
		} else if (inWord) {
			inWord = false
			if (++words >= 3) count = push(shingleHash(w1, w2, h >>> 0, 3), count)
			w1 = w2
			w2 = h >>> 0
		}
	}
	if (inWord) {
		if (++words >= 3) count = push(shingleHash(w1, w2, h >>> 0, 3), count)
		w1 = w2
		w2 = h >>> 0
	}
	// Fewer than three words: the words together are the one shingle.
	if (words === 1) count = push(shingleHash(w2, 0, 0, 1), count)
	else if (words === 2) count = push(shingleHash(w1, w2, 0, 2), count)
	return count
}

/**
 * The distinct hashes among the first `n` whose lowest `level` bits are zero, into `picked`
 * (sorted); returns how many. Raises `conv.level` until they are at most MAX_SHINGLES.
 */
function sample(n: number, conv: Conversation): number {
	if (picked.length < n) picked = new Uint32Array(hashes.length)
	let mask = (1 << conv.level) - 1
	let k = 0
	for (let i = 0; i < n; i++) if ((hashes[i]! & mask) === 0) picked[k++] = hashes[i]!
	const view = picked.subarray(0, k).sort()
	let distinct = 0
	for (let i = 0; i < k; i++) if (i === 0 || view[i] !== view[i - 1]) picked[distinct++] = view[i]!
	while (distinct > MAX_SHINGLES) {
		mask = (1 << ++conv.level) - 1
		let kept = 0
		for (let i = 0; i < distinct; i++) if ((picked[i]! & mask) === 0) picked[kept++] = picked[i]!
		distinct = kept
	}
	return distinct
}

type Conversation = { seen: Set<number>; level: number }

export class RepetitionTracker {
	private conversations = new Map<number, Conversation>()

	/**
	 * Scores `reply` against the conversation's earlier replies, then remembers it. Null for the
	 * first reply, and when the sample at the conversation's level holds none of its shingles.
	 */
	score(conversation: number, reply: string | null): number | null {
		if (!reply) return null
		const n = hashShingles(reply)
		let conv = this.conversations.get(conversation)
		const first = !conv
		if (!conv) this.conversations.set(conversation, (conv = { seen: new Set(), level: 0 }))
		if (!n) return null
		const before = conv.level
		const k = sample(n, conv)
		const seen = conv.seen
		if (conv.level > before) prune(seen, conv.level)
		let hits = 0
		if (!first) for (let i = 0; i < k; i++) if (seen.has(picked[i]!)) hits++
		for (let i = 0; i < k && seen.size < MAX_SEEN; i++) seen.add(picked[i]!)
		if (first || !k) return null
		return Math.round((hits / k) * 1e4) / 1e4
	}

	end(conversation: number) {
		this.conversations.delete(conversation)
	}
}

/** Drops remembered shingles outside the sample of `level`: they can never be considered again. */
function prune(seen: Set<number>, level: number) {
	const mask = (1 << level) - 1
	for (const h of seen) if ((h & mask) !== 0) seen.delete(h)
}
