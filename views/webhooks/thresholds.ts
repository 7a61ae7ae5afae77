import type { Thresholds } from '../../src/webhooks/model'

/** How the dashboard names each threshold (tsc checks every one of the model's is named). */
export const THRESHOLD_LABELS: Record<keyof Thresholds, string> = {
	errorRatePercent: 'Error rate (%)',
	p95ResponseTimeMs: 'p95 response time (ms)',
	avgResponseTimeMs: 'Average response time (ms)',
	costPerSessionUsd: 'Cost per session (USD)',
	totalTokens: 'Total tokens per session',
}
