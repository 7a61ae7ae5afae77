import { t } from 'elysia'
import { Nullable, Timestamp } from '../openapi/schemas'
import { ScheduleRegression } from './model'

/** Response shapes of the schedule routes for the OpenAPI document (documented, objects open). */
export const ScheduleSchema = t.Object({
	id: t.String(),
	name: Nullable(t.String()),
	scenarioId: t.String(),
	targetId: Nullable(t.String()),
	cronExpression: t.String(),
	timezone: t.String(),
	isEnabled: t.Boolean(),
	lastRunAt: Nullable(Timestamp),
	nextRunAt: Nullable(Timestamp),
	lastSessionId: Nullable(t.String()),
	regression: Nullable(ScheduleRegression),
	createdAt: Timestamp,
	updatedAt: Timestamp,
	description: t.String({ description: 'The cron expression in words' }),
	scenario: t.Object({ name: t.String(), targetId: Nullable(t.String()) }),
	target: Nullable(t.Object({ id: t.String(), name: t.String() })),
	lastSession: Nullable(t.Object({ id: t.String(), status: t.String() })),
})

export const CronPreviewSchema = t.Object({
	valid: t.Boolean(),
	description: t.String(),
	nextRuns: t.Array(Timestamp),
	timezone: t.String(),
	problems: t.Array(t.String()),
})
