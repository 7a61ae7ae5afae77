import type { ErrorType, SendError } from './types'

/** `Retry-After` as seconds or an HTTP date (RFC 9110 §10.2.3), in ms from `now`; undefined when absent or unparsable. */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | undefined {
	if (!value) return undefined
	const v = value.trim()
	if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000)
	const at = Date.parse(v)
	if (Number.isNaN(at)) return undefined
	return Math.max(0, at - now.getTime())
}

const RATE_LIMIT_HEADER = /^(x-ratelimit-|anthropic-ratelimit-|retry-after$|retry-after-ms$)/

/** The rate-limit headers of a reply, recorded with each attempt (docs/architecture.md §5); undefined when none. */
export function rateLimitHeaders(
	headers: ReadonlyMap<string, string>,
): Record<string, string> | undefined {
	let out: Record<string, string> | undefined
	for (const [k, v] of headers) {
		if (!RATE_LIMIT_HEADER.test(k)) continue
		;(out ??= {})[k] = v.slice(0, 200)
	}
	return out
}

/** The wait a reply asks for: `retry-after-ms` (OpenAI, exact) wins over `Retry-After`. */
export function retryAfterOf(
	header: (name: string) => string | undefined,
	now: Date,
): number | undefined {
	const ms = header('retry-after-ms')?.trim()
	if (ms && /^\d+(\.\d+)?$/.test(ms)) return Math.round(Number(ms))
	return parseRetryAfter(header('retry-after'), now)
}

/** A readable string from whatever an error path points at (never "[object Object]"). */
export function errorText(v: unknown): string | undefined {
	if (v === undefined || v === null || v === '') return undefined
	if (typeof v === 'string') return v
	if (typeof v === 'number' || typeof v === 'boolean') return String(v)
	if (typeof v === 'object') {
		const o = v as Record<string, unknown>
		for (const k of ['message', 'error', 'detail', 'description', 'title']) {
			const inner = errorText(o[k])
			if (inner) return inner
		}
		try {
			return JSON.stringify(v).slice(0, 500)
		} catch {
			return undefined
		}
	}
	return undefined
}

/** Classifies an HTTP error status. */
export function httpStatusError(
	status: number,
	message: string | undefined,
	retryAfterMs?: number,
): SendError {
	const text = message ? `HTTP ${status}: ${message}` : `HTTP ${status}`
	if (status === 429)
		return {
			type: 'rate_limited',
			message: text,
			...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
		}
	if (status === 401 || status === 403)
		return { type: 'auth_error', message: `Authentication failed (${text})` }
	// Gemini answers a bad key with 400 INVALID_ARGUMENT "API key not valid".
	if (
		status === 400 &&
		message &&
		/api[ _-]?key (not valid|invalid)|invalid api[ _-]?key|unauthori[sz]ed|unauthenticated/i.test(
			message,
		)
	) {
		return { type: 'auth_error', message: `Authentication failed (${text})` }
	}
	return {
		type: 'http_error',
		message: text,
		...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
	}
}

/** Network failures from fetch / sockets, by the codes Bun and Node use. */
export function networkError(e: unknown): SendError {
	const err = e as { code?: string; message?: string; name?: string; cause?: { code?: string } }
	const code = String(err?.code ?? err?.cause?.code ?? '')
	const message = String(err?.message ?? e)
	const is = (...codes: string[]) => codes.some((c) => code === c || message.includes(c))
	let type: ErrorType = 'unknown'
	if (is('ECONNREFUSED', 'ConnectionRefused')) type = 'connection_refused'
	else if (is('ENOTFOUND', 'EAI_AGAIN', 'DNSException', 'getaddrinfo')) type = 'dns'
	else if (is('ETIMEDOUT', 'TimeoutError')) type = 'timeout'
	else if (
		is('ECONNRESET', 'ConnectionClosed', 'EPIPE', 'UND_ERR_SOCKET', 'socket connection was closed')
	)
		type = 'protocol_error'
	const prefix: Record<ErrorType, string> = {
		connection_refused: 'Connection refused',
		dns: 'Host not found (DNS)',
		timeout: 'Timed out',
		protocol_error: 'Connection closed unexpectedly',
		unknown: 'Request failed',
		http_error: '',
		rate_limited: '',
		auth_error: '',
		empty_response: '',
		response_too_large: '',
		aborted: '',
	}
	return {
		type,
		message: code ? `${prefix[type]} (${code}): ${message}` : `${prefix[type]}: ${message}`,
	}
}

/** 10 MiB: far above any chat reply; a 50 MB reply is refused before it is held (docs/architecture.md §4). */
export const DEFAULT_MAX_REPLY_BYTES = 10 * 1024 * 1024

/** A reply that grew past the maximum reply size; the connection it came on is closed. */
export class ReplyTooLarge extends Error {
	override name = 'ReplyTooLarge'
	constructor(readonly limit: number) {
		super(`the reply is larger than ${limit} bytes`)
	}
}

/** The classified error for a reply over the limit, naming the limit and its setting. */
export function tooLargeError(limit: number): SendError {
	return {
		type: 'response_too_large',
		message: `Reply too large: more than ${limit} bytes (KRAWALL_MAX_REPLY_BYTES); the connection was closed`,
	}
}
