import { getRandomValues } from 'node:crypto'

const LETTERS = 'abcdefghijklmnopqrstuvwxyz'
const CHARS = `${LETTERS}0123456789`
/** Random bytes drawn in blocks; a byte at or past the cut is skipped (no modulo bias). */
const pool = new Uint8Array(512)
let at = pool.length

function draw(n: number): number {
	const cut = 256 - (256 % n)
	for (;;) {
		if (at === pool.length) {
			getRandomValues(pool)
			at = 0
		}
		const b = pool[at++]!
		if (b < cut) return b % n
	}
}

/**
 * A new row id: 24 characters, a letter then 23 of `[a-z0-9]` — the shape of the cuid2 ids rows
 * had before — from the system's CSPRNG, 123 random bits. cuid2's `createId` (a SHA-3 hash and a
 * BigNumber base-36 conversion per id) cost 0.15–0.4 ms on this machine, most of queueing a
 * session and one per time-series row (issue 13); this costs about a microsecond.
 */
export function newId(): string {
	let id = LETTERS[draw(26)]!
	for (let i = 1; i < 24; i++) id += CHARS[draw(36)]!
	return id
}
