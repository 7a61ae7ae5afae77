import { Elysia, t } from 'elysia'
import { MetricsResultsFragment } from '../../views/metrics/results'
import { SessionChartsFragment } from '../../views/sessions/charts'
import type { Deps } from '../deps'
import { ok } from '../http/envelope'
import { negotiate, negotiated } from '../http/negotiate'
import { documented } from '../openapi/doc'
import { exportSession } from './export'
import { ExportQuery, IdParams, MetricsQuery } from './model'
import { parseQuery } from './query'
import { getSharedSessionSeries } from './series'
import { queryMetrics } from './service'
import { okOf } from '../openapi/schemas'
import { MetricsResultSchema, SessionSeriesSchema } from './responses'

type Query = { query: Record<string, unknown> }

/**
 * `/api/metrics` and `/api/metrics/export` (the reference's metrics sections), and the chart
 * series of one session (`SessionCharts` for htmx). Queries are
 * validated by `parseQuery` so details carry the field's path and empty form fields mean "any".
 */
export const metricsRoutes = (deps: Deps) => {
	const metrics = ({ query }: Query) => queryMetrics(deps, parseQuery(MetricsQuery, query))
	const series = async ({ params }: { params: { id: string } }) =>
		ok(await getSharedSessionSeries(deps, params.id))
	return new Elysia({ prefix: '/api' })
		.use(negotiate)
		.get('/metrics', metrics, {
			// Queries are parsed by parseQuery (above); documented here.
			...documented({
				summary: 'Session metrics, filtered and aggregated',
				query: MetricsQuery,
				response: MetricsResultSchema,
			}),
			...negotiated(metrics, { view: MetricsResultsFragment }),
		})
		.get('/metrics/export', ({ query }) => exportSession(deps, parseQuery(ExportQuery, query)), {
			...documented({
				summary: "A session's messages as CSV (default) or JSON, streamed",
				errors: [404],
				query: ExportQuery,
				contentType: 'text/csv',
				response: t.String(),
			}),
		})
		.get('/metrics/sessions/:id/series', series, {
			params: IdParams,
			...documented({
				summary: "One session's chart series (timeline, per turn, latency bins)",
				response: okOf(SessionSeriesSchema),
			}),
			...negotiated(series, { view: SessionChartsFragment }),
		})
}
