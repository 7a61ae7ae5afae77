import type {
	MetricsQuery,
	MetricsResult,
	MetricsSessionRow,
	SortKey,
} from '../../src/metrics/model'
import { StatusBadge } from '../ui/badge'
import { formatDate, formatInteger, formatMs, formatPercent, formatUsd } from '../ui/format'
import { AggregateTiles } from './aggregate'

/** The metrics results: aggregate tiles, the sortable table of sessions, pagination. */

const COLUMNS: { key: SortKey | null; label: string; numeric?: boolean }[] = [
	{ key: 'createdAt', label: 'Created' },
	{ key: null, label: 'Target' },
	{ key: null, label: 'Scenario' },
	{ key: 'status', label: 'Status' },
	{ key: 'messages', label: 'Messages', numeric: true },
	{ key: 'tokens', label: 'Tokens', numeric: true },
	{ key: 'avgResponseTimeMs', label: 'Avg response', numeric: true },
	{ key: 'errors', label: 'Errors', numeric: true },
	{ key: 'costUsd', label: 'Cost', numeric: true },
	{ key: null, label: 'Export' },
]

/** `/metrics?…` with some parameters replaced (empty values dropped). */
function metricsUrl(
	q: Partial<MetricsQuery>,
	change: Partial<Record<keyof MetricsQuery, string | number | undefined>>,
) {
	const p = new URLSearchParams()
	for (const [k, v] of Object.entries({ ...q, ...change })) {
		if (v === undefined || v === '' || v === null) continue
		p.set(k, String(v))
	}
	const s = p.toString()
	return s ? `/metrics?${s}` : '/metrics'
}

function Row({ s }: { s: MetricsSessionRow }) {
	const m = s.metrics
	return (
		<tr data-session-id={s.id}>
			<td>
				<a class="text-indigo-700 hover:underline" href={`/sessions/${s.id}`} safe>
					{formatDate(s.createdAt)}
				</a>
			</td>
			<td safe>{s.target.name}</td>
			<td safe>{s.scenario?.name ?? 'custom messages'}</td>
			<td>
				<StatusBadge status={s.status} />
			</td>
			<td class="text-right tabular-nums" safe>
				{formatInteger(m.messageCount)}
			</td>
			<td class="text-right tabular-nums" safe>
				{formatInteger(m.totalTokens)}
			</td>
			<td class="text-right tabular-nums" safe>
				{formatMs(m.avgResponseTimeMs)}
			</td>
			<td class="text-right tabular-nums" safe>
				{`${m.errorCount} (${formatPercent(m.errorRate)})`}
			</td>
			<td class="text-right tabular-nums" safe>
				{formatUsd(m.costUsd)}
			</td>
			<td class="space-x-2 text-xs">
				<a
					class="text-indigo-700 hover:underline"
					href={`/api/metrics/export?sessionId=${s.id}&format=csv`}
					hx-boost="false"
					download=""
				>
					CSV
				</a>
				<a
					class="text-indigo-700 hover:underline"
					href={`/api/metrics/export?sessionId=${s.id}&format=json`}
					hx-boost="false"
					download=""
				>
					JSON
				</a>
			</td>
		</tr>
	)
}

/** The fragment `/api/metrics` renders for htmx, and the body of the `/metrics` page. */
export function MetricsResults({
	result,
	query,
}: {
	result: MetricsResult
	query?: Partial<MetricsQuery>
}) {
	const q = query ?? {}
	const { sessions, aggregate, pagination } = result.data
	const sort = q.sort ?? 'createdAt'
	const order = q.order ?? 'desc'
	const first = sessions.length ? pagination.offset + 1 : 0
	const last = pagination.offset + sessions.length
	return (
		<div id="metrics-results" class="space-y-4">
			<AggregateTiles a={aggregate} />
			<div class="card overflow-x-auto p-0">
				<table class="table" id="metrics-table">
					<thead class="bg-slate-50">
						<tr>
							{COLUMNS.map((c) => {
								if (!c.key) return <th safe>{c.label}</th>
								const active = sort === c.key
								const next = active && order === 'desc' ? 'asc' : 'desc'
								return (
									<th
										class={c.numeric ? 'text-right' : ''}
										aria-sort={active ? (order === 'asc' ? 'ascending' : 'descending') : undefined}
									>
										<a
											class="hover:text-slate-900"
											href={metricsUrl(q, { sort: c.key, order: next, offset: 0 })}
										>
											<span safe>{c.label}</span>
											{active ? (order === 'asc' ? ' ▲' : ' ▼') : ''}
										</a>
									</th>
								)
							})}
						</tr>
					</thead>
					<tbody class="divide-y divide-slate-100">
						{sessions.length ? (
							sessions.map((s) => <Row s={s} />)
						) : (
							<tr>
								<td colspan="10" class="py-8 text-center text-slate-500">
									No sessions match these filters.
								</td>
							</tr>
						)}
					</tbody>
				</table>
			</div>
			<nav class="flex items-center justify-between text-sm text-slate-600" aria-label="Pagination">
				<span safe>{`${first}–${last} of ${pagination.total}`}</span>
				<span class="flex gap-2">
					{pagination.offset > 0 ? (
						<a
							class="btn-secondary"
							href={metricsUrl(q, { offset: Math.max(0, pagination.offset - pagination.limit) })}
						>
							Previous
						</a>
					) : (
						''
					)}
					{pagination.hasMore ? (
						<a
							class="btn-secondary"
							href={metricsUrl(q, { offset: pagination.offset + pagination.limit })}
						>
							Next
						</a>
					) : (
						''
					)}
				</span>
			</nav>
		</div>
	)
}

/** GET /api/metrics for htmx. */
export const MetricsResultsFragment = (r: MetricsResult) => <MetricsResults result={r} />
