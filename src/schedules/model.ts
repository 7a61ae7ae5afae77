import { t, type Static } from 'elysia'

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
