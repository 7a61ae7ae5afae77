import type { SummaryMetrics } from '../../src/execution/summary-metrics'

/**
 * A complete SummaryMetrics (today's shape), so the compare tests also prove at compile time that
 * a real session summary is a ComparableSummary.
 */
export function summary(over: Partial<SummaryMetrics> = {}): SummaryMetrics {
	return {
		totalMessages: 200,
		successfulMessages: 196,
		failedMessages: 4,
		errorCount: 4,
		errorRate: 2,
		errorsByType: { timeout: 4 },
		avgResponseTimeMs: 420,
		minResponseTimeMs: 90,
		maxResponseTimeMs: 2400,
		p50ResponseTimeMs: 380,
		p90ResponseTimeMs: 700,
		p95ResponseTimeMs: 800,
		p99ResponseTimeMs: 1500,
		ttft: { avgMs: 120, p50Ms: 110, p90Ms: 180, p95Ms: 200, p99Ms: 320, samples: 196 },
		tpot: null,
		itl: null,
		messageOutputTokensPerSecond: { avg: 480, p50: 500, p95: 700, p99: 760, samples: 196 },
		promptTokens: 100_000,
		completionTokens: 40_000,
		totalTokens: 140_000,
		cachedTokens: 0,
		tokensEstimated: false,
		tokensPerSecond: 1400,
		outputTokensPerSecond: 400,
		messagesPerSecond: 2,
		outputInputTokenRatio: 0.4,
		totalCostUsd: 1.96,
		unpricedMessages: 0,
		costPerConversationUsd: 0.098,
		rateLimit: {
			events: 0,
			limitMet: false,
			firstAtMessage: null,
			messagesBeforeFirst: null,
			firstAt: null,
		},
		retries: 0,
		repetitions: 20,
		conversationsCompleted: 20,
		avgRepetitionScore: null,
		maxRepetitionScore: null,
		durationMs: 100_000,
		stopReason: 'completed',
		...over,
	}
}
