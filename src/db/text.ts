import { Invalid, type ErrorDetail } from '../http/errors'

/**
 * Text Postgres cannot store: a NUL character (refused in `text` and `jsonb`) and an unpaired
 * UTF-16 surrogate (refused in `jsonb`). JSON allows both (`"\u0000"`, `"\ud800"`), so without
 * this check such input reaches the database and fails there as a 500 instead of a 400.
 */
const unstorable = (s: string) => s.includes('\u0000') || !s.isWellFormed()

const MESSAGE = 'Must not contain NUL characters or unpaired UTF-16 surrogates'

/**
 * False for a string Postgres would refuse, and for a non-string: a route without a params
 * schema gets `null` for an undecodable escape (`/targets/%E0%A4%A`). A lookup by either finds nothing.
 */
export const isStorableText = (s: unknown): s is string => typeof s === 'string' && !unstorable(s)

/** `s` with what Postgres cannot store replaced by U+FFFD (for text that comes from elsewhere, e.g. a target's reply). */
export const storableText = (s: string) => s.replaceAll('\u0000', '\ufffd').toWellFormed()

/**
 * Details for every string (and object key) in `value` that cannot be stored, at any depth:
 * iterative (an explicit stack, so no depth overflows it) and stopping after 20 findings.
 */
export function unstorableText(value: unknown, at: (string | number)[] = []): ErrorDetail[] {
	const out: ErrorDetail[] = []
	const stack: [unknown, (string | number)[]][] = [[value, at]]
	while (stack.length && out.length < 20) {
		const [v, path] = stack.pop()!
		if (typeof v === 'string') {
			if (unstorable(v)) out.push({ code: 'invalid_string', path, message: MESSAGE })
		} else if (Array.isArray(v)) {
			for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], [...path, i]])
		} else if (v !== null && typeof v === 'object') {
			const entries = Object.entries(v)
			for (let i = entries.length - 1; i >= 0; i--) {
				const [k, child] = entries[i]
				if (unstorable(k))
					out.push({ code: 'invalid_string', path: [...path, k], message: `Key: ${MESSAGE}` })
				else stack.push([child, [...path, k]])
			}
		}
	}
	return out.slice(0, 20)
}

/** Throws the usual 400 `Validation error` when `value` holds text the database cannot store. */
export function assertStorableText<T>(value: T): T {
	const details = unstorableText(value)
	if (details.length) throw new Invalid(details)
	return value
}
