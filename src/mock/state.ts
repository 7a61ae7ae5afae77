import { emptyStats, type MockStats } from './stats'

/** How the mock checks credentials; resolved once from the options. */
interface MockAuth {
	/** When set, requests must carry this key (or an OAuth token the mock issued). */
	apiKey?: string
	basicUser: string
	clientId: string
	clientSecret: string
	tokenTtlSec: number
}

/**
 * Everything the mock remembers between requests, shared by its HTTP, WebSocket and gRPC
 * faces: what it observed (`stats`), the OAuth tokens it issued, and the counters behind the
 * `rate-limited` and `flaky` personas. Passed to every handler; nothing lives in a closure.
 */
export interface MockState {
	readonly auth: MockAuth
	/** Personas applied to every chat request before its own (`krawall mock --rate-limit …`). */
	readonly defaultPersonas?: string
	readonly stats: MockStats
	/** Issued OAuth access tokens and when each expires (epoch ms). */
	readonly tokens: Map<string, number>
	/** Requests seen per conversation, for rate limiting. */
	readonly attempts: Map<string, number>
	/** Requests seen per conversation or per key by `limit-conversation` / `limit-key`. */
	readonly burst: Map<string, number>
	/** Requests seen by `flaky` personas, across conversations. */
	flakyCounter: number
	/** Token buckets of `ratelimit` / `ratelimit-conversation`, by scope, parameters and key or conversation. */
	readonly buckets: Map<string, { tokens: number; at: number }>
	/** Admitted chat requests in flight per API key, for `concurrency`. */
	readonly inFlightByKey: Map<string, number>
	/** Tokens (prompt + completion) fully served per API key, for `quota`. */
	readonly servedByKey: Map<string, number>
}

export function createMockState(auth: MockAuth, defaultPersonas?: string): MockState {
	return {
		auth,
		defaultPersonas,
		stats: emptyStats(),
		tokens: new Map(),
		attempts: new Map(),
		burst: new Map(),
		flakyCounter: 0,
		buckets: new Map(),
		inFlightByKey: new Map(),
		servedByKey: new Map(),
	}
}

/**
 * Zeroes what was observed, refills every rate-limit bucket and forgets the quota spent; what is
 * in flight right now (requests, open sockets, concurrency slots) stays counted.
 */
export function resetMockState(state: MockState) {
	const inFlight = state.stats.inFlight
	const wsOpen = state.stats.ws.open
	Object.assign(state.stats, emptyStats())
	state.stats.inFlight = inFlight
	state.stats.ws.open = wsOpen
	state.attempts.clear()
	state.burst.clear()
	state.flakyCounter = 0
	state.buckets.clear()
	state.servedByKey.clear()
}
