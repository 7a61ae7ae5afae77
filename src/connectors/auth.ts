import { abortError, type Clock } from '../clock'
import { OutboundRefused } from '../security/outbound'
import { errorText } from './errors'
import { RedirectRefused, type OutboundResponse, type Transport } from './transport'
import type { AuthConfig, AuthType } from './types'

/** Raised when credentials cannot be obtained (OAuth token endpoint refused, misconfiguration). */
export class AuthFailure extends Error {}

interface Credentials {
	headers: Record<string, string>
	query: Record<string, string>
	/** The bare secret, for targets that take it in the URL (WebSocket `tokenQueryParam`). */
	token?: string
}

interface Auth {
	credentials(signal: AbortSignal): Promise<Credentials>
	/** Drops a cached OAuth token after a 401; true when fetching a new one may help. */
	invalidate(): boolean
}

/** Refresh this long before the token's stated expiry, so no request carries a dying token. */
const EXPIRY_MARGIN_MS = 30_000
const TOKEN_TIMEOUT_MS = 30_000

function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
	if (signal.aborted) return Promise.reject(abortError(signal))
	return new Promise<T>((resolve, reject) => {
		const onAbort = () => reject(abortError(signal))
		signal.addEventListener('abort', onAbort, { once: true })
		p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
	})
}

/**
 * Credentials for the six auth types. OAUTH2 runs the client-credentials grant against
 * `tokenUrl` (RFC 6749 §4.4), caches the token until shortly before expiry, shares one
 * in-flight token request between concurrent conversations, and refreshes once on 401.
 */
export function createAuth(
	type: AuthType,
	config: AuthConfig,
	opts: { clock: Clock; transport: Transport; onSecret?: (value: string) => void },
): Auth {
	const c = (config ?? {}) as Record<string, any>
	const fixed = (creds: Credentials): Auth => ({
		credentials: async () => creds,
		invalidate: () => false,
	})
	switch (type) {
		case 'BEARER_TOKEN':
			return fixed({
				headers: { authorization: `Bearer ${c.token ?? ''}` },
				query: {},
				token: c.token,
			})
		case 'API_KEY':
			if (c.queryParam)
				return fixed({ headers: {}, query: { [c.queryParam]: c.apiKey ?? '' }, token: c.apiKey })
			return fixed({
				headers: { [String(c.headerName || 'x-api-key').toLowerCase()]: c.apiKey ?? '' },
				query: {},
				token: c.apiKey,
			})
		case 'BASIC_AUTH':
			return fixed({
				headers: {
					authorization: `Basic ${Buffer.from(`${c.username ?? ''}:${c.password ?? ''}`).toString('base64')}`,
				},
				query: {},
			})
		case 'CUSTOM_HEADER': {
			const headers: Record<string, string> = {}
			for (const [k, v] of Object.entries((c.headers ?? {}) as Record<string, unknown>))
				headers[k.toLowerCase()] = String(v)
			return fixed({ headers, query: {} })
		}
		case 'OAUTH2':
			return createOAuth(
				c as {
					tokenUrl: string
					clientId: string
					clientSecret: string
					scope?: string
					audience?: string
				},
				opts,
			)
		default:
			return fixed({ headers: {}, query: {} })
	}
}

function createOAuth(
	c: {
		tokenUrl: string
		clientId: string
		clientSecret: string
		scope?: string
		audience?: string
	},
	opts: { clock: Clock; transport: Transport; onSecret?: (value: string) => void },
): Auth {
	let cached: { token: string; expiresAt: number } | undefined
	let pending: Promise<string> | undefined

	async function fetchToken(signal: AbortSignal): Promise<string> {
		let url: URL
		try {
			url = new URL(c.tokenUrl)
		} catch {
			throw new AuthFailure('OAuth token URL refused: not a valid URL')
		}
		if (url.protocol !== 'http:' && url.protocol !== 'https:')
			throw new AuthFailure('OAuth token URL refused: protocol must be http: or https:')
		const form = new URLSearchParams({
			grant_type: 'client_credentials',
			client_id: c.clientId,
			client_secret: c.clientSecret,
		})
		if (c.scope) form.set('scope', c.scope)
		if (c.audience) form.set('audience', c.audience)
		let res: OutboundResponse
		let text: string
		try {
			// The body holds the client secret: the transport refuses to carry it to another origin.
			res = await opts.transport.request(url, {
				method: 'POST',
				headers: {
					'content-type': 'application/x-www-form-urlencoded',
					accept: 'application/json',
				},
				body: form.toString(),
				signal,
				redirect: 'follow',
				credentialBody: true,
			})
			text = await res.text()
		} catch (e) {
			if (e instanceof OutboundRefused)
				throw new AuthFailure(`OAuth token URL refused: ${e.message}`)
			if (e instanceof RedirectRefused)
				throw new AuthFailure(`OAuth token request: redirect not followed: ${e.message}`)
			if (signal.aborted)
				throw new AuthFailure(`OAuth token request timed out after ${TOKEN_TIMEOUT_MS} ms`)
			throw new AuthFailure(`OAuth token request failed: ${(e as Error).message}`)
		}
		let json: Record<string, any> = {}
		try {
			json = JSON.parse(text)
		} catch {
			// reported below
		}
		if (!res.ok || typeof json.access_token !== 'string') {
			// `error` may be an object (`{ error: { message } }`): never "[object Object]".
			const why =
				errorText(json.error_description) ??
				errorText(json.error) ??
				(text.slice(0, 200) || `HTTP ${res.status}`)
			throw new AuthFailure(`OAuth token request refused (HTTP ${res.status}): ${why}`)
		}
		const ttlMs =
			(typeof json.expires_in === 'number' ? json.expires_in : Number(json.expires_in) || 3600) *
			1000
		const margin = Math.min(EXPIRY_MARGIN_MS, ttlMs / 10)
		opts.onSecret?.(json.access_token)
		cached = { token: json.access_token, expiresAt: opts.clock.now().getTime() + ttlMs - margin }
		return json.access_token
	}

	return {
		async credentials(signal) {
			if (!cached || cached.expiresAt <= opts.clock.now().getTime()) {
				// One token request serves every conversation waiting for it; it has its own time
				// bound, so one caller's cancel does not fail the others.
				pending ??= fetchToken(AbortSignal.timeout(TOKEN_TIMEOUT_MS)).finally(() => {
					pending = undefined
				})
				await raceAbort(pending, signal)
			}
			const token = cached!.token
			return { headers: { authorization: `Bearer ${token}` }, query: {}, token }
		},
		invalidate() {
			cached = undefined
			return true
		},
	}
}
