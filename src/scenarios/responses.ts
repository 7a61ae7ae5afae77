import { t } from 'elysia'
import { Nullable, Timestamp } from '../openapi/schemas'

/** Response shapes of the scenario routes for the OpenAPI document (documented, objects open). */
const common = {
	id: t.String(),
	name: t.String(),
	description: Nullable(t.String()),
	category: Nullable(t.String()),
	repetitions: t.Integer(),
	concurrency: t.Integer(),
	delayBetweenMs: t.Integer(),
	verbosityLevel: t.String(),
	isActive: t.Boolean(),
	targetId: Nullable(t.String()),
	createdAt: Timestamp,
	updatedAt: Timestamp,
}
const Step = t.Object({ id: t.String(), type: t.String() }, { description: 'A flow step' })

export const ScenarioListItemSchema = t.Object({
	...common,
	stepCount: t.Integer(),
	_count: t.Object({ sessions: t.Integer() }),
})

export const ScenarioSchema = t.Object({
	...common,
	flowConfig: t.Array(Step),
	errorHandling: Nullable(t.Record(t.String(), t.Unknown())),
	messageTemplates: t.Record(t.String(), t.Unknown()),
})

export const ScenarioDetailSchema = t.Composite([
	ScenarioSchema,
	t.Object({
		target: Nullable(t.Object({ id: t.String(), name: t.String() })),
		sessionCount: t.Integer(),
		stepCount: t.Integer(),
	}),
])

export const ScenarioTemplateSchema = t.Object({
	id: t.String(),
	name: t.String(),
	description: t.String(),
	category: t.String(),
	flowConfig: t.Array(Step),
	repetitions: t.Integer(),
	concurrency: t.Integer(),
	delayBetweenMs: t.Integer(),
	verbosityLevel: t.String(),
	stepCount: t.Integer(),
})
