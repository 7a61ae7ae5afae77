import { t, type Static } from 'elysia'
import { MAX_OFFSET } from '../http/model'
import type { webhookDeliveries } from '../db/schema'

/** Events a webhook can subscribe to (the reference's list). `webhook.test` is only ever sent by the test button. */
export const WEBHOOK_EVENTS = [
	'session.completed',
	'session.failed',
	'session.cancelled',
	'metric.threshold',
	/** A scheduled run against the schedule's previous run (src/schedules/regression.ts). */
	'metric.regression',
	/** An assessment ended (src/assessments/): its headline and findings. */
	'assessment.completed',
] as const
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number]
export type SessionEvent = Exclude<
	WebhookEvent,
	'metric.threshold' | 'metric.regression' | 'assessment.completed'
>
export const TEST_EVENT = 'webhook.test'

const EventName = t.Union(
	WEBHOOK_EVENTS.map((e) => t.Literal(e)),
	{
		description:
			'session.completed | session.failed | session.cancelled | metric.threshold | metric.regression',
	},
)

/**
 * Thresholds checked when a session finishes; crossing any (value strictly above it) sends
 * `metric.threshold`. All are optional; a webhook without thresholds never sends that event.
 */
export const Thresholds = t.Object(
	{
		errorRatePercent: t.Optional(t.Number({ minimum: 0, maximum: 100 })),
		p95ResponseTimeMs: t.Optional(t.Number({ minimum: 0 })),
		avgResponseTimeMs: t.Optional(t.Number({ minimum: 0 })),
		costPerSessionUsd: t.Optional(t.Number({ minimum: 0 })),
		totalTokens: t.Optional(t.Integer({ minimum: 0 })),
	},
	{ additionalProperties: false },
)
export type Thresholds = Static<typeof Thresholds>
/** Exponential backoff with jitter between attempts; `Retry-After` from the receiver wins when present. */
export const RetryPolicy = t.Object(
	{
		maxAttempts: t.Optional(t.Integer({ minimum: 1, maximum: 20 })),
		initialDelayMs: t.Optional(t.Integer({ minimum: 10, maximum: 3_600_000 })),
		maxDelayMs: t.Optional(t.Integer({ minimum: 10, maximum: 86_400_000 })),
	},
	{ additionalProperties: false },
)
export type RetryPolicy = Required<Static<typeof RetryPolicy>>
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
	maxAttempts: 5,
	initialDelayMs: 2_000,
	maxDelayMs: 3_600_000,
}

const fields = {
	name: t.Optional(t.String({ maxLength: 100 })),
	url: t.String({ minLength: 1, maxLength: 2000 }),
	events: t.Array(EventName, { minItems: 1, uniqueItems: true }),
	secret: t.Optional(t.String({ minLength: 16, maxLength: 200 })),
	isActive: t.Optional(t.Boolean()),
	retryPolicy: t.Optional(RetryPolicy),
	thresholds: t.Optional(Thresholds),
}

export const CreateWebhook = t.Object(fields)
export type CreateWebhook = Static<typeof CreateWebhook>
/** PUT replaces the definition (a missing secret keeps the stored one); PATCH changes only what it names. */
export const ReplaceWebhook = CreateWebhook
export const UpdateWebhook = t.Partial(t.Object(fields))
export type UpdateWebhook = Static<typeof UpdateWebhook>

export const DeliveryQuery = t.Object({
	limit: t.Optional(t.Integer({ minimum: 1, maximum: 200 })),
	offset: t.Optional(t.Integer({ minimum: 0, maximum: MAX_OFFSET })),
	status: t.Optional(t.Union([t.Literal('PENDING'), t.Literal('DELIVERED'), t.Literal('FAILED')])),
})
export type DeliveryQuery = Static<typeof DeliveryQuery>

export const IdParams = t.Object({ id: t.String({ minLength: 1, maxLength: 64 }) })

/** A webhook as the API shows it. */
export type WebhookView = {
	id: string
	name: string | null
	url: string
	events: string[]
	/** Masked, except in the response to the create call (the only time it is shown). */
	secret: string
	isActive: boolean
	disabledReason: string | null
	retryPolicy: RetryPolicy
	thresholds: Thresholds
	/** The newest delivery's outcome (list only). */
	lastDelivery?: { status: string; event: string; createdAt: Date } | null
	createdAt: Date
	updatedAt: Date
}

/** One delivery of an event to a webhook (the delivery log). */
export type DeliveryRow = typeof webhookDeliveries.$inferSelect
