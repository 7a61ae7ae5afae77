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
		.get('/', index, { query: ListSchedulesQuery, ...negotiated(index, { view: ScheduleRows }) })
		.get('/preview', preview, {
			query: PreviewQuery,
			...negotiated(preview, { view: CronPreviewFragment }),
		})
		.post('/', create, {
			body: CreateSchedule,
			...negotiated(create, { ...summary, redirect: () => '/schedules' }),
		})
		.get('/:id', show, { params: IdParams, ...negotiated(show, summary) })
		.patch('/:id', patch, {
			params: IdParams,
			body: UpdateSchedule,
			...negotiated(patch, summary),
		})
		.put('/:id', replace, {
			params: IdParams,
			body: ReplaceSchedule,
			...negotiated(replace, summary),
		})
		.post('/:id', replace, {
			params: IdParams,
			body: ReplaceSchedule,
			...negotiated(replace, { ...summary, redirect: () => '/schedules' }),
		})
		.post('/:id/toggle', toggle, {
			params: IdParams,
			body: ToggleBody,
			...negotiated(toggle, { ...summary, redirect: () => '/schedules' }),
		})
		.delete('/:id', remove, { params: IdParams })
		.post('/:id/delete', remove, { params: IdParams, redirect: () => '/schedules' })
}
