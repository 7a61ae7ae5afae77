import { Elysia } from 'elysia'
import { MetricsPage } from '../../views/metrics/page'
import { getFilterOptions } from '../dashboard/service'
import type { Deps } from '../deps'
import { AppError } from '../http/errors'
import { PRICE_TABLE } from '../pricing/table'
import { MetricsQuery } from './model'
import { parseQuery } from './query'
import { queryMetrics } from './service'

/** The `/metrics` page: the same query as `GET /api/metrics`, with filters and sortable columns. */
export const metricsPages = (deps: Deps) =>
	new Elysia().get('/metrics', async ({ query, set }) => {
		const options = await getFilterOptions(deps)
		const page = { options, pricesAsOf: PRICE_TABLE.asOf }
		try {
			const q = parseQuery(MetricsQuery, query)
			return <MetricsPage {...page} result={await queryMetrics(deps, q)} query={q} />
		} catch (e) {
			if (!(e instanceof AppError)) throw e
			// A refused filter: the unfiltered first page, with the error above it.
			set.status = e.status
			const fallback = await queryMetrics(deps, { limit: 100, offset: 0 })
			const error = { error: e.error, message: e.detailMessage, details: e.details }
			return <MetricsPage {...page} result={fallback} query={{}} error={error} />
		}
	})
