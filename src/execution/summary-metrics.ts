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
	promptTokens: number
	completionTokens: number
	totalTokens: number
	cachedTokens: number
	tokensEstimated: boolean
	tokensPerSecond: number | null
	messagesPerSecond: number | null
	outputInputTokenRatio: number | null
	totalCostUsd: number
	unpricedMessages: number
	costPerConversationUsd: number | null
	rateLimit: {
		events: number
		limitMet: boolean
		/** 1-based position (seq) of the first 429 in the session, and when it came. */
		firstAtMessage: number | null
		messagesBeforeFirst: number | null
		firstAt: string | null
	}
	retries: number
	repetitions: number
	conversationsCompleted: number
	avgRepetitionScore: number | null
	maxRepetitionScore: number | null
	durationMs: number | null
	stopReason: string
}
