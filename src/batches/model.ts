import { t, type Static } from 'elysia'
import type { Comparison } from '../compare/model'
import { MAX_OFFSET } from '../http/model'
import { ExecutionConfigInput } from '../sessions/model'
import type { SessionStatus } from '../sessions/model'

export const MIN_BATCH_TARGETS = 2
export const MAX_BATCH_TARGETS = 20

/** `POST /api/batches`: one scenario against 2–20 distinct targets (docs/architecture.md §4). */
export const CreateBatch = t.Object({
	scenarioId: t.String({ minLength: 1, maxLength: 64 }),
	targetIds: t.Array(t.String({ minLength: 1, maxLength: 64 }), {
		minItems: MIN_BATCH_TARGETS,
		maxItems: MAX_BATCH_TARGETS,
	}),
	executionConfig: t.Optional(ExecutionConfigInput),
})
export type CreateBatch = Static<typeof CreateBatch>

export const BatchListQuery = t.Object({
	limit: t.Optional(t.Integer({ minimum: 1, maximum: 200 })),
	offset: t.Optional(t.Integer({ minimum: 0, maximum: MAX_OFFSET })),
})
export type BatchListQuery = Static<typeof BatchListQuery>

export const BatchIdParams = t.Object({ id: t.String({ minLength: 1, maxLength: 64 }) })

/**
 * Derived from the sessions: QUEUED while none has started, RUNNING while any is unfinished,
 * then COMPLETED (all completed), FAILED (none completed) or PARTIAL.
 */
export type BatchStatus = 'QUEUED' | 'RUNNING' | 'COMPLETED' | 'PARTIAL' | 'FAILED'

export type BatchSession = {
	id: string
	status: SessionStatus
	targetId: string
	targetName: string | null
	costUsd: number
	messagesCompleted: number
	messagesTotal: number
	error: string | null
}

/** The target whose sessions cost least per conversation (priced sessions only). */
export type Cheapest = {
	sessionId: string
	targetId: string
	targetName: string | null
	costPerConversationUsd: number
}

export type BatchView = {
	id: string
	scenario: { id: string; name: string | null }
	targetIds: string[]
	status: BatchStatus
	sessions: BatchSession[]
	/** Of the finished sessions that have a summary, once every session has finished (≥ 2). */
	comparison: Comparison | null
	cheapest: Cheapest | null
	createdAt: Date
}

export type BatchListItem = Omit<BatchView, 'comparison' | 'cheapest' | 'sessions'> & {
	sessionIds: string[]
}
