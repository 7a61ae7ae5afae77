/**
 * The summary figures runs are compared on, named once: the compare page and API (deltas), the
 * CLI's `--fail-on-regression` (limits) and JUnit output all read them from this table, so a new
 * metric is one line here.
 */

/**
 * The fields of a session's summary (src/execution/summary.ts `SummaryMetrics`) that comparisons
 * read; SummaryMetrics satisfies it structurally, and so does a summary read back from
 * `krawall run --json`.
 */
export interface ComparableSummary {
	totalMessages: number
	successfulMessages: number
	/** Percentage of failed messages, 0–100. */
	errorRate: number
	avgResponseTimeMs: number | null
	p50ResponseTimeMs: number | null
	p95ResponseTimeMs: number | null
	p99ResponseTimeMs: number | null
	ttft: { p50Ms: number; p95Ms: number; p99Ms: number } | null
	/** Time per output token (issue 12); absent from summaries written before it. */
	tpot?: { p50Ms: number; p95Ms: number; p99Ms: number } | null
	promptTokens: number
	completionTokens: number
	totalTokens: number
	outputInputTokenRatio: number | null
	totalCostUsd: number
	costPerConversationUsd: number | null
	rateLimit: { events: number }
}

/** 'percent' is a rate (0–100): its deltas and limits are in percentage points. */
export type MetricUnit = 'usd' | 'ms' | 'tokens' | 'ratio' | 'percent' | 'count'

export type MetricDef = {
	label: string
	unit: MetricUnit
	/** Which way is worse decides the colour of a delta; only 'lower'-is-better can regress. */
	better: 'lower' | 'higher' | null
	read: (s: ComparableSummary) => number | null
}

export const METRICS = {
	messages: { label: 'messages', unit: 'count', better: null, read: (s) => s.totalMessages },
	'error-rate': { label: 'error rate', unit: 'percent', better: 'lower', read: (s) => s.errorRate },
	avg: {
		label: 'avg response time',
		unit: 'ms',
		better: 'lower',
		read: (s) => s.avgResponseTimeMs,
	},
	p50: {
		label: 'p50 response time',
		unit: 'ms',
		better: 'lower',
		read: (s) => s.p50ResponseTimeMs,
	},
	p95: {
		label: 'p95 response time',
		unit: 'ms',
		better: 'lower',
		read: (s) => s.p95ResponseTimeMs,
	},
	p99: {
		label: 'p99 response time',
		unit: 'ms',
		better: 'lower',
		read: (s) => s.p99ResponseTimeMs,
	},
	'ttft-p50': {
		label: 'p50 TTFT',
		unit: 'ms',
		better: 'lower',
		read: (s) => s.ttft?.p50Ms ?? null,
	},
	'ttft-p95': {
		label: 'p95 TTFT',
		unit: 'ms',
		better: 'lower',
		read: (s) => s.ttft?.p95Ms ?? null,
	},
	'ttft-p99': {
		label: 'p99 TTFT',
		unit: 'ms',
		better: 'lower',
		read: (s) => s.ttft?.p99Ms ?? null,
	},
	/** Median time per output token, as vLLM's benchmark reports it. */
	tpot: { label: 'median TPOT', unit: 'ms', better: 'lower', read: (s) => s.tpot?.p50Ms ?? null },
	'prompt-tokens': {
		label: 'tokens in',
		unit: 'tokens',
		better: 'lower',
		read: (s) => s.promptTokens,
	},
	'completion-tokens': {
		label: 'tokens out',
		unit: 'tokens',
		better: 'lower',
		read: (s) => s.completionTokens,
	},
	tokens: { label: 'tokens', unit: 'tokens', better: 'lower', read: (s) => s.totalTokens },
	'output-per-input': {
		label: 'output per input token',
		unit: 'ratio',
		better: 'lower',
		read: (s) => s.outputInputTokenRatio,
	},
	/** Spend ÷ replies received: failures have their own metric, so they do not dilute this. */
	'cost-per-message': {
		label: 'cost per message',
		unit: 'usd',
		better: 'lower',
		read: (s) => (s.successfulMessages ? s.totalCostUsd / s.successfulMessages : null),
	},
	'cost-per-conversation': {
		label: 'cost per conversation',
		unit: 'usd',
		better: 'lower',
		read: (s) => s.costPerConversationUsd,
	},
	cost: { label: 'cost per session', unit: 'usd', better: 'lower', read: (s) => s.totalCostUsd },
	'rate-limit-events': {
		label: 'rate-limit events',
		unit: 'count',
		better: null,
		read: (s) => s.rateLimit.events,
	},
} as const satisfies Record<string, MetricDef>

export type MetricName = keyof typeof METRICS
export const METRIC_NAMES = Object.keys(METRICS) as MetricName[]

export const isMetricName = (name: string): name is MetricName => Object.hasOwn(METRICS, name)

export type MetricDelta = {
	metric: MetricName
	label: string
	unit: MetricUnit
	better: MetricDef['better']
	baseline: number | null
	current: number | null
	/** current − baseline (points for a rate); null when either side is missing. */
	delta: number | null
	/** Relative change in %; null when either side is missing or the baseline is 0 (and current not). */
	deltaPct: number | null
}

export function metricDelta(
	metric: MetricName,
	baseline: ComparableSummary,
	current: ComparableSummary,
): MetricDelta {
	const def: MetricDef = METRICS[metric]
	const b = def.read(baseline)
	const c = def.read(current)
	const delta = b === null || c === null ? null : c - b
	const deltaPct =
		delta === null || b === null
			? null
			: b === 0
				? delta === 0
					? 0
					: null
				: (delta / Math.abs(b)) * 100
	return {
		metric,
		label: def.label,
		unit: def.unit,
		better: def.better,
		baseline: b,
		current: c,
		delta,
		deltaPct,
	}
}

/** Absolute and relative deltas of current against the baseline, one row per metric, in order. */
export function compareSummaries(
	baseline: ComparableSummary,
	current: ComparableSummary,
	metrics: readonly MetricName[] = METRIC_NAMES,
): MetricDelta[] {
	return metrics.map((m) => metricDelta(m, baseline, current))
}
