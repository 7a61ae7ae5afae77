import { Elysia } from 'elysia'
import { MetricsResults } from '../../views/metrics'
import { SessionCharts } from '../../views/session-charts'
import type { Deps } from '../deps'
import { negotiate } from '../http/negotiate'
import { exportSession } from './export'
import { ExportQuery, IdParams, MetricsQuery } from './model'
import { parseQuery } from './query'
import { getSessionSeries } from './series'
import { queryMetrics } from './service'

/**
 * `/api/metrics` and `/api/metrics/export` (the reference's metrics sections), and the chart
 * series of one session (`SessionCharts` for htmx). Queries are
 * validated by `parseQuery` so details carry the field's path and empty form fields mean "any".
 */
export const metricsRoutes = (deps: Deps) =>
	new Elysia({ prefix: '/api' })
		.use(negotiate)
		.get('/metrics', ({ query }) => queryMetrics(deps, parseQuery(MetricsQuery, query)), {
			view: (r: any) => MetricsResults({ result: r }),
		})
		.get('/metrics/export', ({ query }) => exportSession(deps, parseQuery(ExportQuery, query)))
		.get(
			'/metrics/sessions/:id/series',
			async ({ params }) => ({
				success: true as const,
				data: await getSessionSeries(deps, params.id),
			}),
			{ params: IdParams, view: (r: any) => SessionCharts({ series: r.data }) },
		)
