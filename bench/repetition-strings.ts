/**
 * The repetition score as it was before the hashed, sampled one (src/execution/repetition.ts):
 * a Set of string 3-shingles per reply (regex + join per shingle). Kept only for bench/repetition.ts.
 */
const MAX_SEEN = 50_000
const SHINGLE = 3

function shingles(text: string): Set<string> {
	const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []
	const out = new Set<string>()
	if (words.length < SHINGLE) {
		if (words.length) out.add(words.join(' '))
		return out
	}
	for (let i = 0; i + SHINGLE <= words.length; i++) out.add(words.slice(i, i + SHINGLE).join(' '))
	return out
}

export class RepetitionTracker {
	private seen = new Map<number, Set<string>>()

	/** Scores `reply` against the conversation's earlier replies, then remembers it. Null for the first reply. */
	score(conversation: number, reply: string | null): number | null {
		if (!reply) return null
		const mine = shingles(reply)
		let seen = this.seen.get(conversation)
		if (!seen) {
			this.seen.set(conversation, (seen = new Set()))
			for (const s of mine) seen.add(s)
			return null
		}
		if (!mine.size) return null
		let hits = 0
		for (const s of mine) if (seen.has(s)) hits++
		for (const s of mine) {
			if (seen.size >= MAX_SEEN) break
			seen.add(s)
		}
		return Math.round((hits / mine.size) * 1e4) / 1e4
	}

	end(conversation: number) {
		this.seen.delete(conversation)
	}
}
