import { t, type Static } from 'elysia'
import type { scenarios } from '../db/schema'
import type { ErrorHandling, FlowStep, VerbosityLevel } from '../engine/types'

/** Request schemas of the reference's Scenarios section (field limits as documented there). */

export const Verbosity = t.Union([t.Literal('normal'), t.Literal('verbose'), t.Literal('extreme')])
const ErrorActionSchema = t.Union([t.Literal('skip'), t.Literal('abort'), t.Literal('retry')])

const ErrorHandlingSchema = t.Object({
	onError: ErrorActionSchema,
	maxRetries: t.Optional(t.Integer({ minimum: 0, maximum: 10 })),
	delayMs: t.Optional(t.Integer({ minimum: 0, maximum: 60_000 })),
	backoffMultiplier: t.Optional(t.Number({ minimum: 1, maximum: 10 })),
	maxDelayMs: t.Optional(t.Integer({ minimum: 0, maximum: 300_000 })),
	/** Keys: an HTTP status ("429"), a class ("5xx") or a connector error type ("timeout"). */
	statusCodes: t.Optional(t.Record(t.String(), ErrorActionSchema)),
})

const fields = {
	name: t.String({ minLength: 1, maxLength: 100 }),
	description: t.Optional(t.Union([t.String({ maxLength: 2000 }), t.Null()])),
	category: t.Optional(t.Union([t.String({ maxLength: 50 }), t.Null()])),
	// Steps are checked by validateFlow, which reports paths down to the offending field.
	flowConfig: t.Array(t.Unknown()),
	repetitions: t.Optional(t.Integer({ minimum: 1, maximum: 1000 })),
	concurrency: t.Optional(t.Integer({ minimum: 1, maximum: 100 })),
	delayBetweenMs: t.Optional(t.Integer({ minimum: 0, maximum: 60_000 })),
	verbosityLevel: t.Optional(Verbosity),
	messageTemplates: t.Optional(t.Record(t.String(), t.Unknown())),
	errorHandling: t.Optional(t.Union([ErrorHandlingSchema, t.Null()])),
	isActive: t.Optional(t.Boolean()),
	targetId: t.Optional(t.Union([t.String({ minLength: 1 }), t.Null()])),
}

export const ScenarioCreate = t.Object(fields)
export const ScenarioUpdate = t.Partial(t.Object(fields))
export type ScenarioCreateInput = Static<typeof ScenarioCreate>
export type ScenarioUpdateInput = Static<typeof ScenarioUpdate>

export const ScenarioListQuery = t.Object({
	category: t.Optional(t.String()),
	isActive: t.Optional(t.Union([t.Literal('true'), t.Literal('false')])),
})

export const FromTemplateBody = t.Object({
	name: t.Optional(t.String({ minLength: 1, maxLength: 100 })),
	targetId: t.Optional(t.String({ minLength: 1 })),
})

type ScenarioRow = typeof scenarios.$inferSelect

/** `GET /api/scenarios`: the rows without their flows, with step and session counts. */
export type ScenarioListItem = Omit<
	ScenarioRow,
	'flowConfig' | 'messageTemplates' | 'errorHandling'
> & {
	stepCount: number
	_count: { sessions: number }
}

/** `GET /api/scenarios/:id`: the stored row with its target `{ id, name }` (or null) and counts. */
export type ScenarioDetails = Omit<ScenarioRow, 'flowConfig' | 'errorHandling'> & {
	flowConfig: FlowStep[]
	errorHandling: ErrorHandling | null
	target: { id: string; name: string } | null
	sessionCount: number
	stepCount: number
}

/**
 * A scenario of the built-in library (`GET /api/scenarios/templates`, templates-library.ts):
 * a ready flow for one of the ways an engaged but valid user makes a chatbot expensive.
 */
export interface ScenarioTemplate {
	id: string
	name: string
	description: string
	category: string
	flowConfig: FlowStep[]
	repetitions: number
	concurrency: number
	delayBetweenMs: number
	verbosityLevel: VerbosityLevel
	messageTemplates: Record<string, unknown>
	errorHandling?: ErrorHandling
}

/** A library template as listed, with its step count. */
export type TemplateListItem = ScenarioTemplate & { stepCount: number }
