import type { Format } from './formats'
import { json, safeDecode } from './http'
import type { MockState } from './state'

/**
 * Credentials, checked only when the mock has an `apiKey`: each provider route in its
 * provider's way; the generic routes (and the WebSocket) accept `Bearer <apiKey|oauth token>`,
 * Basic with the key as password, an `x-api-key` / `api-key` / `x-mock-auth` header or a
 * `key` / `api_key` / `token` / `access_token` query parameter. `POST /oauth/token` issues tokens.
 */

/** True for an OAuth token this mock issued that has not expired (or been revoked). */
export const tokenValid = (state: MockState, t: string | null | undefined) =>
	!!t && (state.tokens.get(t) ?? 0) > Date.now()

const keyOk = (state: MockState, v: string | null | undefined) =>
	!!v && (v === state.auth.apiKey || tokenValid(state, v))

const bearer = (h: Headers) => /^Bearer\s+(.+)$/i.exec(h.get('authorization') ?? '')?.[1]

export function genericAuthOk(state: MockState, req: Request, url: URL): boolean {
	const { apiKey, basicUser } = state.auth
	if (!apiKey) return true
	const h = req.headers
	if (keyOk(state, bearer(h))) return true
	const basic = /^Basic\s+(.+)$/i.exec(h.get('authorization') ?? '')?.[1]
	if (basic) {
		const [user, ...rest] = Buffer.from(basic, 'base64').toString().split(':')
		if (user === basicUser && rest.join(':') === apiKey) return true
	}
	for (const name of ['x-api-key', 'api-key', 'x-mock-auth'])
		if (h.get(name) === apiKey) return true
	for (const name of ['key', 'api_key', 'token', 'access_token'])
		if (keyOk(state, url.searchParams.get(name))) return true
	return false
}

export function providerAuthOk(state: MockState, format: Format, req: Request, url: URL): boolean {
	const { apiKey } = state.auth
	if (!apiKey) return true
	const h = req.headers
	switch (format.name) {
		case 'openai':
			return keyOk(state, bearer(h))
		case 'azure':
			// Azure takes the key in `api-key`, or an Entra ID bearer token.
			return h.get('api-key') === apiKey || keyOk(state, bearer(h))
		case 'ollama':
			// Ollama has no auth of its own.
			return true
		case 'anthropic':
			return h.get('x-api-key') === apiKey
		case 'gemini':
			return url.searchParams.get('key') === apiKey || h.get('x-goog-api-key') === apiKey
		default:
			return genericAuthOk(state, req, url)
	}
}

/** The refusal each provider sends for a bad key (Gemini's is a 400, the others' a 401). */
export function providerAuthFailure(format: Format): Response {
	const status = format.name === 'gemini' ? 400 : 401
	const message =
		format.name === 'gemini'
			? 'API key not valid. Please pass a valid API key.'
			: format.name === 'anthropic'
				? 'invalid x-api-key'
				: format.name === 'azure'
					? 'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.'
					: 'Incorrect API key provided.'
	return json(
		format.error(status, message),
		status,
		status === 401 ? { 'www-authenticate': 'Bearer' } : {},
	)
}

/** `POST /oauth/token`: the client-credentials grant (form or JSON body, or Basic client auth). */
export async function oauthToken(state: MockState, req: Request): Promise<Response> {
	let fields: Record<string, string> = {}
	const ctype = req.headers.get('content-type') ?? ''
	try {
		if (ctype.includes('application/json')) fields = (await req.json()) as Record<string, string>
		else fields = Object.fromEntries(new URLSearchParams(await req.text()))
	} catch {
		return json({ error: 'invalid_request', error_description: 'unreadable body' }, 400)
	}
	if (fields === null || typeof fields !== 'object' || Array.isArray(fields))
		return json({ error: 'invalid_request', error_description: 'the body must be an object' }, 400)
	const basic = /^Basic\s+(.+)$/i.exec(req.headers.get('authorization') ?? '')?.[1]
	if (basic) {
		const [id, ...secret] = Buffer.from(basic, 'base64').toString().split(':')
		fields.client_id ??= safeDecode(id ?? '')
		fields.client_secret ??= safeDecode(secret.join(':'))
	}
	if (fields.grant_type !== 'client_credentials')
		return json({ error: 'unsupported_grant_type' }, 400)
	if (
		fields.client_id !== state.auth.clientId ||
		fields.client_secret !== state.auth.clientSecret
	) {
		state.stats.authFailures++
		return json({ error: 'invalid_client', error_description: 'Client authentication failed' }, 401)
	}
	const ttl = state.auth.tokenTtlSec
	const token = `mock-oauth-${crypto.randomUUID()}`
	state.tokens.set(token, Date.now() + ttl * 1000)
	state.stats.tokensIssued++
	return json({
		access_token: token,
		token_type: 'Bearer',
		expires_in: ttl,
		...(fields.scope ? { scope: fields.scope } : {}),
	})
}
