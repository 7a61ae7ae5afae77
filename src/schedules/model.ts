import { t, type Static } from 'elysia'
import type { scheduledJobs } from '../db/schema'

const fields = {
	name: t.Optional(t.String({ maxLength: 100 })),
	scenarioId: t.String({ minLength: 1, maxLength: 64 }),
	/** Required unless the scenario has a target of its own. */
	targetId: t.Optional(t.String({ minLength: 1, maxLength: 64 })),
	cronExpression: t.String({ minLength: 1, maxLength: 200 }),
	timezone: t.Optional(t.String({ minLength: 1, maxLength: 64 })),
	isEnabled: t.Optional(t.Boolean()),
}

export const CreateSchedule = t.Object(fields)
export type CreateSchedule = Static<typeof CreateSchedule>
/** PUT and the dashboard's edit form replace the definition; PATCH changes only what it names. */
export const ReplaceSchedule = CreateSchedule
export const UpdateSchedule = t.Partial(t.Object(fields))
export type UpdateSchedule = Static<typeof UpdateSchedule>

export const ListSchedulesQuery = t.Object({
	scenarioId: t.Optional(t.String({ minLength: 1, maxLength: 64 })),
})
export const ToggleBody = t.Object({ isEnabled: t.Boolean() })
export const PreviewQuery = t.Object({
	cronExpression: t.Optional(t.String({ maxLength: 200 })),
	timezone: t.Optional(t.String({ maxLength: 64 })),
})
export const IdParams = t.Object({ id: t.String({ minLength: 1, maxLength: 64 }) })

type ScheduleRow = typeof scheduledJobs.$inferSelect

/** A schedule as the API and the dashboard show it: the row with names and its last outcome. */
export type ScheduleView = ScheduleRow & {
	/** Human-readable reading of the cron expression. */
	description: string
	scenario: { name: string; targetId: string | null }
	/** The target a fire runs against: the schedule's own, else the scenario's. */
	target: { id: string; name: string } | null
	lastSession: { id: string; status: string } | null
}

/** The form's live preview (`GET /api/scheduled-jobs/preview`). */
export type CronPreview = {
	valid: boolean
	description: string
	nextRuns: string[]
	timezone: string
	problems: string[]
}

/** Scenario and target choices for the schedule form. */
export type ScheduleFormOptions = {
	scenarios: { id: string; name: string; targetId: string | null }[]
	targets: { id: string; name: string }[]
}
