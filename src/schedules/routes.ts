import { Elysia, type Context, type Static } from 'elysia'
import { ScheduleSummaryFragment } from '../../views/schedules/detail'
import { CronPreviewFragment } from '../../views/schedules/form'
import { ScheduleRows } from '../../views/schedules/list'
import type { Deps } from '../deps'
import { list, ok } from '../http/envelope'
import { negotiate, negotiated } from '../http/negotiate'
import {
	CreateSchedule,
	IdParams,
	ListSchedulesQuery,
	PreviewQuery,
	ReplaceSchedule,
	ToggleBody,
	UpdateSchedule,
} from './model'
import {
	createSchedule,
	deleteSchedule,
	getSchedule,
	listSchedules,
	previewCron,
	updateSchedule,
} from './service'
import { documented } from '../openapi/doc'
import { DoneSchema, listOf, okOf } from '../openapi/schemas'
import { CronPreviewSchema, ScheduleSchema } from './responses'

const deleted = { success: true as const, message: 'Scheduled job deleted successfully' }

type Id = { params: { id: string } }
const updated = 'Scheduled job updated successfully'

/**
 * `/api/scheduled-jobs` (the reference's Scheduled jobs section), plus what the dashboard needs:
 * `GET /preview` (cron reading and next five runs), and form-friendly POST aliases for update
 * (`POST /:id`, PUT semantics), enable/disable (`POST /:id/toggle`) and delete (`POST /:id/delete`).
 */
export const scheduleRoutes = (deps: Deps) => {
	const index = async ({ query }: { query: Static<typeof ListSchedulesQuery> }) =>
		list(await listSchedules(deps, query))
	const preview = ({ query }: { query: Static<typeof PreviewQuery> }) =>
		ok(previewCron(deps, query))
	const create = async ({ body, set }: { body: CreateSchedule; set: Context['set'] }) => {
		set.status = 201
		return ok(await createSchedule(deps, body), 'Scheduled job created successfully')
	}
	const show = async ({ params }: Id) => ok(await getSchedule(deps, params.id))
	const patch = async ({ params, body }: Id & { body: UpdateSchedule }) =>
		ok(await updateSchedule(deps, params.id, body), updated)
	const replace = async ({ params, body }: Id & { body: CreateSchedule }) =>
		ok(await updateSchedule(deps, params.id, body, 'replace'), updated)
	const toggle = async ({ params, body }: Id & { body: Static<typeof ToggleBody> }) =>
		ok(
			await updateSchedule(deps, params.id, body),
			body.isEnabled ? 'Scheduled job enabled' : 'Scheduled job disabled',
		)
	const summary = { view: ScheduleSummaryFragment }
	const remove = async ({ params }: Id) => {
		await deleteSchedule(deps, params.id)
		return deleted
	}
	return new Elysia({ prefix: '/api/scheduled-jobs' })
		.use(negotiate)
		.get('/', index, {
			query: ListSchedulesQuery,
			...documented({ summary: 'List scheduled jobs', response: listOf(ScheduleSchema) }),
			...negotiated(index, { view: ScheduleRows }),
		})
		.get('/preview', preview, {
			query: PreviewQuery,
			...documented({
				summary: 'What a cron expression means and its next five runs',
				response: okOf(CronPreviewSchema),
			}),
			...negotiated(preview, { view: CronPreviewFragment }),
		})
		.post('/', create, {
			body: CreateSchedule,
			...documented({
				summary: 'Create a scheduled job',
				errors: [404],
				status: 201,
				response: okOf(ScheduleSchema),
			}),
			...negotiated(create, { ...summary, redirect: () => '/schedules' }),
		})
		.get('/:id', show, {
			params: IdParams,
			...documented({ summary: 'Get a scheduled job', response: okOf(ScheduleSchema) }),
			...negotiated(show, summary),
		})
		.patch('/:id', patch, {
			params: IdParams,
			body: UpdateSchedule,
			...documented({ summary: 'Change some fields of a job', response: okOf(ScheduleSchema) }),
			...negotiated(patch, summary),
		})
		.put('/:id', replace, {
			params: IdParams,
			body: ReplaceSchedule,
			...documented({ summary: 'Replace a scheduled job', response: okOf(ScheduleSchema) }),
			...negotiated(replace, summary),
		})
		.post('/:id', replace, {
			params: IdParams,
			body: ReplaceSchedule,
			...documented({
				summary: 'Replace a scheduled job (form post)',
				response: okOf(ScheduleSchema),
			}),
			...negotiated(replace, { ...summary, redirect: () => '/schedules' }),
		})
		.post('/:id/toggle', toggle, {
			params: IdParams,
			body: ToggleBody,
			...documented({ summary: 'Enable or disable a job', response: okOf(ScheduleSchema) }),
			...negotiated(toggle, { ...summary, redirect: () => '/schedules' }),
		})
		.delete('/:id', remove, {
			params: IdParams,
			...documented({ summary: 'Delete a scheduled job', response: DoneSchema }),
		})
		.post('/:id/delete', remove, {
			params: IdParams,
			redirect: () => '/schedules',
			...documented({ summary: 'Delete a scheduled job (form post)', response: DoneSchema }),
		})
}
