import { t } from 'elysia'
import { Nullable, PaginationSchema, Timestamp } from '../openapi/schemas'
import { SummaryMetricsSchema } from '../sessions/responses'

/** Response shapes of the metrics routes (src/metrics/model.ts) for the OpenAPI document. */
const N = Nullable(t.Number())
const Spread = t.Object({ p50: N, p95: N, p99: N })

export const AggregateSchema = t.Object({
	totalSessions: t.Integer(),
	totalMessages: t.Integer(),
	totalTokens: t.Integer(),
	avgResponseTimeMs: N,
	totalErrors: t.Integer(),
	errorRate: t.Number({ description: 'Percentage of failed messages, 0–100' }),
	totalCostUsd: t.Number(),
	conversations: t.Integer(),
	costPerConversationUsd: N,
	unpricedMessages: t.Integer(),
	promptTokens: t.Integer(),
	completionTokens: t.Integer(),
	outputPerInputToken: N,
	responseTimeMs: t.Object({ min: N, max: N, p50: N, p90: N, p95: N, p99: N }),
	tpotMs: Spread,
	itlMs: Spread,
	outputTokensPerSecond: Spread,
})

export const MetricsResultSchema = t.Object({
	success: t.Literal(true),
	data: t.Object({
		sessions: t.Array(
			t.Object({
				id: t.String(),
				targetId: t.String(),
				scenarioId: Nullable(t.String()),
				status: t.String(),
				startedAt: Nullable(Timestamp),
				completedAt: Nullable(Timestamp),
				createdAt: Timestamp,
				summaryMetrics: Nullable(SummaryMetricsSchema),
				target: t.Object({ name: t.String(), connectorType: t.String() }),
				scenario: Nullable(t.Object({ name: t.String() })),
				metrics: t.Object({
					messageCount: t.Integer(),
					totalTokens: t.Integer(),
					avgResponseTimeMs: N,
					errorCount: t.Integer(),
					errorRate: t.Number(),
					costUsd: t.Number(),
				}),
			}),
		),
		aggregate: AggregateSchema,
		pagination: PaginationSchema,
	}),
})

export const SessionSeriesSchema = t.Object({
	sessionId: t.String(),
	status: t.String(),
	messageCount: t.Integer(),
	bucketSize: t.Integer(),
	timeline: t.Array(
		t.Object({
			seq: t.Integer(),
			messages: t.Integer(),
			avgResponseTimeMs: N,
			avgTtftMs: N,
			avgPromptTokens: t.Number(),
			avgCompletionTokens: t.Number(),
			errors: t.Integer(),
			costUsd: t.Number(),
			cumulativeCostUsd: t.Number(),
		}),
	),
	perTurn: t.Array(
		t.Object({
			turnIndex: t.Integer(),
			messages: t.Integer(),
			avgResponseTimeMs: N,
			avgPromptTokens: t.Number(),
			avgCompletionTokens: t.Number(),
			avgCostUsd: t.Number(),
			cumulativeAvgCostUsd: t.Number(),
		}),
	),
	latency: t.Object({
		bins: t.Array(t.Object({ from: t.Number(), to: t.Number(), count: t.Integer() })),
	}),
	aggregate: AggregateSchema,
	amplification: t.Object({
		outputPerInputToken: N,
		costGrowthPerTurnUsd: N,
		promptTokenGrowthPerTurn: N,
		conversations: t.Integer(),
		avgCostPerConversationUsd: N,
		lastToFirstTurnCostRatio: N,
	}),
})
