import type { AuthConfig, SendResult } from './types'

/** Every secret leaf of an auth config (tokens, keys, passwords, client secrets, header values). */
export function secretValues(config: AuthConfig): string[] {
	const out: string[] = []
	const walk = (v: unknown, key: string) => {
		if (typeof v === 'string') {
			if (
				v.length > 0 &&
				![
					'headerName',
					'queryParam',
					'tokenUrl',
					'clientId',
					'scope',
					'audience',
					'username',
				].includes(key)
			)
				out.push(v)
		} else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k)
	}
	walk(config, '')
	// The forms a secret takes on the wire, which an echo may quote: URL-encoded (a query key,
	// an OAuth form body) and, for Basic auth, the base64 of `username:password`.
	const c = (config ?? {}) as Record<string, unknown>
	if (typeof c.password === 'string' && c.password)
		out.push(Buffer.from(`${c.username ?? ''}:${c.password}`).toString('base64'))
	return secretForms(out)
}

/** A secret as it may be quoted: as is, URL-encoded, form-encoded; longest first. */
export function secretForms(values: string[]): string[] {
	const forms = values.flatMap((v) => [
		v,
		encodeURIComponent(v),
		new URLSearchParams({ v }).toString().slice(2),
	])
	return [...new Set(forms)].sort((a, b) => b.length - a.length)
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * Secrets of 4 characters or more are replaced wherever they occur. A shorter one (a 3-letter
 * password) would match inside ordinary words, so it is replaced where it stands alone: not
 * inside a run of letters and digits ("abc" in "key abc." but not in "abcdef").
 */
function scrub(text: string, secrets: string[]): string {
	let t = text
	for (const s of secrets) {
		if (!t.includes(s)) continue
		if (s.length >= 4) t = t.split(s).join('****')
		else
			t = t.replace(new RegExp(`(?<![\\p{L}\\p{N}])${escapeRe(s)}(?![\\p{L}\\p{N}])`, 'gu'), '****')
	}
	return t
}

/**
 * A target may echo a credential back (an error quoting the key, a URL with `?key=`): results
 * leave the connector with every secret value replaced, so none reaches a log, a row or a page.
 */
export function redactResult(r: SendResult, secrets: string[]): SendResult {
	if (secrets.length === 0) return r
	const out = { ...r }
	if (out.error) out.error = { ...out.error, message: scrub(out.error.message, secrets) }
	if (out.content) out.content = scrub(out.content, secrets)
	if (out.raw !== undefined) {
		const json = JSON.stringify(out.raw)
		if (json && secrets.some((s) => json.includes(s)))
			out.raw = JSON.parse(
				scrub(
					json,
					secrets.map((s) => JSON.stringify(s).slice(1, -1)),
				),
			)
	}
	return out
}
