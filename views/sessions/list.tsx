import type { Paged, Pagination } from '../../src/http/model'
import type { SessionListItem } from '../../src/sessions/present'
import { isActiveStatus, SESSION_STATUS_OPTIONS, StatusBadge } from '../ui/badge'
import { FilterSelect, type PickerOption } from '../ui/form'
import { formatDate, formatInteger, formatUsd } from '../ui/format'
import { Layout, PageHeader } from '../ui/layout'
import { progressShare, timeOfRun } from '../ui/progress'
import { DataTable, PageLinks } from '../ui/table'

/** The sessions list: filters, the self-refreshing table and its progress bars. */

function ProgressBar({
	progress,
	status,
}: {
	progress: SessionListItem['progress']
	status: string
}) {
	// Time for a run that time ends (its conversation total is 0 or a plan it may not reach).
	const time = timeOfRun(progress)
	const pct = time
		? (progressShare(progress).pct ?? 0)
		: Math.min(
				100,
				Math.round(
					(progress.conversationsCompleted / Math.max(1, progress.conversationsTotal)) * 100,
				),
			)
	const conv = progress.conversationsTotal
		? `${progress.conversationsCompleted}/${progress.conversationsTotal}`
		: `${progress.conversationsCompleted}`
	return (
		<div
			class="min-w-32"
			title={
				time
					? `${time} · ${progress.conversationsCompleted} conversations, ${progress.droppedConversations} dropped`
					: `${progress.conversationsCompleted} of ${progress.conversationsTotal} conversations`
			}
		>
			<div class="h-2 w-full overflow-hidden rounded bg-slate-200">
				<div
					class={`h-2 ${status === 'RUNNING' ? 'bg-blue-500' : 'bg-slate-400'}`}
					style={`width:${pct}%`}
				></div>
			</div>
			<div class="mt-0.5 text-xs text-slate-500" safe>
				{`${time ? `${time} · ` : ''}${conv} conv · ${progress.messagesCompleted} msg`}
			</div>
		</div>
	)
}

/** The sessions table; polls itself while any listed session is active, and stops once none is. */
function SessionTable({
	items,
	pagination,
	url,
}: {
	items: SessionListItem[]
	pagination: Pagination
	url?: string
}) {
	const live = url && items.some((s) => isActiveStatus(s.status))
	const link = (offset: number) => {
		const u = new URL(url ?? '/sessions', 'http://x')
		u.searchParams.set('offset', String(offset))
		return u.pathname + u.search
	}
	return (
		<div
			id="session-table"
			class="card overflow-x-auto p-0"
			hx-get={live ? url : undefined}
			hx-trigger={live ? 'every 2s' : undefined}
			hx-select={live ? '#session-table' : undefined}
			hx-target={live ? 'this' : undefined}
			hx-swap={live ? 'outerHTML' : undefined}
		>
			<DataTable
				columns={[
					'Compare',
					'Session',
					'Status',
					'Target',
					'Scenario',
					'Progress',
					'Tokens',
					'Cost',
					'Started',
				]}
				divided={false}
			>
				{items.length === 0 ? (
					<tr>
						<td colspan="9" class="text-center text-slate-500">
							No sessions yet.
						</td>
					</tr>
				) : (
					items.map((s) => (
						<tr data-session-id={s.id}>
							<td>
								{/* Ticked rows go to /compare through the form beside the table (`form=`). */}
								{s.summaryMetrics ? (
									<input
										type="checkbox"
										name="id"
										value={s.id}
										form="compare-form"
										aria-label={`Compare ${s.id}`}
									/>
								) : (
									''
								)}
							</td>
							<td>
								<a class="font-mono text-indigo-700 underline" href={`/sessions/${s.id}`} safe>
									{s.id}
								</a>
							</td>
							<td>
								<StatusBadge status={s.status} />
							</td>
							<td safe>{s.target?.name ?? '—'}</td>
							<td safe>{s.scenario?.name ?? 'Custom messages'}</td>
							<td>
								<ProgressBar progress={s.progress} status={s.status} />
							</td>
							<td safe>{formatInteger(s.progress.tokensTotal)}</td>
							<td safe>{formatUsd(s.progress.costUsd)}</td>
							<td safe>{formatDate(s.startedAt ?? s.createdAt)}</td>
						</tr>
					))
				)}
			</DataTable>
			<div class="flex items-center justify-between border-t border-slate-200 px-3 py-2 text-sm text-slate-600">
				<span
					safe
				>{`${pagination.total} session(s) · showing ${pagination.total ? pagination.offset + 1 : 0}–${Math.min(pagination.total, pagination.offset + pagination.limit)}`}</span>
				<PageLinks pagination={pagination} href={link} />
			</div>
		</div>
	)
}

/** GET /api/sessions as an htmx fragment. */
export const SessionRows = (r: Paged<SessionListItem>) => (
	<SessionTable items={r.data} pagination={r.pagination} />
)

type SessionQuery = { status?: string; targetId?: string; scenarioId?: string }

function SessionFilters(props: {
	targets: PickerOption[]
	scenarios: PickerOption[]
	query: SessionQuery
}) {
	const q = props.query
	return (
		<form method="get" action="/sessions" class="mb-4 flex flex-wrap items-end gap-3">
			<FilterSelect
				label="Status"
				name="status"
				value={q.status}
				options={SESSION_STATUS_OPTIONS}
			/>
			<FilterSelect
				label="Target"
				name="targetId"
				value={q.targetId}
				options={props.targets.map((t) => ({ value: t.id, label: t.name }))}
			/>
			<FilterSelect
				label="Scenario"
				name="scenarioId"
				value={q.scenarioId}
				options={props.scenarios.map((s) => ({ value: s.id, label: s.name }))}
			/>
			<button class="btn-secondary" type="submit">
				Filter
			</button>
		</form>
	)
}

export function SessionsPage(props: {
	items: SessionListItem[]
	pagination: Pagination
	url: string
	targets: PickerOption[]
	scenarios: PickerOption[]
	query: SessionQuery
}) {
	return (
		<Layout title="Sessions" active="/sessions">
			<PageHeader title="Sessions">
				<a class="btn" href="/sessions/new">
					New session
				</a>
			</PageHeader>
			<SessionFilters targets={props.targets} scenarios={props.scenarios} query={props.query} />
			<form id="compare-form" method="get" action="/compare" class="mb-2 text-sm">
				<button class="btn-secondary" type="submit">
					Compare ticked sessions
				</button>{' '}
				<span class="text-slate-500">the topmost ticked row is the baseline</span>
			</form>
			<SessionTable items={props.items} pagination={props.pagination} url={props.url} />
		</Layout>
	)
}
