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

/** Details for every string (and object key) in `value` that cannot be stored, bounded in depth and count. */
export function unstorableText(
	value: unknown,
	path: (string | number)[] = [],
	out: ErrorDetail[] = [],
): ErrorDetail[] {
	if (out.length >= 20 || path.length > 32) return out
	if (typeof value === 'string') {
		if (unstorable(value)) out.push({ code: 'invalid_string', path, message: MESSAGE })
	} else if (Array.isArray(value)) {
		value.forEach((v, i) => unstorableText(v, [...path, i], out))
	} else if (value !== null && typeof value === 'object') {
		for (const [k, v] of Object.entries(value)) {
			if (unstorable(k))
				out.push({ code: 'invalid_string', path: [...path, k], message: `Key: ${MESSAGE}` })
			else unstorableText(v, [...path, k], out)
		}
	}
	return out
}

/** Throws the usual 400 `Validation error` when `value` holds text the database cannot store. */
export function assertStorableText<T>(value: T): T {
	const details = unstorableText(value)
	if (details.length) throw new Invalid(details)
	return value
}
