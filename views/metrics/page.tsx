import type { MetricsQuery, MetricsResult } from '../../src/metrics/model'
import { ErrorFragment, type ErrorBody } from '../ui/error'
import { Layout, PageHeader } from '../ui/layout'
import { MetricsFilters, type FilterOptions } from './filters'
import { MetricsResults } from './results'

/** The `/metrics` page: filters, results, and where the prices come from. */
type MetricsPageProps = {
	result: MetricsResult
	query: Partial<MetricsQuery>
	options: FilterOptions
	/** The price table's date (src/pricing/table.ts). */
	pricesAsOf: string
	/** A refused filter: shown above the unfiltered results. */
	error?: ErrorBody
}

export function MetricsPage({ result, query, options, pricesAsOf, error }: MetricsPageProps) {
	return (
		<Layout title="Metrics" active="/metrics">
			<PageHeader title="Metrics">
				<span class="text-sm text-slate-500">
					Aggregates cover every matching session, not just this page.
				</span>
			</PageHeader>
			<div class="space-y-4">
				<MetricsFilters q={query} options={options} />
				{error ? <ErrorFragment status={400} error={error} /> : ''}
				<MetricsResults result={result} query={query} />
				<p class="text-xs text-slate-500">
					Costs use each target's own pricing, else list prices as of{' '}
					<a class="underline" href="/api/pricing" hx-boost="false" safe>
						{pricesAsOf}
					</a>
					; Ollama runs locally at $0. Messages of models without a known price are counted as
					unpriced, never as $0.
				</p>
			</div>
		</Layout>
	)
}
