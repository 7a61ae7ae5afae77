import { Elysia } from 'elysia'
import { CronPreviewPanel } from '../../views/schedule-form'
import { ScheduleSummary, ScheduleTable } from '../../views/schedules'
import type { Deps } from '../deps'
import { list, ok } from '../http/envelope'
import { negotiate } from '../http/negotiate'
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

const summary = (r: any) => ScheduleSummary({ s: r.data })
const deleted = { success: true as const, message: 'Scheduled job deleted successfully' }

/**
 * `/api/scheduled-jobs` (the reference's Scheduled jobs section), plus what the dashboard needs:
 * `GET /preview` (cron reading and next five runs), and form-friendly POST aliases for update
 * (`POST /:id`, PUT semantics), enable/disable (`POST /:id/toggle`) and delete (`POST /:id/delete`).
 */
export const scheduleRoutes = (deps: Deps) =>
	new Elysia({ prefix: '/api/scheduled-jobs' })
		.use(negotiate)
		.get('/', async ({ query }) => list(await listSchedules(deps, query)), {
			query: ListSchedulesQuery,
			view: (r: any) => ScheduleTable({ schedules: r.data }),
		})
		.get('/preview', ({ query }) => ok(previewCron(deps, query)), {
			query: PreviewQuery,
			view: (r: any) => CronPreviewPanel({ preview: r.data }),
		})
		.post(
			'/',
			async ({ body, set }) => {
				set.status = 201
				return ok(await createSchedule(deps, body), 'Scheduled job created successfully')
			},
			{ body: CreateSchedule, view: summary, redirect: () => '/schedules' },
		)
		.get('/:id', async ({ params }) => ok(await getSchedule(deps, params.id)), {
			params: IdParams,
			view: summary,
		})
		.patch(
			'/:id',
			async ({ params, body }) =>
				ok(await updateSchedule(deps, params.id, body), 'Scheduled job updated successfully'),
			{ params: IdParams, body: UpdateSchedule, view: summary },
		)
		.put(
			'/:id',
			async ({ params, body }) =>
				ok(
					await updateSchedule(deps, params.id, body, 'replace'),
					'Scheduled job updated successfully',
				),
			{ params: IdParams, body: ReplaceSchedule, view: summary },
		)
		.post(
			'/:id',
			async ({ params, body }) =>
				ok(
					await updateSchedule(deps, params.id, body, 'replace'),
					'Scheduled job updated successfully',
				),
			{ params: IdParams, body: ReplaceSchedule, view: summary, redirect: () => '/schedules' },
		)
		.post(
			'/:id/toggle',
			async ({ params, body }) =>
				ok(
					await updateSchedule(deps, params.id, body),
					body.isEnabled ? 'Scheduled job enabled' : 'Scheduled job disabled',
				),
			{ params: IdParams, body: ToggleBody, view: summary, redirect: () => '/schedules' },
		)
		.delete(
			'/:id',
			async ({ params }) => {
				await deleteSchedule(deps, params.id)
				return deleted
			},
			{ params: IdParams },
		)
		.post(
			'/:id/delete',
			async ({ params }) => {
				await deleteSchedule(deps, params.id)
				return deleted
			},
			{ params: IdParams, redirect: () => '/schedules' },
		)
