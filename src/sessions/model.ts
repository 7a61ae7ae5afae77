import { t, type Static } from 'elysia'
import { MAX_OFFSET } from '../http/model'
import { sessionStatus } from '../db/schema'

/** The statuses of the schema's `session_status` enum, in lifecycle order. */
export const SESSION_STATUSES = sessionStatus.enumValues
export type SessionStatus = (typeof SESSION_STATUSES)[number]
const TERMINAL: readonly SessionStatus[] = ['COMPLETED', 'FAILED', 'CANCELLED']
export const isTerminal = (s: string) => (TERMINAL as readonly string[]).includes(s)

/** The job that runs a session; its payload carries the id only (docs/conventions.md rule 15). */
export const SESSION_RUN_JOB = 'session.run'
export type SessionRunJob = { sessionId: string }

const Verbosity = t.Union([t.Literal('normal'), t.Literal('verbose'), t.Literal('extreme')])

/**
 * The reference's `executionConfig` overrides, plus budgets and a per-message timeout.
 * `customMessages` also accepts one string (a form's textarea: one message per line).
 */
export const ExecutionConfigInput = t.Object({
	repetitions: t.Optional(t.Integer({ minimum: 1, maximum: 1000 })),
	concurrency: t.Optional(t.Integer({ minimum: 1, maximum: 10 })),
	delayBetweenMs: t.Optional(t.Integer({ minimum: 0, maximum: 60000 })),
	messageTemplates: t.Optional(t.Record(t.String(), t.Unknown())),
	verbosityLevel: t.Optional(Verbosity),
	customMessages: t.Optional(
		t.Union([
			t.Array(t.String({ minLength: 1, maxLength: 100_000 }), { maxItems: 1000 }),
			t.String({ maxLength: 1_000_000 }),
		]),
	),
	maxTokens: t.Optional(t.Integer({ minimum: 1 })),
	maxCostUsd: t.Optional(t.Number({ exclusiveMinimum: 0 })),
	gracefulStopMs: t.Optional(t.Integer({ minimum: 0, maximum: 600_000 })),
	timeoutMs: t.Optional(t.Integer({ minimum: 100, maximum: 600_000 })),
})
type ExecutionConfigInput = Static<typeof ExecutionConfigInput>

export const ExecuteBody = t.Object({
	targetId: t.String({ minLength: 1, maxLength: 64 }),
	scenarioId: t.Optional(t.String({ minLength: 1, maxLength: 64 })),
	executionConfig: t.Optional(ExecutionConfigInput),
})
export type ExecuteBody = Static<typeof ExecuteBody>

export const ListQuery = t.Object({
	targetId: t.Optional(t.String({ minLength: 1 })),
	scenarioId: t.Optional(t.String({ minLength: 1 })),
	status: t.Optional(t.Union(SESSION_STATUSES.map((v) => t.Literal(v)))),
	limit: t.Optional(t.Integer({ minimum: 1, maximum: 1000 })),
	offset: t.Optional(t.Integer({ minimum: 0, maximum: MAX_OFFSET })),
})
export type ListQuery = Static<typeof ListQuery>

export const MessagesQuery = t.Object({
	limit: t.Optional(t.Integer({ minimum: 1, maximum: 1000 })),
	offset: t.Optional(t.Integer({ minimum: 0, maximum: MAX_OFFSET })),
})
export type MessagesQuery = Static<typeof MessagesQuery>

export const StreamQuery = t.Object({
	format: t.Optional(t.Union([t.Literal('json'), t.Literal('html')])),
	/** For a first connection that already rendered messages up to this id (the dashboard page). */
	lastEventId: t.Optional(t.Integer({ minimum: 0 })),
})

export const IdParams = t.Object({ id: t.String({ minLength: 1, maxLength: 64 }) })
