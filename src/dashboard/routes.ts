import { Elysia, t, type Context } from 'elysia'
import { LiveFragment } from '../../views/home/live'
import { StatsFragment } from '../../views/home/stats'
import type { Deps } from '../deps'
import { ok } from '../http/envelope'
import { negotiate, negotiated } from '../http/negotiate'
import { getDashboardStats, getLiveSessions } from './service'
import { documented } from '../openapi/doc'
import { okOf } from '../openapi/schemas'
import { DashboardStatsSchema, LiveSessionSchema } from './responses'

/** `/api/dashboard/stats` (the reference), and the live-sessions list the home page polls. */
export const dashboardRoutes = (deps: Deps) => {
	const stats = () => getDashboardStats(deps)
	// docs/conventions.md rule 9: a shown session that is no longer live tells the other widgets.
	const live = async ({ query, set }: { query: { shown?: string }; set: Context['set'] }) => {
		const sessions = await getLiveSessions(deps)
		const active = new Set(sessions.map((s) => s.id))
		const shown = (query.shown ?? '').split(',').filter(Boolean)
		if (shown.some((id) => !active.has(id))) set.headers['hx-trigger'] = 'session-ended'
		return ok(sessions)
	}
	return new Elysia({ prefix: '/api/dashboard' })
		.use(negotiate)
		.get('/stats', stats, {
			...documented({
				summary: 'Dashboard counts and totals',
				response: okOf(DashboardStatsSchema),
			}),
			...negotiated(stats, { view: StatsFragment }),
		})
		.get('/live', live, {
			query: t.Object({ shown: t.Optional(t.String({ maxLength: 2000 })) }),
			...documented({
				summary: 'The sessions queued or running now',
				response: okOf(t.Array(LiveSessionSchema)),
			}),
			...negotiated(live, { view: LiveFragment }),
		})
}
