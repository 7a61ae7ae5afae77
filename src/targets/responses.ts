import { t } from 'elysia'
import { Nullable, Timestamp } from '../openapi/schemas'

/**
 * Response shapes of the target routes for the OpenAPI document (documented, not enforced; the
 * objects stay open). Credentials are never in them: `authConfig` is masked (`****`).
 */
const Obj = t.Record(t.String(), t.Unknown())

export const TargetSummarySchema = t.Object({
	id: t.String(),
	name: t.String(),
	description: Nullable(t.String()),
	connectorType: t.String(),
	endpoint: t.String(),
	authType: t.String(),
	isActive: t.Boolean(),
	presetId: Nullable(t.String()),
	lastTestAt: Nullable(Timestamp),
	lastTestSuccess: Nullable(t.Boolean()),
	lastTestError: Nullable(t.String()),
	createdAt: Timestamp,
	updatedAt: Timestamp,
})

export const TargetDetailSchema = t.Composite([
	TargetSummarySchema,
	t.Object({
		authConfig: t.Record(t.String(), t.Unknown(), {
			description: 'Secret fields masked as "****"; identifying ones (header names) as set',
		}),
		requestTemplate: Obj,
		responseTemplate: Obj,
		protocolConfig: Nullable(Obj),
		pricing: Nullable(Obj),
		sessionCount: t.Integer(),
		scenarioCount: t.Integer(),
	}),
])

/** `POST /api/targets/:id/test`: one real request through the connector. */
export const ConnectionTestSchema = t.Object({
	healthy: t.Boolean(),
	latencyMs: t.Number(),
	ttftMs: Nullable(t.Number()),
	response: Nullable(t.String({ description: 'The extracted reply, truncated' })),
	tokenUsage: Obj,
	error: Nullable(
		t.Object({
			type: t.String({ description: 'An error type: auth_error, rate_limited, timeout, …' }),
			message: t.String(),
			retryAfterMs: t.Optional(t.Number()),
		}),
	),
	httpStatus: Nullable(t.Integer()),
	rawResponse: Nullable(t.String({ description: 'The reply body, secrets redacted' })),
	testedAt: Timestamp,
})
