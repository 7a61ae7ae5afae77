/** What the mock observed, for tests and `GET /__mock/stats`. */
export interface MockStats {
	requests: number
	byRoute: Record<string, number>
	byConversation: Record<string, number>
	/** Requests (and gRPC calls, WebSocket messages) being answered right now, and the peak. */
	inFlight: number
	maxInFlight: number
	/** Clients that went away before their reply was complete (cancel, timeout). */
	disconnects: number
	/** 429s for a rate limit, by any persona (`rate-limited`, `limit-*`, `ratelimit*`). */
	rateLimited: number
	/** Requests refused by each consumption control (src/mock/controls.ts). */
	refused: {
		rateLimit: number
		concurrency: number
		context: number
		inputLimit: number
		quota: number
	}
	/** Replies served shortened by a control: completions cut at `max-tokens`, histories cut to the `context:N:truncate` window. */
	capped: { maxTokens: number; context: number }
	/** Replies whose last byte was handed to the client, and the usage they reported. */
	served: { replies: number; promptTokens: number; completionTokens: number; cachedTokens: number }
	authFailures: number
	tokensIssued: number
	ws: { opened: number; open: number; maxOpen: number; closed: number; messages: number }
	grpc: { calls: number; cancelled: number }
	/**
	 * The usage the mock reported in its HTTP chat replies (served or streamed), summed: prompt
	 * includes cache reads and writes, output includes reasoning tokens.
	 */
	reportedUsage: {
		replies: number
		promptTokens: number
		outputTokens: number
		cacheReadTokens: number
		cacheWriteTokens: number
		reasoningTokens: number
	}
}

/** Adds one reply's usage to `reportedUsage`. */
export function countUsage(
	stats: MockStats,
	u: { prompt: number; completion: number; cached: number; cacheWrite: number; thoughts: number },
) {
	const r = stats.reportedUsage
	r.replies++
	r.promptTokens += u.prompt
	r.outputTokens += u.completion + u.thoughts
	r.cacheReadTokens += u.cached
	r.cacheWriteTokens += u.cacheWrite
	r.reasoningTokens += u.thoughts
}

export function emptyStats(): MockStats {
	return {
		requests: 0,
		byRoute: {},
		byConversation: {},
		inFlight: 0,
		maxInFlight: 0,
		disconnects: 0,
		rateLimited: 0,
		refused: { rateLimit: 0, concurrency: 0, context: 0, inputLimit: 0, quota: 0 },
		capped: { maxTokens: 0, context: 0 },
		served: { replies: 0, promptTokens: 0, completionTokens: 0, cachedTokens: 0 },
		authFailures: 0,
		tokensIssued: 0,
		ws: { opened: 0, open: 0, maxOpen: 0, closed: 0, messages: 0 },
		grpc: { calls: 0, cancelled: 0 },
		reportedUsage: {
			replies: 0,
			promptTokens: 0,
			outputTokens: 0,
			cacheReadTokens: 0,
			cacheWriteTokens: 0,
			reasoningTokens: 0,
		},
	}
}

/** A reply fully served: counted with the usage it reported (prompt, completion, cached). */
export function served(
	stats: MockStats,
	usage: { prompt: number; completion: number; cached: number },
) {
	stats.served.replies++
	stats.served.promptTokens += usage.prompt
	stats.served.completionTokens += usage.completion
	stats.served.cachedTokens += usage.cached
}

/** One exchange's bookkeeping: counted once in flight, ended once, disconnect counted once. */
export function track(
	stats: MockStats,
	route: string,
	conversation: string,
	onEnd: () => void = () => {},
) {
	stats.requests++
	stats.byRoute[route] = (stats.byRoute[route] ?? 0) + 1
	stats.byConversation[conversation] = (stats.byConversation[conversation] ?? 0) + 1
	stats.inFlight++
	stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight)
	let ended = false
	const end = () => {
		if (ended) return
		ended = true
		stats.inFlight--
		onEnd()
	}
	const disconnected = () => {
		if (ended) return
		stats.disconnects++
		end()
	}
	return { end, disconnected, isEnded: () => ended }
}
