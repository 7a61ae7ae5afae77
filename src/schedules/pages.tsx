import { Elysia } from 'elysia'
import { NewSchedulePage, ScheduleEditPage } from '../../views/schedules/detail'
import { SchedulesPage } from '../../views/schedules/list'
import type { Deps } from '../deps'
import { getSchedule, listSchedules, previewCron, scheduleFormOptions } from './service'

/** Dashboard pages for schedules, composed from the same services and views as the API fragments. */
export const schedulePages = (deps: Deps) =>
	new Elysia()
		.get('/schedules', async () => <SchedulesPage schedules={await listSchedules(deps, {})} />)
		.get('/schedules/new', async () => (
			<NewSchedulePage
				options={await scheduleFormOptions(deps)}
				preview={previewCron(deps, { cronExpression: '0 3 * * *', timezone: 'UTC' })}
			/>
		))
		.get('/schedules/:id', async ({ params }) => {
			const schedule = await getSchedule(deps, params.id)
			const preview = previewCron(deps, schedule)
			return (
				<ScheduleEditPage
					schedule={schedule}
					options={await scheduleFormOptions(deps)}
					preview={preview}
				/>
			)
		})
