/**
 * Postgres text and jsonb refuse NUL characters, and jsonb lone UTF-16 surrogates. Input
 * carrying them is a 400 (see `textProblems`); what a target sends back is recorded with them
 * replaced by U+FFFD, so one odd reply can never fail a session's recording.
 */
export const cleanText = (s: string) =>
	(s.includes('\u0000') ? s.replace(/\u0000/g, '\uFFFD') : s).toWellFormed()

const badText = (s: string) => s.includes('\u0000') || !s.isWellFormed()

/** Paths of every string (keys included) holding a NUL or a lone surrogate, depth-bounded. */
export function textProblems(
	value: unknown,
	path: (string | number)[] = [],
	out: (string | number)[][] = [],
	depth = 0,
) {
	if (depth > 20 || out.length >= 20) return out
	if (typeof value === 'string') {
		if (badText(value)) out.push(path)
	} else if (Array.isArray(value)) {
		value.forEach((v, i) => textProblems(v, [...path, i], out, depth + 1))
	} else if (value && typeof value === 'object') {
		for (const [k, v] of Object.entries(value)) {
			if (badText(k)) out.push([...path, k])
			else textProblems(v, [...path, k], out, depth + 1)
		}
	}
	return out
}

/** Ids are CUID2-like; anything else cannot name a row (and must not reach the database). */
export const isPlausibleId = (id: string) => /^[A-Za-z0-9_-]{1,64}$/.test(id)
