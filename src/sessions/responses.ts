import { t } from 'elysia'
import { Nullable, Timestamp } from '../openapi/schemas'
import { SESSION_STATUSES } from './model'

/**
 * Response shapes of the session routes for the OpenAPI document (src/openapi/doc.ts; documented,
 * not enforced at run time). Objects stay open: a field added to a summary or a snapshot later
 * is allowed, the ones listed here are promised (src/sessions/present.ts builds them).
 */
const Status = t.Union(SESSION_STATUSES.map((s) => t.Literal(s)))
const Percentiles = t.Object({ p50Ms: t.Number(), p95Ms: t.Number(), p99Ms: t.Number() })

/** docs/architecture.md §5; src/execution/summary-metrics.ts. */
export const SummaryMetricsSchema = t.Object(
	{
		totalMessages: t.Integer(),
		successfulMessages: t.Integer(),
		failedMessages: t.Integer(),
		errorRate: t.Number({ description: 'Percentage of failed messages, 0–100' }),
		errorsByType: t.Record(t.String(), t.Integer()),
		avgResponseTimeMs: Nullable(t.Number()),
		p50ResponseTimeMs: Nullable(t.Number()),
		p95ResponseTimeMs: Nullable(t.Number()),
		p99ResponseTimeMs: Nullable(t.Number()),
		ttft: Nullable(Percentiles),
		promptTokens: t.Integer(),
		completionTokens: t.Integer(),
		totalTokens: t.Integer(),
		outputInputTokenRatio: Nullable(t.Number()),
		totalCostUsd: t.Number(),
		costPerConversationUsd: Nullable(t.Number()),
		rateLimit: t.Object({ events: t.Integer(), limitMet: t.Boolean() }),
		durationMs: Nullable(t.Number()),
		stopReason: t.String(),
		scheduledLatency: t.Optional(
			Nullable(
				t.Object(
					{ p50Ms: t.Number(), p95Ms: t.Number(), p99Ms: t.Number(), maxMs: t.Number() },
					{
						description:
							'From when the load model made each message due to its final reply (corrected for coordinated omission, like wrk2); totalTime is the service time',
					},
				),
			),
		),
		droppedConversations: t.Optional(
			t.Integer({
				description: 'Due starts an open load model dropped at its maxInFlight cap',
			}),
		),
		loadGenerator: Nullable(
			t.Object(
				{
					eventLoopLagMs: t.Object({ p50: t.Number(), p99: t.Number(), max: t.Number() }),
					cpuPct: t.Object({ avg: t.Number(), max: t.Number() }),
					suspect: t.Boolean(),
					reasons: t.Array(t.String()),
					shards: t.Optional(
						t.Array(
							t.Object({
								shardIndex: t.Integer(),
								shardCount: t.Integer(),
								workerId: Nullable(t.String()),
								eventLoopLagMs: t.Object({ p50: t.Number(), p99: t.Number(), max: t.Number() }),
								cpuPct: t.Object({ avg: t.Number(), max: t.Number() }),
								samples: t.Integer(),
								suspect: t.Boolean(),
								reasons: t.Array(t.String()),
							}),
							{
								description:
									"A sharded run's: each shard process's own figures (a lost shard has none); the figures above merge them (lag the worst shard's, CPU avg weighted by samples, suspect when any shard is)",
							},
						),
					),
				},
				{
					description:
						"The load generator's event-loop lag and CPU (100 = one core) during the run; suspect = its latencies may be inflated by its own saturation",
				},
			),
		),
	},
	{ description: 'Computed when the session ends; null before' },
)

const Progress = t.Object({
	messagesTotal: t.Integer(),
	messagesCompleted: t.Integer(),
	errorCount: t.Integer(),
	conversationsTotal: t.Integer({
		description:
			'Planned conversations: repetitions, or the starts a rate asks for; 0 when time ends the run',
	}),
	conversationsCompleted: t.Integer(),
	droppedConversations: t.Integer({
		description: 'Due starts an open load model dropped at its maxInFlight cap so far',
	}),
	durationSec: Nullable(
		t.Number({
			description:
				'Planned length of a run that time ends (closed with durationSec, arrival, stages); null when a count ends it',
		}),
	),
	elapsedSec: Nullable(
		t.Number({ description: 'Seconds since the run started (to its end once ended); null before' }),
	),
	tokensTotal: t.Integer(),
	costUsd: t.Number(),
})

const common = {
	id: t.String(),
	targetId: t.String(),
	scenarioId: Nullable(t.String()),
	status: Status,
	startedAt: Nullable(Timestamp),
	completedAt: Nullable(Timestamp),
	executionConfig: t.Object(
		{
			repetitions: t.Integer(),
			concurrency: t.Integer(),
			delayBetweenMs: t.Integer(),
			verbosityLevel: t.String(),
		},
		{ description: 'The frozen snapshot the run used; the target without its credentials' },
	),
	summaryMetrics: Nullable(SummaryMetricsSchema),
	progress: Progress,
	error: Nullable(t.String()),
	createdAt: Timestamp,
	updatedAt: Timestamp,
}

export const SessionListItemSchema = t.Object({
	...common,
	target: Nullable(t.Object({ name: t.String(), connectorType: t.String() })),
	scenario: Nullable(t.Object({ name: t.String() })),
})

export const SessionDetailSchema = t.Object({
	...common,
	logPath: Nullable(t.String()),
	target: Nullable(
		t.Object({ id: t.String(), name: t.String(), connectorType: t.String(), endpoint: t.String() }),
	),
	scenario: Nullable(t.Object({ id: t.String(), name: t.String() })),
})

export const SessionMessageSchema = t.Object({
	id: t.String(),
	seq: t.Integer(),
	conversationIndex: t.Integer(),
	turnIndex: t.Integer(),
	request: t.String(),
	response: Nullable(t.String()),
	scheduledAt: Nullable(
		t.String({
			format: 'date-time',
			description:
				'When the load model made the message due (latency from it is the summary scheduledLatency); null on rows from before load models',
		}),
	),
	sentAt: Timestamp,
	responseTimeMs: Nullable(t.Number()),
	ttftMs: Nullable(t.Number()),
	httpStatus: Nullable(t.Integer()),
	success: t.Boolean(),
	errorType: Nullable(t.String()),
	promptTokens: Nullable(t.Integer()),
	completionTokens: Nullable(t.Integer()),
	totalTokens: Nullable(t.Integer()),
	costUsd: Nullable(t.Number()),
})

export const ExecuteAcceptedSchema = t.Object({
	sessionId: t.String(),
	status: t.Literal('QUEUED'),
	message: t.String(),
})

/** POST /api/execute/estimate (src/sessions/estimate.ts). */
export const ExecutionEstimateSchema = t.Object({
	loadType: t.Union(['fixed', 'closed', 'arrival', 'stages'].map((v) => t.Literal(v))),
	durationSec: Nullable(t.Number()),
	conversations: Nullable(t.Integer({ description: 'null when time, not a count, ends the run' })),
	messagesPerConversation: Nullable(t.Integer()),
	messages: Nullable(t.Integer()),
	costPerMessageUsd: Nullable(t.Number()),
	costBasis: Nullable(t.Union([t.Literal('history'), t.Literal('price')])),
	estimatedCostUsd: Nullable(t.Number()),
})

const Spread = t.Object({
	p50: Nullable(t.Number()),
	p95: Nullable(t.Number()),
	p99: Nullable(t.Number()),
	count: t.Integer({ description: 'values in the sketch' }),
})

/** `GET /api/sessions/:id/timeseries` (src/metrics/timeseries.ts, docs/architecture.md §5). */
export const SessionTimeseriesSchema = t.Object({
	sessionId: t.String(),
	status: Status,
	bucketSeconds: t.Literal(1),
	relativeError: t.Number({
		description: 'every percentile is within this relative error of the exact one (DDSketch)',
	}),
	buckets: t.Array(
		t.Object({
			ts: Timestamp,
			started: t.Integer(),
			completed: t.Integer(),
			dropped: t.Integer(),
			inFlight: t.Integer(),
			errors: t.Integer(),
			errorsByType: t.Record(t.String(), t.Integer()),
			rateLimited: t.Integer(),
			promptTokens: t.Number(),
			completionTokens: t.Number(),
			costUsd: t.Number(),
			responseTimeMs: Spread,
			ttftMs: Spread,
		}),
	),
})
