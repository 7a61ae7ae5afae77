import { t } from 'elysia'
import { Nullable, Timestamp } from '../openapi/schemas'

/** `GET /api/health` for the OpenAPI document (model.ts has the type; the reference the shape). */
const Check = t.Object({
	status: t.Union([t.Literal('healthy'), t.Literal('unhealthy')]),
	responseTimeMs: t.Number(),
	error: Nullable(t.String()),
})

export const HealthSchema = t.Object({
	status: t.Union([t.Literal('healthy'), t.Literal('degraded'), t.Literal('unhealthy')]),
	timestamp: Timestamp,
	services: t.Object({
		api: t.Object({ status: t.Literal('healthy'), responseTimeMs: t.Number() }),
		database: Check,
		redis: t.Union([Check, t.Object({ status: t.Literal('disabled') })]),
	}),
})
