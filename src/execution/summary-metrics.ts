import type { LoadModel } from '../sessions/snapshot'

/**
 * A session's `summaryMetrics` (docs/architecture.md §5), computed exactly from `session_messages` with
 * `percentile_cont` when the session ends. Times in ms; `errorRate` is a percentage of failed
 * messages (0–100) as in `/api/metrics`; throughput uses the session's wall-clock duration.
 */
export interface SummaryMetrics {
	totalMessages: number
	successfulMessages: number
	failedMessages: number
	errorCount: number
	errorRate: number
	errorsByType: Record<string, number>
	avgResponseTimeMs: number | null
	minResponseTimeMs: number | null
	maxResponseTimeMs: number | null
	p50ResponseTimeMs: number | null
	p90ResponseTimeMs: number | null
	p95ResponseTimeMs: number | null
	p99ResponseTimeMs: number | null
	/** Null unless the target streamed (TTFT is measured on streamed replies only). */
	ttft: {
		avgMs: number
		p50Ms: number
		p90Ms: number
		p95Ms: number
		p99Ms: number
		samples: number
	} | null
	/**
	 * Time per output token (vLLM's TPOT; GuideLLM calls it inter-token latency):
	 * (response time − TTFT) ÷ (output tokens − 1) per streamed successful reply with 2+ tokens.
	 */
	tpot: LatencySpread | null
	/** Inter-token latency, per token: each reply's mean gap between its content pieces' tokens. */
	itl: LatencySpread | null
	/** Output tokens ÷ response time of each successful reply (GuideLLM's per-request output tokens/s). */
	messageOutputTokensPerSecond: {
		avg: number
		p50: number
		p95: number
		p99: number
		samples: number
	} | null
	promptTokens: number
	completionTokens: number
	totalTokens: number
	cachedTokens: number
	tokensEstimated: boolean
	/** Total-token throughput: (prompt + completion tokens) ÷ the session's duration. */
	tokensPerSecond: number | null
	/** Output throughput (vLLM's "output token throughput"): completion tokens ÷ duration. */
	outputTokensPerSecond: number | null
	messagesPerSecond: number | null
	outputInputTokenRatio: number | null
	totalCostUsd: number
	unpricedMessages: number
	/** Cost of the conversations that ran (recorded a message) ÷ their number. */
	costPerConversationUsd: number | null
	/**
	 * Over every attempt, not rows: 429s and 503s with Retry-After. The first is in send order:
	 * its message (`seq`), its request number (every attempt counts), the successful requests
	 * sent before it, when it was sent, how long after the start, and the request rate until then.
	 */
	rateLimit: {
		events: number
		limitMet: boolean
		firstAtMessage: number | null
		firstAtRequest: number | null
		messagesBeforeFirst: number | null
		firstAt: string | null
		firstAfterMs: number | null
		requestsPerSecondBeforeFirst: number | null
	}
	/** Requests sent, every attempt counted. */
	requestsSent: number
	retries: number
	/** The response-time figures above use each message's last attempt. */
	responseTimeBasis: 'lastAttempt'
	/** First send to final reply per message (retry waits included); null without messages. */
	totalTime: { avgMs: number; p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number } | null
	/**
	 * Scheduled-time latency (wrk2's corrected latency, docs/architecture.md §5): from when the
	 * load model made each message due to its final reply, so time a message waited to be sent
	 * counts; `totalTime` beside it is the service time. Null without scheduled messages; absent
	 * (like the three fields below) in summaries from before load models.
	 */
	scheduledLatency?: {
		avgMs: number
		p50Ms: number
		p95Ms: number
		p99Ms: number
		maxMs: number
		samples: number
	} | null
	/** How late conversations started: first send − due time of each conversation's first message. */
	startLag?: { p50Ms: number; p99Ms: number; maxMs: number; samples: number } | null
	/** Due starts an open load model dropped at its in-flight cap (k6 dropped_iterations). */
	droppedConversations?: number
	/**
	 * The load model the run followed (`executionConfig.load`); null for the default
	 * (`repetitions` at `concurrency`). Planned = started + dropped for an open model that ran to
	 * its end; started is null when no process watched the run to its end.
	 */
	load?: {
		model: LoadModel
		startedConversations: number | null
		droppedConversations: number
	} | null
	/** Null without a budget. Spend counts every recorded message, replies finished in the grace period included. */
	budget: {
		maxTokens: number | null
		maxCostUsd: number | null
		gracefulStopMs: number
		reached: boolean
		spentTokens: number
		spentCostUsd: number
		overshootTokens: number | null
		overshootCostUsd: number | null
	} | null
	repetitions: number
	conversationsCompleted: number
	avgRepetitionScore: number | null
	maxRepetitionScore: number | null
	durationMs: number | null
	stopReason: string
	/**
	 * The generating process's own health during the run (src/execution/health.ts,
	 * docs/architecture.md §5); null when no process watched the run (a session failed as
	 * "worker lost" by another worker, or summaries from before it was measured).
	 */
	loadGenerator: LoadGeneratorHealth | null
}

/** Event-loop lag and CPU of the load generator; `suspect` marks its latencies as unreliable. */
export interface LoadGeneratorHealth {
	eventLoopLagMs: { p50: number; p99: number; max: number }
	/** Process CPU time ÷ wall time per sample; 100 = one core busy. */
	cpuPct: { avg: number; max: number }
	samples: number
	sampleIntervalMs: number
	limits: { maxCpuPct: number; maxLagP99Ms: number }
	suspect: boolean
	reasons: string[]
	/**
	 * A sharded run's (docs/architecture.md §4): each shard process's own figures, in shard order;
	 * a lost shard has none. The figures above merge them: lag the worst shard's (p50, p99 and max
	 * the highest of the shards'), CPU avg weighted by samples, max the highest, samples summed;
	 * suspect when any shard is, with that shard's reasons ("shard 2 of 3: …"). Absent unsharded.
	 */
	shards?: ShardHealth[]
}

/** One shard's load-generator health: which shard (0-based index of count) and the process that ran it. */
export type ShardHealth = Omit<LoadGeneratorHealth, 'shards'> & {
	shardIndex: number
	shardCount: number
	workerId: string | null
}

/** A per-message latency's spread over a session's messages. */
export interface LatencySpread {
	avgMs: number
	p50Ms: number
	p95Ms: number
	p99Ms: number
	samples: number
}
