import { t } from 'elysia'
import { Nullable, Timestamp } from '../openapi/schemas'

/**
 * Response shapes of the webhook routes for the OpenAPI document (documented, objects open).
 * `secret` is whole only in the create answer; everywhere else it is masked.
 */
export const WebhookSchema = t.Object({
	id: t.String(),
	name: Nullable(t.String()),
	url: t.String(),
	events: t.Array(t.String()),
	secret: t.String({ description: 'Masked (whsec_••••…) except in the create answer' }),
	isActive: t.Boolean(),
	disabledReason: Nullable(t.String()),
	retryPolicy: t.Object({
		maxAttempts: t.Integer(),
		initialDelayMs: t.Integer(),
		maxDelayMs: t.Integer(),
	}),
	thresholds: t.Record(t.String(), t.Unknown()),
	createdAt: Timestamp,
	updatedAt: Timestamp,
})

const Status = t.Union(['PENDING', 'DELIVERED', 'FAILED'].map((s) => t.Literal(s)))

export const DeliverySchema = t.Object({
	id: t.String(),
	webhookId: t.String(),
	event: t.String(),
	payload: t.Object({
		id: t.String(),
		event: t.String(),
		createdAt: Timestamp,
		data: t.Unknown(),
	}),
	status: Status,
	attempts: t.Integer(),
	statusCode: Nullable(t.Integer()),
	error: Nullable(t.String()),
	nextRetryAt: Nullable(Timestamp),
	deliveredAt: Nullable(Timestamp),
	createdAt: Timestamp,
	updatedAt: Timestamp,
})

export const WebhookListItemSchema = t.Composite([
	WebhookSchema,
	t.Object({ lastDelivery: Nullable(t.Record(t.String(), t.Unknown())) }),
])
