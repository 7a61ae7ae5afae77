import type { Personas } from './personas'
import type { MockState } from './state'

/** How long `hang` waits before giving up on a client that never leaves. */
export const MAX_HANG_MS = 10 * 60_000

type Failure = { status: number; message: string; retryAfter?: number; empty?: boolean }

/**
 * The rule that decides a persona's failure for this request, before any reply is produced.
 * Counts toward `rate-limited` and `flaky`, so call it once per request.
 */
export function injectedFailure(
	state: MockState,
	p: Personas,
	conversation: string,
): Failure | undefined {
	if (p.errorStatus)
		return { status: p.errorStatus, message: `Injected error ${p.errorStatus} (persona error)` }
	if (p.rateLimitEvery) {
		// Every Nth request of a conversation is refused; a retry is the next request, so it passes (unless N is 1).
		const n = (state.attempts.get(conversation) ?? 0) + 1
		if (state.attempts.size > 100_000) state.attempts.clear()
		state.attempts.set(conversation, n)
		if (n % p.rateLimitEvery === 0) {
			state.stats.rateLimited++
			return {
				status: 429,
				message: 'Rate limit reached for requests. Please try again later.',
				retryAfter: p.rateLimitRetryAfterSec,
			}
		}
	}
	if (p.flakyEvery) {
		state.flakyCounter++
		if (state.flakyCounter % p.flakyEvery === 0) {
			const mode = (state.flakyCounter / p.flakyEvery) % 3
			if (mode === 1)
				return { status: 500, message: 'The server had an error while processing your request.' }
			if (mode === 2) return { status: 200, message: '', empty: true }
			return {
				status: 503,
				message: 'The engine is currently overloaded, please try again later.',
				retryAfter: 1,
			}
		}
	}
	return undefined
}

/**
 * `limit-conversation` / `limit-key` (counted once per request): after `after` passes, `refusals`
 * 429s, then passes. Every answer carries OpenAI-style (`x-ratelimit-*`) or, for Anthropic,
 * `anthropic-ratelimit-*` headers; a 429 adds `Retry-After` and `retry-after-ms`.
 */
export function burstLimit(
	state: MockState,
	p: Personas,
	conversation: string,
	key: string,
	anthropicHeaders: boolean,
): { failure?: Failure; headers: Record<string, string> } {
	const b = p.burst
	if (!b) return { headers: {} }
	const counterKey = b.scope === 'key' ? `key:${key}` : `conversation:${conversation}`
	const n = (state.burst.get(counterKey) ?? 0) + 1
	if (state.burst.size > 100_000) state.burst.clear()
	state.burst.set(counterKey, n)
	const limited = n > b.after && n <= b.after + b.refusals
	const limit = b.after + b.refusals
	const remaining = n <= b.after ? b.after - n : limit
	const headers: Record<string, string> = anthropicHeaders
		? {
				'anthropic-ratelimit-requests-limit': String(limit),
				'anthropic-ratelimit-requests-remaining': String(limited ? 0 : remaining),
			}
		: {
				'x-ratelimit-limit-requests': String(limit),
				'x-ratelimit-remaining-requests': String(limited ? 0 : remaining),
			}
	if (!limited) return { headers }
	state.stats.rateLimited++
	headers['retry-after'] = String(b.retryAfterSec)
	headers['retry-after-ms'] = String(b.retryAfterSec * 1000)
	return {
		failure: {
			status: 429,
			message: 'Rate limit reached for requests. Please try again later.',
			retryAfter: b.retryAfterSec,
		},
		headers,
	}
}

/** Waits `ms`, or until the client goes away (then resolves false). */
export function wait(ms: number, signal: AbortSignal): Promise<boolean> {
	if (signal.aborted) return Promise.resolve(false)
	if (ms <= 0) return Promise.resolve(true)
	return new Promise((resolve) => {
		const timer = setTimeout(() => {
			signal.removeEventListener('abort', onAbort)
			resolve(true)
		}, ms)
		const onAbort = () => {
			clearTimeout(timer)
			resolve(false)
		}
		signal.addEventListener('abort', onAbort, { once: true })
	})
}

/** The delay `slow` asks for (random within its range), 0 otherwise. */
export const latency = (p: Personas) =>
	p.slow ? p.slow.min + Math.floor(Math.random() * (p.slow.max - p.slow.min + 1)) : 0

/**
 * The wait `stall:MS@N` adds: the stall begins (once) at the Nth request the mock has seen, and
 * every request that arrives before it ends waits for its end. Call after the request is counted.
 */
export function stallWait(state: MockState, p: Personas): number {
	if (!p.stall) return 0
	const now = Date.now()
	if (state.stallUntil === undefined && state.stats.requests >= p.stall.atRequest)
		state.stallUntil = now + p.stall.ms
	return state.stallUntil !== undefined ? Math.max(0, state.stallUntil - now) : 0
}
