import type { Aggregate, MetricsQuery, SortKey } from '../src/metrics/model'
import type { MetricsResult, MetricsSessionRow } from '../src/metrics/service'
import { PRICE_TABLE } from '../src/pricing/table'
import { formatMs, formatNumber, formatUsd } from './charts'
import { ErrorFragment } from './error'
import { Layout, PageHeader } from './layout'

const STATUS_CLASS: Record<string, string> = {
	PENDING: 'bg-slate-100 text-slate-700',
	QUEUED: 'bg-sky-100 text-sky-800',
	RUNNING: 'bg-indigo-100 text-indigo-800',
	COMPLETED: 'bg-emerald-100 text-emerald-800',
	FAILED: 'bg-red-100 text-red-800',
	CANCELLED: 'bg-amber-100 text-amber-800',
}

export function StatusBadge({ status }: { status: string }) {
	return (
		<span class={`badge ${STATUS_CLASS[status] ?? 'bg-slate-100 text-slate-700'}`} safe>
			{status}
		</span>
	)
}

const dash = (v: number | null | undefined, f: (v: number) => string) =>
	v === null || v === undefined ? '—' : f(v)
export const formatDate = (d: Date | string | null | undefined) =>
	d ? new Date(d).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : '—'

export function Tile({
	label,
	value,
	hint,
	id,
}: {
	label: string
	value: string
	hint?: string
	id?: string
}) {
	return (
		<div class="card py-3" id={id}>
			<div class="text-xs font-medium tracking-wide text-slate-500 uppercase" safe>
				{label}
			</div>
			<div class="mt-1 text-2xl font-semibold tabular-nums" data-value safe>
				{value}
			</div>
			{hint ? (
				<div class="mt-0.5 text-xs text-slate-500" safe>
					{hint}
				</div>
			) : (
				''
			)}
		</div>
	)
}

/** The aggregate over every matching session (not just the page shown). */
export function AggregateTiles({ a }: { a: Aggregate }) {
	const rt = a.responseTimeMs
	return (
		<section
			id="aggregate"
			class="grid grid-cols-2 gap-3 md:grid-cols-4 xl:grid-cols-8"
			aria-label="Aggregate"
		>
			<Tile id="agg-sessions" label="Sessions" value={formatNumber(a.totalSessions)} />
			<Tile id="agg-messages" label="Messages" value={a.totalMessages.toLocaleString('en-US')} />
			<Tile
				id="agg-tokens"
				label="Tokens"
				value={a.totalTokens.toLocaleString('en-US')}
				hint={`${formatNumber(a.promptTokens)} in · ${formatNumber(a.completionTokens)} out`}
			/>
			<Tile
				id="agg-cost"
				label="Cost"
				value={formatUsd(a.totalCostUsd)}
				hint={a.unpricedMessages ? `${a.unpricedMessages} messages unpriced` : undefined}
			/>
			<Tile id="agg-avg" label="Avg response" value={dash(a.avgResponseTimeMs, formatMs)} />
			<Tile
				id="agg-p95"
				label="p95 response"
				value={dash(rt.p95, formatMs)}
				hint={`p50 ${dash(rt.p50, formatMs)} · p99 ${dash(rt.p99, formatMs)}`}
			/>
			<Tile id="agg-errors" label="Errors" value={a.totalErrors.toLocaleString('en-US')} />
			<Tile id="agg-error-rate" label="Error rate" value={`${a.errorRate}%`} />
		</section>
	)
}

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
export function metricsUrl(
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
				{m.messageCount.toLocaleString('en-US')}
			</td>
			<td class="text-right tabular-nums" safe>
				{m.totalTokens.toLocaleString('en-US')}
			</td>
			<td class="text-right tabular-nums" safe>
				{dash(m.avgResponseTimeMs, formatMs)}
			</td>
			<td class="text-right tabular-nums" safe>
				{`${m.errorCount} (${m.errorRate}%)`}
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

type Option = { id: string; name: string }
export type FilterOptions = { targets: Option[]; scenarios: Option[] }

function Select({
	name,
	label,
	value,
	options,
}: {
	name: string
	label: string
	value?: string
	options: Option[]
}) {
	return (
		<label class="block">
			<span class="label" safe>
				{label}
			</span>
			<select class="input" name={name}>
				<option value="">All</option>
				{options.map((o) => (
					<option value={o.id} selected={o.id === value} safe>
						{o.name}
					</option>
				))}
			</select>
		</label>
	)
}

export function MetricsFilters({
	q,
	options,
}: {
	q: Partial<MetricsQuery>
	options: FilterOptions
}) {
	const statuses = ['PENDING', 'QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'].map(
		(s) => ({ id: s, name: s }),
	)
	return (
		<form
			method="get"
			action="/metrics"
			class="card grid grid-cols-2 items-end gap-3 md:grid-cols-6"
			id="metrics-filters"
		>
			<label class="block">
				<span class="label">From</span>
				<input class="input" type="date" name="startDate" value={q.startDate?.slice(0, 10)} />
			</label>
			<label class="block">
				<span class="label">To</span>
				<input class="input" type="date" name="endDate" value={q.endDate?.slice(0, 10)} />
			</label>
			<Select name="targetId" label="Target" value={q.targetId} options={options.targets} />
			<Select name="scenarioId" label="Scenario" value={q.scenarioId} options={options.scenarios} />
			<Select name="status" label="Status" value={q.status} options={statuses} />
			<div class="flex gap-2">
				<button class="btn" type="submit">
					Apply
				</button>
				<a class="btn-secondary" href="/metrics">
					Reset
				</a>
			</div>
		</form>
	)
}

export type MetricsPageProps = {
	result: MetricsResult
	query: Partial<MetricsQuery>
	options: FilterOptions
	error?: {
		error: string
		message?: string
		details?: { path: (string | number)[]; message: string }[]
	}
}

export function MetricsPage({ result, query, options, error }: MetricsPageProps) {
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
						{PRICE_TABLE.asOf}
					</a>
					; Ollama runs locally at $0. Messages of models without a known price are counted as
					unpriced, never as $0.
				</p>
			</div>
		</Layout>
	)
}
