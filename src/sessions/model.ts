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

/** Largest rate (conversations per second) and in-flight cap a load model may ask for. */
export const MAX_LOAD_RATE = 10_000
export const MAX_LOAD_IN_FLIGHT = 10_000
/** Most shards one run may be split into (`load.workers`). */
export const MAX_LOAD_WORKERS = 64
/** The job that runs one shard of a sharded session: `{ sessionId, shard }` (docs/architecture.md §4). */
export const SESSION_SHARD_JOB = 'session.shard'
export type SessionShardJob = { sessionId: string; shard: number }
const Seconds = t.Number({ exclusiveMinimum: 0 })

const LoadStageInput = t.Object({
	durationSec: Seconds,
	rate: t.Optional(t.Number({ minimum: 0, maximum: MAX_LOAD_RATE })),
	concurrency: t.Optional(t.Integer({ minimum: 0, maximum: MAX_LOAD_IN_FLIGHT })),
})

/**
 * `executionConfig.load` (docs/architecture.md §4). One object for every `type`, so a bad field is
 * reported by name (a union would only say "matches no member"); which fields a type takes is
 * checked by src/sessions/load-input.ts, which refuses the others as unknown keys.
 */
export const LoadInput = t.Object({
	type: t.Union([t.Literal('closed'), t.Literal('arrival'), t.Literal('stages')]),
	durationSec: t.Optional(Seconds),
	rate: t.Optional(t.Number({ exclusiveMinimum: 0, maximum: MAX_LOAD_RATE })),
	maxInFlight: t.Optional(t.Integer({ minimum: 1, maximum: MAX_LOAD_IN_FLIGHT })),
	distribution: t.Optional(t.Union([t.Literal('constant'), t.Literal('poisson')])),
	seed: t.Optional(t.Integer({ minimum: 0, maximum: 4_294_967_295 })),
	stages: t.Optional(t.Array(LoadStageInput, { minItems: 1, maxItems: 100 })),
	/** Shards of one run, each a `session.shard` job (docs/architecture.md §4); `auto`: one per live worker. */
	workers: t.Optional(
		t.Union([t.Integer({ minimum: 1, maximum: MAX_LOAD_WORKERS }), t.Literal('auto')]),
	),
})
export type LoadInput = Static<typeof LoadInput>

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
	load: t.Optional(LoadInput),
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

/** POST /api/execute/estimate (src/sessions/estimate.ts): an execution's size and cost before it starts. */
export interface ExecutionEstimate {
	loadType: 'fixed' | 'closed' | 'arrival' | 'stages'
	durationSec: number | null
	/** Null when time, not a count, ends the run (closed with a duration, concurrency stages). */
	conversations: number | null
	/** Null when the flow's length depends on replies (conditionals). */
	messagesPerConversation: number | null
	messages: number | null
	costPerMessageUsd: number | null
	/** `history`: the target's recent priced messages; `price`: its price × estimated tokens. */
	costBasis: 'history' | 'price' | null
	estimatedCostUsd: number | null
}
