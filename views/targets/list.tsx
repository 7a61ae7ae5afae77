import type { Done, Envelope, Listed } from '../../src/http/model'
import type { TargetSummary } from '../../src/targets/model'
import { ActiveBadge } from '../ui/badge'
import { ACTIVE_OPTIONS, FilterSelect } from '../ui/form'
import { formatDate } from '../ui/format'
import { Layout, PageHeader } from '../ui/layout'
import { Notice, SavedNotice } from '../ui/notice'
import { DataTable, NameLink } from '../ui/table'
import { CONNECTOR_TYPES } from './connector-types'

/** Targets list: filters, the table, and what saving or deleting answers (details: detail.tsx). */

export function LastTest({
	target,
}: {
	target: Pick<TargetSummary, 'lastTestAt' | 'lastTestSuccess' | 'lastTestError'>
}) {
	if (!target.lastTestAt) return <span class="text-xs text-slate-400">never tested</span>
	return target.lastTestSuccess ? (
		<span class="badge bg-emerald-100 text-emerald-800" title={formatDate(target.lastTestAt)}>
			ok · {formatDate(target.lastTestAt) as 'safe'}
		</span>
	) : (
		<span class="badge bg-red-100 text-red-800" title={target.lastTestError ?? ''}>
			failed · {formatDate(target.lastTestAt) as 'safe'}
		</span>
	)
}

function TargetTable({ targets }: { targets: TargetSummary[] }) {
	return (
		<div id="target-list" class="card overflow-x-auto p-0">
			{targets.length === 0 ? (
				<p class="p-6 text-center text-sm text-slate-500">
					No targets yet.{' '}
					<a class="text-indigo-700 underline" href="/targets/new">
						Add one from a provider preset
					</a>
					.
				</p>
			) : (
				<DataTable columns={['Name', 'Type', 'Endpoint', 'Auth', 'Last test', 'State']}>
					{targets.map((t) => (
						<tr data-target-id={t.id}>
							<td>
								<NameLink href={`/targets/${t.id}`} name={t.name} />
							</td>
							<td>{t.connectorType}</td>
							<td class="max-w-xs truncate font-mono text-xs" title={t.endpoint} safe>
								{t.endpoint}
							</td>
							<td>{t.authType}</td>
							<td>
								<LastTest target={t} />
							</td>
							<td>
								<ActiveBadge active={t.isActive} />
							</td>
						</tr>
					))}
				</DataTable>
			)}
		</div>
	)
}

type TargetFilter = { isActive?: string; connectorType?: string }

function TargetFilters({ filter }: { filter: TargetFilter }) {
	return (
		<form
			method="get"
			action="/targets"
			class="mb-4 flex flex-wrap items-end gap-3"
			hx-get="/api/targets"
			hx-trigger="change, submit"
			hx-target="#target-list"
			hx-swap="outerHTML"
		>
			<FilterSelect
				label="State"
				name="isActive"
				value={filter.isActive}
				emptyLabel="All"
				options={ACTIVE_OPTIONS}
			/>
			<FilterSelect
				label="Type"
				name="connectorType"
				value={filter.connectorType}
				emptyLabel="All"
				options={CONNECTOR_TYPES.map((c) => ({ value: c, label: c }))}
			/>
			<button class="btn-secondary" type="submit">
				Filter
			</button>
		</form>
	)
}

export function TargetsPage(props: {
	targets: TargetSummary[]
	filter: TargetFilter
	error?: string
}) {
	return (
		<Layout title="Targets" active="/targets">
			<PageHeader title="Targets">
				<a class="btn" href="/targets/new">
					New target
				</a>
			</PageHeader>
			{props.error ? (
				<p
					class="mb-4 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-800"
					role="alert"
					safe
				>
					{props.error}
				</p>
			) : (
				''
			)}
			<TargetFilters filter={props.filter} />
			<TargetTable targets={props.targets} />
		</Layout>
	)
}

/** GET /api/targets for htmx (the filter form swaps it). */
export const TargetRows = (r: Listed<TargetSummary>) => <TargetTable targets={r.data} />

/** Shown to htmx after a save (htmx then follows HX-Location to the target's page). */
export const TargetSaved = (r: Envelope<TargetSummary>) => (
	<SavedNotice message={r.message} href={`/targets/${r.data.id}`} name={r.data.name} />
)

export const TargetDeleted = (r: Done) => (
	<Notice tone="success">
		<span safe>{r.message}</span>
	</Notice>
)
