// Plain TypeBox (not Elysia's `t`, whose Integer also accepts numeric strings): these schemas
// validate converted query objects in `parseQuery`.
import { Type as t, type Static, type TLiteral, type TUnion } from '@sinclair/typebox'
import type { sessions } from '../db/schema'
import { MAX_OFFSET, type Pagination } from '../http/model'
import { SESSION_STATUSES, type SessionStatus } from '../sessions/model'

/** A union of string literals (Elysia's UnionEnum would default an optional one to its first value). */
const oneOf = <T extends string>(values: readonly T[], opts: { default?: T } = {}) =>
	t.Union(
		values.map((v) => t.Literal(v)),
		opts,
	) as TUnion<TLiteral<T>[]>

const Status = oneOf(SESSION_STATUSES)

/** Columns the metrics table can be sorted by (the `/metrics` page's sortable headers). */
const SORT_KEYS = [
	'createdAt',
	'startedAt',
	'status',
	'messages',
	'tokens',
	'avgResponseTimeMs',
	'errors',
	'costUsd',
] as const
export type SortKey = (typeof SORT_KEYS)[number]

/** An ISO date (`2026-01-26`, inclusive whole day as an end) or date-time. */
const IsoDate = t.String({
	pattern:
		'^\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:?\\d{2})?)?$',
	maxLength: 40,
})

/** `GET /api/metrics` query (the reference's parameters, plus optional sort). */
export const MetricsQuery = t.Object({
	sessionId: t.Optional(t.String({ minLength: 1, maxLength: 64 })),
	targetId: t.Optional(t.String({ minLength: 1, maxLength: 64 })),
	scenarioId: t.Optional(t.String({ minLength: 1, maxLength: 64 })),
	startDate: t.Optional(IsoDate),
	endDate: t.Optional(IsoDate),
	status: t.Optional(Status),
	limit: t.Integer({ minimum: 1, maximum: 1000, default: 100 }),
	offset: t.Integer({ minimum: 0, maximum: MAX_OFFSET, default: 0 }),
	sort: t.Optional(oneOf(SORT_KEYS)),
	order: t.Optional(oneOf(['asc', 'desc'] as const)),
})
export type MetricsQuery = Static<typeof MetricsQuery>
export type MetricsFilter = Omit<MetricsQuery, 'limit' | 'offset' | 'sort' | 'order'>

export const ExportQuery = t.Object({
	sessionId: t.String({ minLength: 1, maxLength: 64 }),
	format: oneOf(['csv', 'json'] as const, { default: 'csv' }),
})
export type ExportQuery = Static<typeof ExportQuery>

/** Aggregates over every message of every matching session (never just the page). */
export interface Aggregate {
	totalSessions: number
	totalMessages: number
	totalTokens: number
	avgResponseTimeMs: number | null
	totalErrors: number
	/** Percentage of failed messages: 5 of 500 → 1.0. */
	errorRate: number
	totalCostUsd: number
	/** Conversations that ran (recorded a message), across the sessions. */
	conversations: number
	/** totalCostUsd ÷ conversations: the one definition of cost per conversation. */
	costPerConversationUsd: number | null
	/** Messages whose cost is unknown (no price for their model): excluded from totalCostUsd. */
	unpricedMessages: number
	promptTokens: number
	completionTokens: number
	/** Output tokens per input token: the amplification a verbose user achieves. */
	outputPerInputToken: number | null
	responseTimeMs: {
		min: number | null
		max: number | null
		p50: number | null
		p90: number | null
		p95: number | null
		p99: number | null
	}
	/** Per successful streamed message: (response time − TTFT) ÷ (output tokens − 1). */
	tpotMs: Spread
	/** Per successful streamed message: its mean inter-token latency, per token. */
	itlMs: Spread
	/** Per successful message: output tokens ÷ response time. */
	outputTokensPerSecond: Spread
	/**
	 * Where the percentiles come from: one session's rows (exact, `percentile_cont`), or across
	 * sessions their merged DDSketches, each within `relativeError` of the exact value at rank
	 * ⌊q·(n−1)⌋; `sessionsWithoutSketch`: ended sessions left out of them (see aggregate-rollups.ts).
	 */
	percentiles: {
		source: 'rows' | 'sketches'
		relativeError: number
		sessionsWithoutSketch: number
	}
}

type Spread = { p50: number | null; p95: number | null; p99: number | null }

export const IdParams = t.Object({ id: t.String({ minLength: 1, maxLength: 64 }) })

/** How much a session's cost grows with the conversation (metrics/summary.ts). */
export interface Amplification {
	outputPerInputToken: number | null
	/** Least-squares slope of message cost over the turn index: dollars added per turn. */
	costGrowthPerTurnUsd: number | null
	promptTokenGrowthPerTurn: number | null
	conversations: number
	avgCostPerConversationUsd: number | null
}

/**
 * Chart data for one session, computed in SQL from session_messages so it stays small for a
 * 100,000-message run: the timeline is bucketed into at most `maxPoints` groups of consecutive
 * messages (by `seq`), the latency distribution into `bins` equal-width bins.
 */
export interface SessionSeries {
	sessionId: string
	/** The session's status when read: charts of an active session refresh themselves. */
	status: string
	messageCount: number
	/** Messages per timeline point (1 until the session has more than maxPoints messages). */
	bucketSize: number
	timeline: {
		/** First seq of the bucket. */
		seq: number
		messages: number
		avgResponseTimeMs: number | null
		avgTtftMs: number | null
		avgPromptTokens: number
		avgCompletionTokens: number
		errors: number
		costUsd: number
		/** Session cost up to and including this bucket. */
		cumulativeCostUsd: number
	}[]
	/** One row per turn index, averaged over the conversations that reached it. */
	perTurn: {
		turnIndex: number
		messages: number
		avgResponseTimeMs: number | null
		avgPromptTokens: number
		avgCompletionTokens: number
		avgCostUsd: number
		/** The average conversation's cost after this many turns (the growth curve). */
		cumulativeAvgCostUsd: number
	}[]
	latency: { bins: { from: number; to: number; count: number }[] }
	aggregate: Aggregate
	/**
	 * `costGrowthPerTurnUsd`: least-squares slope of message cost over the turn index (dollars
	 * added per turn); `promptTokenGrowthPerTurn` the same for context; `lastToFirstTurnCostRatio`
	 * the average message cost at the last turn ÷ at the first.
	 */
	amplification: Amplification & { lastToFirstTurnCostRatio: number | null }
}

/** One session on the metrics page, with figures computed from its messages. */
export interface MetricsSessionRow {
	id: string
	targetId: string
	scenarioId: string | null
	status: SessionStatus
	startedAt: Date | null
	completedAt: Date | null
	createdAt: Date
	summaryMetrics: (typeof sessions.$inferSelect)['summaryMetrics']
	target: { name: string; connectorType: string }
	scenario: { name: string } | null
	metrics: {
		messageCount: number
		totalTokens: number
		avgResponseTimeMs: number | null
		errorCount: number
		/** Percentage of failed messages. */
		errorRate: number
		costUsd: number
	}
}

/** `GET /api/metrics`: a page of sessions and the aggregate over every match. */
export type MetricsResult = {
	success: true
	data: { sessions: MetricsSessionRow[]; aggregate: Aggregate; pagination: Pagination }
}

/** Percentiles of a bucket's sketch (src/metrics/sketch.ts); nulls when it holds no value. */
export type SketchSpread = {
	p50: number | null
	p95: number | null
	p99: number | null
	count: number
}

/** One second of a session's run (src/execution/timeseries.ts, docs/architecture.md §5). */
export interface TimeseriesPoint {
	/** The second's start, ISO 8601 UTC. */
	ts: string
	/** Messages whose first attempt was sent in this second. */
	started: number
	/** Messages whose reply (or failure) arrived in this second (`received_at`). */
	completed: number
	/** Due starts not made (load models with `maxInFlight`). */
	dropped: number
	/** Most messages in flight at once during the second. */
	inFlight: number
	errors: number
	errorsByType: Record<string, number>
	/** Attempts answered 429 (or 503 with Retry-After) of the messages completed in the second. */
	rateLimited: number
	promptTokens: number
	completionTokens: number
	costUsd: number
	responseTimeMs: SketchSpread
	ttftMs: SketchSpread
}

/** `GET /api/sessions/:id/timeseries`. */
export interface SessionTimeseries {
	sessionId: string
	status: string
	bucketSeconds: 1
	/** Every percentile is within this relative error of the exact one (DDSketch). */
	relativeError: number
	/** Seconds with a bucket, oldest first (idle seconds have none). */
	buckets: TimeseriesPoint[]
}

/** What the session page's live charts draw: points of `seconds` each (1 unless the run is long). */
export interface ChartSeries {
	sessionId: string
	status: string
	seconds: number
	relativeError: number
	points: TimeseriesPoint[]
}
