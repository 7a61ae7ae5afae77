/**
 * Masking of secret values for responses and pages (docs/architecture.md §8: secrets are write-only).
 *
 * - A secret of 16 characters or more shows its first 4 and last 4 characters
 *   (`"your-api-token-1"` → `"your...en-1"`), enough to recognise a key, never more than half of it.
 *   Anything shorter (or not a string) becomes `"****"`.
 * - Every string leaf at any depth is a secret unless its key is on the short list of
 *   identifiers that are not secret (username, headerName, queryParam, tokenUrl, clientId, scope,
 *   audience). Header values are always masked, whatever their name. Masking by default means
 *   a new auth field can never leak by being forgotten here.
 * - Sending a masked value back keeps the stored secret (`restoreMasked`), leaf by leaf.
 */

export const MASK_SHORT = '****'
const MIN_PARTIAL = 16

/** Keys whose values identify rather than authenticate, shown as stored (top level of authConfig only). */
const VISIBLE_AUTH_KEYS = new Set([
	'username',
	'headerName',
	'queryParam',
	'tokenUrl',
	'clientId',
	'scope',
	'audience',
])

export function maskValue(value: unknown): string {
	if (typeof value !== 'string' || value.length < MIN_PARTIAL) return MASK_SHORT
	return `${value.slice(0, 4)}...${value.slice(-4)}`
}

/** True for strings that have the shape of a masked value (what `maskValue` returns). */
export function looksMasked(value: unknown): boolean {
	return (
		typeof value === 'string' && (value === MASK_SHORT || /^[\s\S]{4}\.\.\.[\s\S]{4}$/.test(value))
	)
}

const isObject = (v: unknown): v is Record<string, unknown> =>
	v !== null && typeof v === 'object' && !Array.isArray(v)

/** A copy of an auth config with every secret leaf masked (any depth, arrays included). */
export function maskSecrets(config: unknown, depth = 0): unknown {
	if (depth > 20) return MASK_SHORT
	if (Array.isArray(config)) return config.map((v) => maskLeafOrWalk(v, depth + 1))
	if (!isObject(config)) return config === null || config === undefined ? config : maskValue(config)
	const out: Record<string, unknown> = {}
	for (const [k, v] of Object.entries(config)) {
		out[k] =
			depth === 0 && VISIBLE_AUTH_KEYS.has(k) && typeof v === 'string'
				? v
				: maskLeafOrWalk(v, depth + 1)
	}
	return out
}

function maskLeafOrWalk(v: unknown, depth: number): unknown {
	if (v !== null && typeof v === 'object') return maskSecrets(v, depth)
	if (v === null || v === undefined || typeof v === 'boolean') return v
	return maskValue(v)
}

type Unresolved = (string | number)[]

/**
 * Replaces every leaf of `incoming` that equals the mask of the stored leaf at the same path
 * with the stored value, so a client (or a form pre-filled with masked values) can send the
 * masked config back without erasing secrets. Returns the merged config and the paths of
 * leaves that look masked but match no stored secret (the caller refuses those: storing
 * `"****"` as a password is never what anyone meant).
 */
export function restoreMasked(
	incoming: unknown,
	stored: unknown,
): { value: unknown; unresolved: Unresolved[] } {
	const unresolved: Unresolved[] = []
	const walk = (inc: unknown, old: unknown, path: Unresolved): unknown => {
		if (Array.isArray(inc))
			return inc.map((v, i) => walk(v, Array.isArray(old) ? old[i] : undefined, [...path, i]))
		if (isObject(inc)) {
			const out: Record<string, unknown> = {}
			for (const [k, v] of Object.entries(inc))
				out[k] = walk(v, isObject(old) ? old[k] : undefined, [...path, k])
			return out
		}
		if (typeof inc === 'string' && looksMasked(inc)) {
			if (typeof old === 'string' && maskValue(old) === inc) return old
			if (old === inc) return old
			unresolved.push(path)
		}
		return inc
	}
	return { value: walk(incoming, stored, []), unresolved }
}
