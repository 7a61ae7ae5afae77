/**
 * Conditions test the last exchange of a conversation (docs/architecture.md §4):
 *
 *   contains:<text>   !contains:<text>   equals:<text>   matches:<regex> | matches:/<regex>/<flags>
 *   length>N  length<N  status==N  failed  tokens>N
 *
 * Any form may be negated with a leading `!`. `contains` is case-insensitive; `equals` compares
 * the trimmed reply exactly. Regexes are compiled once at validation time, their pattern is at
 * most 200 characters and the reply is truncated to 10 000 characters before matching, which
 * bounds the cost of a pathological pattern.
 */

const MAX_PATTERN_LENGTH = 200
export const MAX_MATCH_INPUT = 10_000

export type Condition =
	| { kind: 'contains'; text: string; negate: boolean }
	| { kind: 'equals'; text: string; negate: boolean }
	| { kind: 'matches'; regex: RegExp; negate: boolean }
	| { kind: 'length'; op: '>' | '<'; n: number; negate: boolean }
	| { kind: 'status'; op: '==' | '!='; n: number; negate: boolean }
	| { kind: 'tokens'; op: '>' | '<'; n: number; negate: boolean }
	| { kind: 'failed'; negate: boolean }

/** What a condition looks at: the last exchange (or nothing yet). */
export interface LastExchange {
	content: string
	success: boolean
	httpStatus?: number
	totalTokens: number
}

type ParsedCondition = { ok: true; condition: Condition } | { ok: false; error: string }

const NUMERIC = /^(length|status|tokens)\s*(>=|<=|==|!=|>|<)\s*(\d{1,12})$/

export function parseCondition(source: unknown): ParsedCondition {
	if (typeof source !== 'string' || source.trim() === '')
		return { ok: false, error: 'Condition is required' }
	let text = source.trim()
	let negate = false
	if (text.startsWith('!')) {
		negate = true
		text = text.slice(1).trimStart()
	}
	const colon = text.indexOf(':')
	const head = colon >= 0 ? text.slice(0, colon).trim().toLowerCase() : ''
	const arg = colon >= 0 ? text.slice(colon + 1) : ''
	if (head === 'contains' || head === 'equals') {
		if (arg.trim() === '') return { ok: false, error: `"${head}:" needs a text to compare with` }
		return { ok: true, condition: { kind: head, text: arg.trim(), negate } }
	}
	if (head === 'matches') return parseRegex(arg.trim(), negate)
	if (text.toLowerCase() === 'failed') return { ok: true, condition: { kind: 'failed', negate } }
	const m = NUMERIC.exec(text.toLowerCase())
	if (m) {
		const [, kind, op, num] = m
		const n = Number(num)
		if (kind === 'status') {
			if (op !== '==' && op !== '!=') return { ok: false, error: 'status supports == and != only' }
			return { ok: true, condition: { kind: 'status', op, n, negate } }
		}
		// >= and <= are sugar for the strict forms on integers.
		const strict =
			op === '>='
				? { op: '>' as const, n: n - 1 }
				: op === '<='
					? { op: '<' as const, n: n + 1 }
					: null
		if (!strict && op !== '>' && op !== '<')
			return { ok: false, error: `${kind} supports > and < only` }
		const c = strict ?? { op: op as '>' | '<', n }
		return { ok: true, condition: { kind: kind as 'length' | 'tokens', ...c, negate } }
	}
	return {
		ok: false,
		error:
			'Unknown condition; use contains:, !contains:, equals:, matches:, length>N, length<N, status==N, failed or tokens>N',
	}
}

function parseRegex(arg: string, negate: boolean): ParsedCondition {
	if (arg === '') return { ok: false, error: '"matches:" needs a regular expression' }
	let pattern = arg
	let flags = ''
	const literal = /^\/(.*)\/([a-z]*)$/s.exec(arg)
	if (literal) {
		pattern = literal[1]
		flags = literal[2]
		if (/[^imsu]/.test(flags))
			return { ok: false, error: `Unsupported regex flags "${flags}" (use i, m, s, u)` }
	}
	if (pattern.length > MAX_PATTERN_LENGTH)
		return { ok: false, error: `Regex pattern is longer than ${MAX_PATTERN_LENGTH} characters` }
	if (hasNestedQuantifier(pattern))
		return {
			ok: false,
			error: 'Nested quantifiers such as (a+)+ can take exponential time; simplify the pattern',
		}
	try {
		return { ok: true, condition: { kind: 'matches', regex: new RegExp(pattern, flags), negate } }
	} catch (e) {
		return { ok: false, error: `Invalid regular expression: ${(e as Error).message}` }
	}
}

export function evaluateCondition(c: Condition, last: LastExchange | null): boolean {
	return c.negate !== test(c, last)
}

function test(c: Condition, last: LastExchange | null): boolean {
	const content = last?.content ?? ''
	switch (c.kind) {
		case 'contains':
			return content.toLowerCase().includes(c.text.toLowerCase())
		case 'equals':
			return content.trim() === c.text
		case 'matches':
			c.regex.lastIndex = 0
			return c.regex.test(content.slice(0, MAX_MATCH_INPUT))
		case 'length':
			return c.op === '>' ? content.length > c.n : content.length < c.n
		case 'tokens': {
			const t = last?.totalTokens ?? 0
			return c.op === '>' ? t > c.n : t < c.n
		}
		case 'status':
			if (last?.httpStatus === undefined) return c.op === '!='
			return c.op === '==' ? last.httpStatus === c.n : last.httpStatus !== c.n
		case 'failed':
			return last !== null && !last.success
	}
}

/**
 * Whether a quantified group contains a quantifier — `(a+)+`, `(\\w*x)*`, `(a{2,})+` — the shape
 * behind catastrophic backtracking. Conservative (some safe patterns are refused too); together
 * with the length bounds it keeps one condition from stalling a worker.
 */
export function hasNestedQuantifier(pattern: string): boolean {
	const stack: boolean[] = []
	let inClass = false
	let lastClosedHadQuantifier = false
	for (let i = 0; i < pattern.length; i++) {
		const ch = pattern[i]
		if (ch === '\\') {
			i++
			lastClosedHadQuantifier = false
			continue
		}
		if (inClass) {
			if (ch === ']') inClass = false
			continue
		}
		const isQuantifier =
			ch === '*' || ch === '+' || (ch === '{' && /^\{\d+(,\d*)?\}/.test(pattern.slice(i)))
		if (isQuantifier) {
			if (lastClosedHadQuantifier) return true
			if (stack.length) stack[stack.length - 1] = true
			lastClosedHadQuantifier = false
			continue
		}
		if (ch === '[') inClass = true
		else if (ch === '(') stack.push(false)
		else if (ch === ')') {
			const had = stack.pop() ?? false
			if (had && stack.length) stack[stack.length - 1] = true
			lastClosedHadQuantifier = had
			continue
		}
		if (ch !== '?') lastClosedHadQuantifier = false
	}
	return false
}
