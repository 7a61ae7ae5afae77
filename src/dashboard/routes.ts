import { Elysia } from 'elysia'
import { LiveSessions, StatsCards } from '../../views/home'
import type { Deps } from '../deps'
import { negotiate } from '../http/negotiate'
import { getDashboardStats, getLiveSessions } from './service'

/** `/api/dashboard/stats` (the reference), and the live-sessions list the home page polls. */
export const dashboardRoutes = (deps: Deps) =>
	new Elysia({ prefix: '/api/dashboard' })
		.use(negotiate)
		.get('/stats', () => getDashboardStats(deps), {
			view: (r: any) => StatsCards({ stats: r.data }),
		})
		.get('/live', async () => ({ success: true as const, data: await getLiveSessions(deps) }), {
			view: (r: any) => LiveSessions({ sessions: r.data }),
		})
