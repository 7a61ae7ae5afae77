import { Elysia } from 'elysia'
import { HomePage } from '../../views/home'
import { MetricsPage } from '../../views/metrics'
import type { Deps } from '../deps'
import { getHealth } from '../health/service'
import { AppError } from '../http/errors'
import { MetricsQuery } from '../metrics/model'
import { parseQuery } from '../metrics/query'
import { queryMetrics } from '../metrics/service'
import {
	getCostPerDay,
	getDashboardStats,
	getFilterOptions,
	getLiveSessions,
	getRecentSessionSeries,
} from './service'

export const dashboardPages = (deps: Deps) =>
	new Elysia()
		.get('/', async () => {
			const [health, stats, live, recent, costPerDay, options] = await Promise.all([
				getHealth(deps),
				getDashboardStats(deps),
				getLiveSessions(deps),
				getRecentSessionSeries(deps),
				getCostPerDay(deps),
				getFilterOptions(deps),
			])
			const mode = {
				database: deps.database.kind === 'pglite' ? 'PGlite (embedded)' : 'PostgreSQL',
				queue: deps.queue.kind === 'memory' ? 'in-process' : 'BullMQ (Redis)',
			}
			return (
				<HomePage
					health={health}
					mode={mode}
					stats={stats.data}
					live={live}
					recent={recent}
					costPerDay={costPerDay}
					execute={options}
				/>
			)
		})
		.get('/metrics', async ({ query, set }) => {
			const options = await getFilterOptions(deps)
			try {
				const q = parseQuery(MetricsQuery, query)
				return <MetricsPage result={await queryMetrics(deps, q)} query={q} options={options} />
			} catch (e) {
				if (!(e instanceof AppError)) throw e
				set.status = e.status
				const fallback = await queryMetrics(deps, { limit: 100, offset: 0 })
				const error = { error: e.error, message: e.detailMessage, details: e.details }
				return <MetricsPage result={fallback} query={{}} options={options} error={error} />
			}
		})
