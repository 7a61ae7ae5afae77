/**
 * Repetition score, old vs new, side by side (not a test): µs per scored reply for 200-, 2,000-
 * and 20,000-word replies, each scored against the conversation's previous reply (half of it
 * repeated). Medians of interleaved rounds. Run: `bun bench/repetition.ts`.
 */
import { RepetitionTracker as Hashed } from '../src/execution/repetition'
import { RepetitionTracker as Strings } from './repetition-strings'

const VOCAB = Array.from({ length: 2000 }, (_, i) => `word${i.toString(36)}`)
let seed = 7
const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32
const reply = (n: number) =>
	Array.from({ length: n }, () => VOCAB[Math.floor(rand() * VOCAB.length)]).join(' ') + '.'

type Tracker = { score(c: number, r: string | null): number | null; end(c: number): void }

/** µs per score() of `second` after `first`, over `reps` fresh conversations. */
function time(make: () => Tracker, first: string, second: string, reps: number) {
	const t = make()
	const start = Bun.nanoseconds()
	for (let i = 0; i < reps; i++) {
		t.score(i, first)
		t.score(i, second)
		t.end(i)
	}
	return (Bun.nanoseconds() - start) / 1e3 / (reps * 2)
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const ROUNDS = 7
const rows: string[] = []
for (const words of [200, 2_000, 20_000]) {
	const first = reply(words)
	const half = first
		.split(' ')
		.slice(0, words / 2)
		.join(' ')
	const second = `${half} ${reply(words / 2)}`
	const reps = Math.max(5, Math.round(200_000 / words))
	const old: number[] = []
	const neu: number[] = []
	time(() => new Strings(), first, second, 3)
	time(() => new Hashed(), first, second, 3)
	for (let r = 0; r < ROUNDS; r++) {
		old.push(time(() => new Strings(), first, second, reps))
		neu.push(time(() => new Hashed(), first, second, reps))
	}
	const [o, n] = [median(old), median(neu)]
	rows.push(
		`| ${words.toLocaleString('en')} | ${o.toFixed(1)} | ${n.toFixed(1)} | ${(o / n).toFixed(1)}× |`,
	)
}
console.log(`repetition score, µs per reply (medians of ${ROUNDS} interleaved rounds)`)
console.log('| words per reply | strings (old) | hashed, sampled (new) | speed-up |')
console.log('|---|---|---|---|')
for (const r of rows) console.log(r)
