/**
 * Personas shape the mock's replies. Selected by the `x-mock-persona` header, a `persona`
 * body field, a `?persona=` query parameter or a `/persona/<list>/` path prefix; several
 * combine with commas, parameters follow a colon:
 *
 * | persona | effect |
 * |---|---|
 * | `verbose` | long, multi-paragraph replies |
 * | `xml` | the reply wrapped in XML |
 * | `repetitive` | the same reply every turn |
 * | `rate-limited[:N[:S]]` | 429 with `Retry-After: S` (default 1) on every Nth request (default 3) of a conversation; the retry is the next request, so it passes |
 * | `limit-conversation:N[:S[:A]]` | per conversation: after A successful requests (default 0), the next N requests get 429 with `Retry-After: S` (default 0), then every request passes |
 * | `limit-key:N[:S[:A]]` | the same, counted per API key (the credential the request carries) across conversations |
 * | `flaky[:N]` | every Nth request (default 3) fails, cycling 500, an empty reply, 503 with Retry-After |
 * | `slow[:MS]` / `slow:MIN-MAX` | waits before answering (default 500 ms; a range is random) |
 * | `drip[:MS]` | streamed chunks MS apart (default 20) |
 * | `hang` | never answers; the mock records the client's disconnect |
 * | `error[:STATUS]` | always fails with STATUS (default 500) |
 * | `empty` | a reply with empty content |
 * | `cache-write[:N]` | usage reports N prompt tokens written to the cache (default: every uncached one) — Anthropic `cache_creation_input_tokens` |
 * | `thinking[:N]` | usage reports N reasoning tokens (default 64), billed as output — Gemini `thoughtsTokenCount`, OpenAI `reasoning_tokens` |
 * | `obedient[:MAX]` | reply length follows the prompt (at most MAX words, default 4000): the size it names ("N words", "N paragraphs", "N sentences", "list N …"), else MAX for "exhaustive", "everything"…, MAX/2 for "in detail", "step by step"…; a plain prompt gets the short reply |
 *
 * Controls (src/mock/controls.ts), each off unless named; `krawall mock` flags apply them to every request:
 *
 * | persona | flag | effect |
 * |---|---|---|
 * | `ratelimit:R[:B]` | `--rate-limit R[:B]` | token bucket per API key: R requests/s, burst B (default R, min 1); 429 with `Retry-After`; `x-ratelimit-*-requests` on every reply |
 * | `ratelimit-conversation:R[:B]` | — | the same bucket per conversation |
 * | `concurrency:C` | `--concurrency-limit C` | more than C requests in flight for one key: 429 at once |
 * | `max-tokens:N` | `--max-tokens N` | completion cut at N tokens (or the request's own max tokens, if lower), finish reason `length` / `max_tokens` / `MAX_TOKENS` |
 * | `context:N[:truncate]` | `--context-window N[:truncate]` | prompt over N tokens: 400 (`context_length_exceeded`), or with `truncate` the oldest history dropped to fit |
 * | `input-limit:N` | `--input-limit N` | last user message over N characters: 413 (`input_too_large`) |
 * | `quota:T` | `--quota-tokens T` | once a key has been served T tokens (prompt + completion): 429 `insufficient_quota` |
 */
export interface Personas {
	verbose: boolean
	xml: boolean
	repetitive: boolean
	rateLimitEvery?: number
	rateLimitRetryAfterSec: number
	/** `limit-conversation` / `limit-key`: A passes, then N refusals, then passes. */
	burst?: { scope: 'conversation' | 'key'; refusals: number; after: number; retryAfterSec: number }
	flakyEvery?: number
	slow?: { min: number; max: number }
	dripMs: number
	hang: boolean
	errorStatus?: number
	empty: boolean
	/** Tokens reported as cache writes: a number, or `all` the uncached prompt. */
	cacheWrite?: number | 'all'
	thinkingTokens: number
	/** `obedient[:MAX]`: the longest reply (words) a prompt can ask for. */
	obedientMaxWords?: number
	/** `ratelimit` (per key) and `ratelimit-conversation` token buckets. */
	rateLimits: Bucket[]
	/** `concurrency:C`: requests in flight per key. */
	concurrency?: number
	/** `max-tokens:N`: completion tokens per reply. */
	maxTokens?: number
	/** `context:N[:truncate]`: prompt tokens per request. */
	context?: { tokens: number; truncate: boolean }
	/** `input-limit:N`: characters of the last user message. */
	inputLimit?: number
	/** `quota:T`: tokens served per key (prompt + completion). */
	quotaTokens?: number
	names: string[]
}

/** A token bucket: `rate` requests per second refill it, up to `burst`. */
export interface Bucket {
	scope: 'key' | 'conversation'
	rate: number
	burst: number
}

const int = (s: string | undefined, def: number, min = 0, max = 600_000) => {
	const n = Number(s)
	return Number.isFinite(n) && s !== '' && s !== undefined
		? Math.min(max, Math.max(min, Math.round(n)))
		: def
}

/** A number within [min, max] (fractions kept), or `def`. */
const num = (s: string | undefined, def: number, min: number, max: number) => {
	const n = Number(s)
	return Number.isFinite(n) && s !== '' && s !== undefined ? Math.min(max, Math.max(min, n)) : def
}

export function parsePersonas(...sources: (string | null | undefined)[]): Personas {
	const p: Personas = {
		verbose: false,
		xml: false,
		repetitive: false,
		rateLimitRetryAfterSec: 1,
		dripMs: 0,
		hang: false,
		empty: false,
		thinkingTokens: 0,
		rateLimits: [],
		names: [],
	}
	for (const source of sources) {
		for (const raw of (source ?? '').split(',')) {
			const [name, a, b] = raw.trim().toLowerCase().split(':')
			if (!name) continue
			p.names.push(raw.trim().toLowerCase())
			if (name === 'verbose') p.verbose = true
			else if (name === 'xml') p.xml = true
			else if (name === 'repetitive') p.repetitive = true
			else if (name === 'rate-limited') {
				p.rateLimitEvery = int(a, 3, 1, 10_000)
				p.rateLimitRetryAfterSec = int(b, 1, 0, 3600)
			} else if (name === 'limit-conversation' || name === 'limit-key') {
				const [, , , c] = raw.trim().toLowerCase().split(':')
				p.burst = {
					scope: name === 'limit-key' ? 'key' : 'conversation',
					refusals: int(a, 1, 0, 100_000),
					retryAfterSec: int(b, 0, 0, 3600),
					after: int(c, 0, 0, 100_000),
				}
			} else if (name === 'flaky') p.flakyEvery = int(a, 3, 1, 10_000)
			else if (name === 'slow') {
				const [lo, hi] = (a ?? '').split('-')
				const min = int(lo, 500)
				p.slow = { min, max: hi !== undefined ? Math.max(min, int(hi, min)) : min }
			} else if (name === 'drip') p.dripMs = int(a, 20, 0, 60_000)
			else if (name === 'hang') p.hang = true
			else if (name === 'error') p.errorStatus = int(a, 500, 400, 599)
			else if (name === 'empty') p.empty = true
			else if (name === 'cache-write') p.cacheWrite = a ? int(a, 0, 0, 10_000_000) : 'all'
			else if (name === 'thinking') p.thinkingTokens = int(a, 64, 0, 1_000_000)
			else if (name === 'obedient') p.obedientMaxWords = int(a, 4000, 1, 100_000)
			else if (name === 'ratelimit' || name === 'ratelimit-conversation') {
				const scope = name === 'ratelimit' ? 'key' : 'conversation'
				const rate = num(a, 1, 0.01, 100_000)
				const bucket = { scope, rate, burst: int(b, Math.max(1, Math.round(rate)), 1, 1_000_000) }
				p.rateLimits = [...p.rateLimits.filter((x) => x.scope !== scope), bucket] as Bucket[]
			} else if (name === 'concurrency') p.concurrency = int(a, 1, 1, 1_000_000)
			else if (name === 'max-tokens') p.maxTokens = int(a, 256, 1, 10_000_000)
			else if (name === 'context')
				p.context = { tokens: int(a, 4096, 8, 100_000_000), truncate: b === 'truncate' }
			else if (name === 'input-limit') p.inputLimit = int(a, 4096, 0, 100_000_000)
			else if (name === 'quota') p.quotaTokens = int(a, 10_000, 0, 1e12)
		}
	}
	return p
}

const WORDS =
	'load testing measures how a system behaves when many users talk to it at once and every answer costs tokens latency and money so a careful engineer watches the numbers closely'.split(
		' ',
	)

/** A deterministic reply for `message` on `turn`, shaped by the personas. */
export function replyText(message: string, turn: number, p: Personas): string {
	if (p.empty) return ''
	const snippet = message.replace(/\s+/g, ' ').trim().slice(0, 60)
	let text: string
	const asked = p.obedientMaxWords ? wordsAskedFor(message, p.obedientMaxWords) : 0
	if (asked > 0) {
		text = obedientText(snippet, turn, asked)
	} else if (p.repetitive) {
		text =
			'As I said before, I can only tell you the same thing again. As I said before, I can only tell you the same thing again.'
	} else if (p.verbose) {
		const paras: string[] = []
		for (let i = 0; i < 6; i++) {
			const words: string[] = []
			for (let w = 0; w < 60; w++) words.push(WORDS[(w * 7 + i * 3 + turn) % WORDS.length])
			paras.push(`${i + 1}. ${words.join(' ')}.`)
		}
		text = `Here is an exhaustive answer to "${snippet}" (turn ${turn}).\n\n${paras.join('\n\n')}`
	} else {
		text = `Mock reply to "${snippet}" (turn ${turn}). This is a short, helpful answer.`
	}
	if (p.xml)
		text = `<response><turn>${turn}</turn><answer>${text.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</answer></response>`
	return text
}

/**
 * `obedient`: how many words the prompt asks for, at most `max`. A size it names: "N words",
 * "N paragraphs" (80 words each), "N sentences" (15 each), "list N …" / "N items|examples|
 * points|steps" (20 each); else a word asking for length: "exhaustive", "everything",
 * "comprehensive", "leave nothing out", "as long as possible"… (`max`), or "in detail",
 * "detailed", "thorough", "step by step" (half of `max`); 0 for a plain prompt (the short reply).
 */
export function wordsAskedFor(message: string, max: number): number {
	const m = message.toLowerCase()
	const count = (re: RegExp) => Number(re.exec(m)?.[1]?.replace(/,/g, '') ?? 0)
	const N = String.raw`(\d[\d,]*)[\s-]*`
	// The largest size named: "list 200 cheeses, each with a 3-sentence description" is the list.
	const named = Math.max(
		count(new RegExp(`${N}words?\\b`)),
		count(new RegExp(`${N}paragraphs?\\b`)) * 80,
		count(new RegExp(`${N}sentences?\\b`)) * 15,
		count(
			new RegExp(`${N}(?:[a-z]+\\s+){0,3}?(?:items?|examples?|points?|steps?|ideas?|reasons?)\\b`),
		) * 20,
		count(/\blist\s+(\d[\d,]*)/) * 20,
	)
	if (named > 0) return Math.min(max, named)
	if (EXHAUSTIVE.test(m)) return max
	if (DETAILED.test(m)) return Math.ceil(max / 2)
	return 0
}

const EXHAUSTIVE =
	/\b(exhaustive(ly)?|everything|comprehensive(ly)?|as long as (you can|possible)|every single|leave nothing out|maximum length|length is not a concern|as thorough(ly)? (and complete )?as possible)\b/
const DETAILED = /\b(in (great |full )?detail|detailed|thorough(ly)?|step[ -]by[ -]step|in depth)\b/

/** `words` words in paragraphs of 80, deterministic for the message and turn. */
function obedientText(snippet: string, turn: number, words: number): string {
	const paras: string[] = []
	let w = 0
	for (let i = 0; w < words; i++) {
		const para: string[] = []
		for (let j = 0; j < 80 && w < words; j++, w++)
			para.push(WORDS[(w * 7 + i * 3 + turn) % WORDS.length]!)
		paras.push(para.join(' ') + '.')
	}
	return `Answer to "${snippet}" (turn ${turn}):\n\n${paras.join('\n\n')}`
}

/** Splits a reply into word-sized chunks for streaming (whitespace kept). */
export function chunksOf(text: string): string[] {
	return text.match(/\S+\s*|\s+/g) ?? []
}

/** About four characters per token, plus a few tokens of framing per message, as chat APIs count. */
export const countTokens = (text: string) => Math.ceil(text.length / 4)
