import { t } from 'elysia'
import { ComparisonSchema } from '../compare/responses'
import { Nullable, Timestamp } from '../openapi/schemas'

/** The batch routes' bodies for the OpenAPI document (model.ts has the types). */
const Status = t.Union(
	['QUEUED', 'RUNNING', 'COMPLETED', 'PARTIAL', 'FAILED'].map((s) => t.Literal(s)),
)
const Scenario = t.Object({ id: t.String(), name: Nullable(t.String()) })

export const BatchCreatedSchema = t.Object({
	batchId: t.String(),
	sessionIds: t.Array(t.String()),
	status: t.Literal('QUEUED'),
})

export const BatchListItemSchema = t.Object({
	id: t.String(),
	scenario: Scenario,
	targetIds: t.Array(t.String()),
	status: Status,
	sessionIds: t.Array(t.String()),
	createdAt: Timestamp,
})

export const BatchSchema = t.Object({
	id: t.String(),
	scenario: Scenario,
	targetIds: t.Array(t.String()),
	status: Status,
	sessions: t.Array(
		t.Object({
			id: t.String(),
			status: t.String(),
			targetId: t.String(),
			targetName: Nullable(t.String()),
			costUsd: t.Number(),
			messagesCompleted: t.Integer(),
			messagesTotal: t.Integer(),
			error: Nullable(t.String()),
		}),
	),
	comparison: Nullable(ComparisonSchema),
	cheapest: Nullable(
		t.Object({
			sessionId: t.String(),
			targetId: t.String(),
			targetName: Nullable(t.String()),
			costPerConversationUsd: t.Number(),
		}),
	),
	createdAt: Timestamp,
})
