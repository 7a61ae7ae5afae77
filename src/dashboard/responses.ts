import { t } from 'elysia'
import { Nullable, Timestamp } from '../openapi/schemas'
import { SummaryMetricsSchema } from '../sessions/responses'

/** Response shapes of the dashboard routes (src/dashboard/model.ts) for the OpenAPI document. */
const named = {
	id: t.String(),
	targetId: t.String(),
	scenarioId: Nullable(t.String()),
	targetName: t.String(),
	scenarioName: Nullable(t.String()),
	status: t.String(),
	startedAt: Nullable(Timestamp),
	completedAt: Nullable(Timestamp),
	createdAt: Timestamp,
	summaryMetrics: Nullable(SummaryMetricsSchema),
}
const counters = {
	messagesTotal: t.Integer(),
	messagesCompleted: t.Integer(),
	errorCount: t.Integer(),
	tokensTotal: t.Integer(),
	costUsd: t.Number(),
}

export const DashboardStatsSchema = t.Object({
	counts: t.Object({
		targets: t.Integer(),
		scenarios: t.Integer(),
		activeSessions: t.Integer(),
		totalSessions: t.Integer(),
	}),
	metrics: t.Object({
		avgResponseTimeMs: Nullable(t.Number()),
		totalTokensConsumed: t.Integer(),
		errorRate: t.Number({ description: 'Failed sessions as a fraction of all sessions (0–1)' }),
		sessionsLast24h: t.Integer(),
		totalCostUsd: t.Number(),
		totalMessages: t.Integer(),
	}),
	recentSessions: t.Array(t.Object({ ...named, progress: t.Object(counters) })),
})

export const LiveSessionSchema = t.Object({
	...named,
	...counters,
	conversationsTotal: t.Integer(),
	conversationsCompleted: t.Integer(),
	droppedConversations: t.Integer(),
	durationSec: Nullable(
		t.Number({ description: 'Planned length of a run that time ends; null when a count ends it' }),
	),
	elapsedSec: Nullable(t.Number({ description: 'Seconds since the run started; null before' })),
})
