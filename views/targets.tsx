import type { CheckResult, ValidateResult } from '../src/templates/validate'
import type { TargetSummary } from '../src/targets/service'
import { ActiveBadge, ACTIVE_OPTIONS, DataTable, FilterSelect } from './components'
import { Layout, PageHeader } from './layout'

/** Targets screens: list, filters, results of saving/deleting, template checks (details: target-details.tsx). */

export const fmtTime = (d: Date | string | null | undefined) =>
	d ? new Date(d).toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : '—'

export function LastTest({
	target,
}: {
	target: Pick<TargetSummary, 'lastTestAt' | 'lastTestSuccess' | 'lastTestError'>
}) {
	if (!target.lastTestAt) return <span class="text-xs text-slate-400">never tested</span>
	return target.lastTestSuccess ? (
		<span class="badge bg-emerald-100 text-emerald-800" title={fmtTime(target.lastTestAt)}>
			ok · {fmtTime(target.lastTestAt) as 'safe'}
		</span>
	) : (
		<span class="badge bg-red-100 text-red-800" title={target.lastTestError ?? ''}>
			failed · {fmtTime(target.lastTestAt) as 'safe'}
		</span>
	)
}

export function TargetTable({ targets }: { targets: TargetSummary[] }) {
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
								<a
									class="font-medium text-indigo-700 hover:underline"
									href={`/targets/${t.id}`}
									safe
								>
									{t.name}
								</a>
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

export type TargetFilter = { isActive?: string; connectorType?: string }

export function TargetFilters({ filter }: { filter: TargetFilter }) {
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
				options={['HTTP_REST', 'SSE', 'WEBSOCKET', 'GRPC'].map((c) => ({ value: c, label: c }))}
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

/** Shown to htmx after a save (htmx then follows HX-Location to the target's page). */
export function TargetSaved(r: { data: TargetSummary; message?: string }) {
	return (
		<p
			class="rounded-md border border-emerald-300 bg-emerald-50 p-3 text-sm text-emerald-800"
			role="status"
		>
			<span safe>{r.message ?? 'Saved'}</span>:{' '}
			<a class="underline" href={`/targets/${r.data.id}`} safe>
				{r.data.name}
			</a>
		</p>
	)
}

export function TargetDeleted(r: { message: string }) {
	return (
		<p
			class="rounded-md border border-emerald-300 bg-emerald-50 p-3 text-sm text-emerald-800"
			role="status"
			safe
		>
			{r.message}
		</p>
	)
}

function CheckLine({ r }: { r: CheckResult }) {
	return (
		<li
			class={r.valid ? 'text-emerald-800' : 'text-red-800'}
			data-valid={String(r.valid)}
			data-field={r.field}
		>
			<span aria-hidden="true">{r.valid ? '✓' : '✗'}</span>{' '}
			<code class="text-xs" safe>
				{r.field}
			</code>
			:{' '}
			<span class="wrap-anywhere" safe>
				{r.message}
			</span>
			{r.suggestion?.length ? (
				<div class="ml-5 flex flex-wrap gap-1 text-xs text-slate-600">
					Available paths:
					{r.suggestion.map((s) => (
						<code class="mr-1 rounded bg-slate-100 px-1" safe>
							{s}
						</code>
					))}
				</div>
			) : (
				''
			)}
		</li>
	)
}

/** The result of `POST /api/templates/validate`, swapped into the target form live. */
export function TemplateCheck(r: { data: ValidateResult }) {
	return (
		<div class="space-y-1 text-sm" data-template-valid={String(r.data.valid)}>
			<p class="font-medium">{r.data.valid ? 'Templates look good' : 'Templates have problems'}</p>
			<ul class="space-y-1">
				{r.data.results.map((x) => (
					<CheckLine r={x} />
				))}
			</ul>
		</div>
	)
}
