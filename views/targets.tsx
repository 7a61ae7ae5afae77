import type { CheckResult, ValidateResult } from '../src/templates/validate'
import type { TargetDetails, TargetSummary } from '../src/targets/service'
import { Layout, PageHeader } from './layout'

/** Targets screens: list, details, results of saving/deleting, template checks. Pure functions of props. */

export const fmtTime = (d: Date | string | null | undefined) =>
	d ? new Date(d).toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : '—'

const json = (v: unknown) => JSON.stringify(v ?? {}, null, 2)

export function ActiveBadge({ active }: { active: boolean }) {
	return active ? (
		<span class="badge bg-emerald-100 text-emerald-800">active</span>
	) : (
		<span class="badge bg-slate-200 text-slate-700">inactive</span>
	)
}

export function LastTest({ target }: { target: Pick<TargetSummary, 'lastTestAt' | 'lastTestSuccess' | 'lastTestError'> }) {
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
				<table class="table">
					<thead>
						<tr>
							<th>Name</th>
							<th>Type</th>
							<th>Endpoint</th>
							<th>Auth</th>
							<th>Last test</th>
							<th>State</th>
						</tr>
					</thead>
					<tbody class="divide-y divide-slate-100">
						{targets.map((t) => (
							<tr data-target-id={t.id}>
								<td>
									<a class="font-medium text-indigo-700 hover:underline" href={`/targets/${t.id}`} safe>
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
					</tbody>
				</table>
			)}
		</div>
	)
}

export type TargetFilter = { isActive?: string; connectorType?: string }

function Option({ value, current, label }: { value: string; current?: string; label: string }) {
	return (
		<option value={value} selected={current === value} safe>
			{label}
		</option>
	)
}

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
			<label>
				<span class="label">State</span>
				<select name="isActive" class="input">
					<Option value="" current={filter.isActive ?? ''} label="All" />
					<Option value="true" current={filter.isActive} label="Active" />
					<Option value="false" current={filter.isActive} label="Inactive" />
				</select>
			</label>
			<label>
				<span class="label">Type</span>
				<select name="connectorType" class="input">
					<Option value="" current={filter.connectorType ?? ''} label="All" />
					{['HTTP_REST', 'SSE', 'WEBSOCKET', 'GRPC'].map((c) => (
						<Option value={c} current={filter.connectorType} label={c} />
					))}
				</select>
			</label>
			<button class="btn-secondary" type="submit">
				Filter
			</button>
		</form>
	)
}

export function TargetsPage(props: { targets: TargetSummary[]; filter: TargetFilter; error?: string }) {
	return (
		<Layout title="Targets" active="/targets">
			<PageHeader title="Targets">
				<a class="btn" href="/targets/new">
					New target
				</a>
			</PageHeader>
			{props.error ? (
				<p class="mb-4 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-800" role="alert" safe>
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

function Field({ label, children }: { label: string; children: JSX.Element | string }) {
	return (
		<div>
			<dt class="label" safe>
				{label}
			</dt>
			<dd class="text-sm text-slate-800">{children}</dd>
		</div>
	)
}

/** The masked auth config: every secret is already masked by the service. */
export function MaskedAuth({ config }: { config: Record<string, unknown> }) {
	const entries = Object.entries(config ?? {})
	if (!entries.length) return <span class="text-slate-400">no credentials</span>
	return (
		<dl class="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 font-mono text-xs" data-masked-auth>
			{entries.map(([k, v]) => (
				<>
					<dt class="text-slate-500" safe>
						{k}
					</dt>
					<dd safe>{typeof v === 'string' ? v : JSON.stringify(v)}</dd>
				</>
			))}
		</dl>
	)
}

export function TargetDetailsPanel({ target }: { target: TargetDetails }) {
	return (
		<div id="target-details" class="grid gap-4 lg:grid-cols-2">
			<section class="card">
				<dl class="grid grid-cols-2 gap-4">
					<Field label="Type">{<span>{target.connectorType}</span>}</Field>
					<Field label="State">{<ActiveBadge active={target.isActive} />}</Field>
					<div class="col-span-2">
						<Field label="Endpoint">{<code class="break-all text-xs" safe>{target.endpoint}</code>}</Field>
					</div>
					<Field label="Auth type">{<span>{target.authType}</span>}</Field>
					<Field label="Credentials">
						{target.authConfigError ? (
							<span class="text-red-700" role="alert" safe>
								{target.authConfigError}
							</span>
						) : (
							<MaskedAuth config={target.authConfig} />
						)}
					</Field>
					<Field label="Sessions">{<span data-count="sessions">{target.sessionCount}</span>}</Field>
					<Field label="Scenarios">{<span data-count="scenarios">{target.scenarioCount}</span>}</Field>
					<Field label="Last connection test">
						{
							<span>
								<LastTest target={target} />
								{target.lastTestError ? (
									<span class="mt-1 block text-xs text-red-700" safe>
										{target.lastTestError}
									</span>
								) : (
									''
								)}
							</span>
						}
					</Field>
					<Field label="Preset">{<span safe>{target.presetId ?? '—'}</span>}</Field>
					<Field label="Pricing (USD per 1M tokens)">
						{target.pricing ? (
							<span safe>
								{`${(target.pricing as any).model ?? 'custom'}: in ${(target.pricing as any).inputPerMTok}, out ${(target.pricing as any).outputPerMTok}` +
									((target.pricing as any).cachedInputPerMTok !== undefined ? `, cached ${(target.pricing as any).cachedInputPerMTok}` : '')}
							</span>
						) : (
							<span class="text-slate-400">price table by model</span>
						)}
					</Field>
					<Field label="Updated">{<span safe>{fmtTime(target.updatedAt)}</span>}</Field>
				</dl>
			</section>
			<section class="card space-y-3">
				<h2 class="label">Request template</h2>
				<pre class="max-h-72 overflow-auto rounded bg-slate-50 p-2 text-xs" safe>
					{json(target.requestTemplate)}
				</pre>
				<h2 class="label">Response template</h2>
				<pre class="max-h-48 overflow-auto rounded bg-slate-50 p-2 text-xs" safe>
					{json(target.responseTemplate)}
				</pre>
				<h2 class="label">Protocol settings</h2>
				<pre class="max-h-48 overflow-auto rounded bg-slate-50 p-2 text-xs" safe>
					{json(target.protocolConfig)}
				</pre>
			</section>
		</div>
	)
}

type SessionLink = { id: string; status: string; createdAt: Date; completedAt: Date | null }

export function TargetDetailsPage(props: { target: TargetDetails; sessions: SessionLink[] }) {
	const t = props.target
	return (
		<Layout title={t.name} active="/targets">
			<PageHeader title={t.name}>
				<a class="btn-secondary" href={`/targets/${t.id}/edit`}>
					Edit
				</a>
				<form method="post" action={`/api/targets/${t.id}`} hx-post={`/api/targets/${t.id}`} hx-target="#action-result" hx-swap="innerHTML">
					<input type="hidden" name="isActive:boolean" value={t.isActive ? 'false' : 'true'} />
					<button class="btn-secondary" type="submit">
						{t.isActive ? 'Deactivate' : 'Activate'}
					</button>
				</form>
				<a class="btn-danger" href={`/targets/${t.id}/delete`}>
					Delete
				</a>
			</PageHeader>
			{t.description ? (
				<p class="-mt-4 mb-4 text-sm text-slate-600" safe>
					{t.description}
				</p>
			) : (
				''
			)}
			<div id="action-result" class="mb-4"></div>
			<section class="card mb-4 flex flex-wrap items-center gap-4">
				<form method="post" action={`/api/targets/${t.id}/test`} hx-post={`/api/targets/${t.id}/test`} hx-target="#connection-test" hx-swap="innerHTML">
					<button class="btn" type="submit">
						Test connection
					</button>
				</form>
				<div id="connection-test" class="text-sm"></div>
			</section>
			<TargetDetailsPanel target={t} />
			<section class="card mt-4">
				<h2 class="label">Recent sessions</h2>
				{props.sessions.length === 0 ? (
					<p class="text-sm text-slate-500">No sessions against this target yet.</p>
				) : (
					<ul class="divide-y divide-slate-100 text-sm">
						{props.sessions.map((s) => (
							<li class="flex gap-4 py-1.5">
								<a class="font-mono text-indigo-700 hover:underline" href={`/sessions/${s.id}`} safe>
									{s.id}
								</a>
								<span safe>{s.status}</span>
								<span class="text-slate-500" safe>
									{fmtTime(s.createdAt)}
								</span>
							</li>
						))}
					</ul>
				)}
			</section>
		</Layout>
	)
}

/** Shown to htmx after a save (htmx then follows HX-Location to the target's page). */
export function TargetSaved(r: { data: TargetSummary; message?: string }) {
	return (
		<p class="rounded-md border border-emerald-300 bg-emerald-50 p-3 text-sm text-emerald-800" role="status">
			<span safe>{r.message ?? 'Saved'}</span>:{' '}
			<a class="underline" href={`/targets/${r.data.id}`} safe>
				{r.data.name}
			</a>
		</p>
	)
}

export function TargetDeleted(r: { message: string }) {
	return (
		<p class="rounded-md border border-emerald-300 bg-emerald-50 p-3 text-sm text-emerald-800" role="status" safe>
			{r.message}
		</p>
	)
}

export function DeleteTargetPage({ target }: { target: TargetDetails }) {
	return (
		<Layout title={`Delete ${target.name}`} active="/targets">
			<PageHeader title={`Delete ${target.name}?`} />
			<div class="card max-w-xl space-y-4">
				{target.sessionCount > 0 ? (
					<p class="text-sm text-amber-800" safe>
						{`This target has ${target.sessionCount} session(s). Delete sessions first or archive the target instead.`}
					</p>
				) : (
					<p class="text-sm text-slate-700">This removes the target and its stored credentials. It cannot be undone.</p>
				)}
				<div id="delete-result"></div>
				<div class="flex gap-2">
					<form method="post" action={`/api/targets/${target.id}/delete`} hx-post={`/api/targets/${target.id}/delete`} hx-target="#delete-result" hx-swap="innerHTML">
						<button class="btn-danger" type="submit">
							Delete target
						</button>
					</form>
					<a class="btn-secondary" href={`/targets/${target.id}`}>
						Cancel
					</a>
				</div>
			</div>
		</Layout>
	)
}

function CheckLine({ r }: { r: CheckResult }) {
	return (
		<li class={r.valid ? 'text-emerald-800' : 'text-red-800'} data-valid={String(r.valid)} data-field={r.field}>
			<span aria-hidden="true">{r.valid ? '✓' : '✗'}</span> <code class="text-xs" safe>{r.field}</code>:{' '}
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
