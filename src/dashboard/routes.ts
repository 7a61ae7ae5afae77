import { Elysia } from 'elysia'
import { LiveFragment } from '../../views/home/live'
import { StatsFragment } from '../../views/home/stats'
import type { Deps } from '../deps'
import { ok } from '../http/envelope'
import { negotiate, negotiated } from '../http/negotiate'
import { getDashboardStats, getLiveSessions } from './service'

/** `/api/dashboard/stats` (the reference), and the live-sessions list the home page polls. */
export const dashboardRoutes = (deps: Deps) => {
	const stats = () => getDashboardStats(deps)
	const live = async () => ok(await getLiveSessions(deps))
	return new Elysia({ prefix: '/api/dashboard' })
		.use(negotiate)
		.get('/stats', stats, negotiated(stats, { view: StatsFragment }))
		.get('/live', live, negotiated(live, { view: LiveFragment }))
}
