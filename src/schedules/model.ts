import { t, type Static } from 'elysia'
import type { scheduledJobs } from '../db/schema'
import { METRIC_NAMES } from '../compare/metrics'

/**
 * Compare each run with the schedule's previous finished run: `metric.regression` fires when
 * `metric` (src/compare/metrics.ts) moves more than `thresholdPct` % the worse way (either way for
 * a metric with no better direction). docs/architecture.md §4.
 */
export const ScheduleRegression = t.Object(
	{
		metric: t.Union(
			METRIC_NAMES.map((m) => t.Literal(m)),
			{ description: METRIC_NAMES.join(' | ') },
		),
		thresholdPct: t.Number({ minimum: 0, maximum: 100_000 }),
	},
	{ additionalProperties: false },
)
export type ScheduleRegression = Static<typeof ScheduleRegression>

const fields = {
	name: t.Optional(t.String({ maxLength: 100 })),
	scenarioId: t.String({ minLength: 1, maxLength: 64 }),
	/** Required unless the scenario has a target of its own. */
	targetId: t.Optional(t.String({ minLength: 1, maxLength: 64 })),
	cronExpression: t.String({ minLength: 1, maxLength: 200 }),
	timezone: t.Optional(t.String({ minLength: 1, maxLength: 64 })),
	isEnabled: t.Optional(t.Boolean()),
	/** null removes the check. */
	regression: t.Optional(t.Union([ScheduleRegression, t.Null()])),
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
	/** The metrics a regression check can watch (src/compare/metrics.ts), with their labels. */
	metrics: { name: string; label: string; unit: string }[]
}
