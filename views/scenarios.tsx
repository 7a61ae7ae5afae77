import { ExecuteForm } from './sessions'
import type { FlowStep } from '../src/engine/types'
import type { ScenarioDetails, ScenarioListItem } from '../src/scenarios/service'
import type { ScenarioTemplate } from '../src/scenarios/templates-library'
import { ActiveBadge, ACTIVE_OPTIONS, DataTable, FilterSelect } from './components'
import { Layout, PageHeader } from './layout'

/** Scenario screens: list, outline, template cards, save/delete results. Pure functions of props. */

const fmtTime = (d: Date | string | null | undefined) =>
	d ? new Date(d).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : '—'

export function CategoryBadge({ category }: { category: string | null }) {
	if (!category) return <span class="text-xs text-slate-400">—</span>
	return (
		<span class="badge bg-indigo-50 text-indigo-700" safe>
			{category}
		</span>
	)
}

export function ScenarioTable({ scenarios }: { scenarios: ScenarioListItem[] }) {
	return (
		<div id="scenario-table" class="card overflow-x-auto p-0">
			{scenarios.length === 0 ? (
				<p class="p-6 text-center text-sm text-slate-500">
					No scenarios match.{' '}
					<a class="text-indigo-700 underline" href="/scenarios/new">
						Start from a template
					</a>
					.
				</p>
			) : (
				<DataTable
					columns={[
						'Name',
						'Category',
						'Steps',
						'Repetitions',
						'Concurrency',
						'Verbosity',
						'Sessions',
						'State',
					]}
				>
					{scenarios.map((s) => (
						<tr data-scenario-id={s.id}>
							<td>
								<a
									class="font-medium text-indigo-700 hover:underline"
									href={`/scenarios/${s.id}`}
									safe
								>
									{s.name}
								</a>
								{s.description ? (
									<p class="max-w-md truncate text-xs text-slate-500" safe>
										{s.description}
									</p>
								) : (
									''
								)}
							</td>
							<td>
								<CategoryBadge category={s.category} />
							</td>
							<td>{s.stepCount}</td>
							<td>{s.repetitions}</td>
							<td>{s.concurrency}</td>
							<td safe>{s.verbosityLevel}</td>
							<td>{s._count.sessions}</td>
							<td>
								<ActiveBadge active={s.isActive} />
							</td>
						</tr>
					))}
				</DataTable>
			)}
		</div>
	)
}

const TYPE_STYLE: Record<string, string> = {
	message: 'bg-sky-100 text-sky-800',
	delay: 'bg-amber-100 text-amber-800',
	conditional: 'bg-fuchsia-100 text-fuchsia-800',
	loop: 'bg-emerald-100 text-emerald-800',
}

export function TypeBadge({ type }: { type: string }) {
	return (
		<span class={`badge ${TYPE_STYLE[type] ?? 'bg-slate-100 text-slate-700'}`} safe>
			{type}
		</span>
	)
}

/** The flow as a readable, nested outline. */
export function FlowOutline({ steps }: { steps: FlowStep[] }) {
	return (
		<ol class="space-y-2 border-l-2 border-slate-200 pl-4" data-outline>
			{steps.map((s) => (
				<li data-step-id={s.id} data-step-type={s.type}>
					<div class="flex flex-wrap items-baseline gap-2 text-sm">
						<TypeBadge type={s.type} />
						<code class="text-xs text-slate-500" safe>
							{s.id}
						</code>
						{s.type === 'message' ? (
							<span class="whitespace-pre-wrap text-slate-800" safe>
								{s.config.message.length > 300
									? s.config.message.slice(0, 300) + '…'
									: s.config.message}
							</span>
						) : s.type === 'delay' ? (
							<span class="text-slate-700">wait {s.config.durationMs} ms</span>
						) : s.type === 'loop' ? (
							<span class="text-slate-700">repeat {s.config.iterations}×</span>
						) : (
							<span class="text-slate-700">
								if{' '}
								<code class="rounded bg-slate-100 px-1" safe>
									{s.config.condition}
								</code>
							</span>
						)}
						{s.next ? (
							<span class="text-xs text-slate-500">
								→ then go to <code safe>{s.next}</code>
							</span>
						) : (
							''
						)}
					</div>
					{s.type === 'loop' ? (
						<div class="mt-2">
							<FlowOutline steps={s.config.steps} />
						</div>
					) : (
						''
					)}
					{s.type === 'conditional' ? (
						<div class="mt-2 space-y-2">
							<p class="text-xs font-semibold text-slate-500 uppercase">then</p>
							{s.config.then.length ? (
								<FlowOutline steps={s.config.then} />
							) : (
								<p class="text-xs text-slate-400">(nothing)</p>
							)}
							{s.config.else?.length ? (
								<>
									<p class="text-xs font-semibold text-slate-500 uppercase">else</p>
									<FlowOutline steps={s.config.else} />
								</>
							) : (
								''
							)}
						</div>
					) : (
						''
					)}
				</li>
			))}
		</ol>
	)
}

export function ScenarioDetailsPanel({ scenario: s }: { scenario: ScenarioDetails }) {
	const eh = s.errorHandling
	return (
		<div id="scenario-details" class="grid gap-6 lg:grid-cols-3">
			<div class="card lg:col-span-2">
				<h2 class="mb-3 text-sm font-semibold text-slate-700">Flow ({s.stepCount} steps)</h2>
				<FlowOutline steps={s.flowConfig} />
			</div>
			<div class="card space-y-2 text-sm">
				<h2 class="text-sm font-semibold text-slate-700">Settings</h2>
				<dl class="grid grid-cols-2 gap-x-3 gap-y-1">
					<dt class="text-slate-500">Category</dt>
					<dd>
						<CategoryBadge category={s.category} />
					</dd>
					<dt class="text-slate-500">Repetitions</dt>
					<dd>{s.repetitions}</dd>
					<dt class="text-slate-500">Concurrency</dt>
					<dd>{s.concurrency}</dd>
					<dt class="text-slate-500">Delay between</dt>
					<dd>{s.delayBetweenMs} ms</dd>
					<dt class="text-slate-500">Verbosity</dt>
					<dd safe>{s.verbosityLevel}</dd>
					<dt class="text-slate-500">On error</dt>
					<dd>
						{eh
							? `${eh.onError}${eh.onError === 'retry' ? ` (max ${eh.maxRetries ?? 3})` : ''}`
							: 'skip'}
					</dd>
					<dt class="text-slate-500">Target</dt>
					<dd>
						{s.target ? (
							<a class="text-indigo-700 hover:underline" href={`/targets/${s.target.id}`} safe>
								{s.target.name}
							</a>
						) : (
							'—'
						)}
					</dd>
					<dt class="text-slate-500">Sessions</dt>
					<dd>{s.sessionCount}</dd>
					<dt class="text-slate-500">State</dt>
					<dd>
						<ActiveBadge active={s.isActive} />
					</dd>
					<dt class="text-slate-500">Updated</dt>
					<dd safe>{fmtTime(s.updatedAt)}</dd>
				</dl>
				{Object.keys(s.messageTemplates ?? {}).length ? (
					<>
						<h3 class="pt-2 text-xs font-semibold text-slate-500 uppercase">Template variables</h3>
						<pre class="max-h-48 overflow-auto rounded bg-slate-50 p-2 text-xs" safe>
							{JSON.stringify(s.messageTemplates, null, 2)}
						</pre>
					</>
				) : (
					''
				)}
			</div>
		</div>
	)
}

export function ScenarioSaved({
	data,
	message,
}: {
	data: { id: string; name: string }
	message?: string
}) {
	return (
		<div
			class="rounded-md border border-emerald-300 bg-emerald-50 p-3 text-sm text-emerald-800"
			role="status"
		>
			<span safe>{message ?? 'Saved'}</span>:{' '}
			<a class="underline" href={`/scenarios/${data.id}`} safe>
				{data.name}
			</a>
		</div>
	)
}

export function ScenarioDeleted({ message }: { message: string }) {
	return (
		<div class="rounded-md border border-slate-300 bg-slate-50 p-3 text-sm" role="status" safe>
			{message}
		</div>
	)
}

export function TemplateCards({
	templates,
}: {
	templates: (ScenarioTemplate & { stepCount: number })[]
}) {
	return (
		<div id="template-cards" class="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
			{templates.map((t) => (
				<form
					class="card flex flex-col gap-2"
					method="post"
					action={`/api/scenarios/from-template/${t.id}`}
					data-template-id={t.id}
				>
					<div class="flex items-center justify-between gap-2">
						<h3 class="font-semibold text-slate-800" safe>
							{t.name}
						</h3>
						<CategoryBadge category={t.category} />
					</div>
					<p class="flex-1 text-sm text-slate-600" safe>
						{t.description}
					</p>
					<p class="text-xs text-slate-500">
						{t.stepCount} steps · {t.repetitions} × {t.concurrency} concurrent ·{' '}
						<span>{t.verbosityLevel}</span>
					</p>
					<details class="text-xs">
						<summary class="cursor-pointer text-slate-500">Preview flow</summary>
						<div class="mt-2">
							<FlowOutline steps={t.flowConfig} />
						</div>
					</details>
					<button class="btn self-start" type="submit">
						Use this template
					</button>
				</form>
			))}
		</div>
	)
}

type Filter = { category?: string; isActive?: string }

export function ScenariosPage({
	scenarios,
	categories,
	filter,
}: {
	scenarios: ScenarioListItem[]
	categories: string[]
	filter: Filter
}) {
	return (
		<Layout title="Scenarios" active="/scenarios">
			<PageHeader title="Scenarios">
				<a class="btn" href="/scenarios/new">
					New scenario
				</a>
			</PageHeader>
			<form
				class="mb-4 flex flex-wrap items-end gap-3"
				method="get"
				action="/scenarios"
				hx-get="/scenarios"
				hx-target="#scenario-table"
				hx-select="#scenario-table"
				hx-swap="outerHTML"
				hx-push-url="true"
				hx-trigger="change, submit"
			>
				<FilterSelect
					label="Category"
					name="category"
					value={filter.category}
					emptyLabel="All"
					options={categories.map((c) => ({ value: c, label: c }))}
				/>
				<FilterSelect
					label="State"
					name="isActive"
					value={filter.isActive}
					emptyLabel="All"
					options={ACTIVE_OPTIONS}
				/>
				<noscript>
					<button class="btn-secondary" type="submit">
						Filter
					</button>
				</noscript>
			</form>
			<ScenarioTable scenarios={scenarios} />
			<ImportForm />
		</Layout>
	)
}

export function ImportForm() {
	return (
		<details class="card mt-6">
			<summary class="cursor-pointer text-sm font-semibold text-slate-700">
				Import a scenario from YAML
			</summary>
			<form
				class="mt-3 space-y-3"
				method="post"
				action="/api/scenarios/import"
				enctype="multipart/form-data"
				hx-post="/api/scenarios/import"
				hx-encoding="multipart/form-data"
				hx-target="#import-result"
				hx-swap="innerHTML"
			>
				<label class="block">
					<span class="label">YAML file</span>
					<input
						class="input"
						type="file"
						name="file"
						accept=".yaml,.yml,application/yaml,text/yaml"
					/>
				</label>
				<label class="block">
					<span class="label">…or paste YAML</span>
					<textarea
						class="input font-mono text-xs"
						name="yaml"
						rows="6"
						placeholder="kind: krawall/scenario&#10;name: …"
					></textarea>
				</label>
				<button class="btn" type="submit">
					Import
				</button>
				<div id="import-result"></div>
			</form>
		</details>
	)
}

export function NewScenarioPage({
	templates,
}: {
	templates: (ScenarioTemplate & { stepCount: number })[]
}) {
	return (
		<Layout title="New scenario" active="/scenarios">
			<PageHeader title="New scenario">
				<a class="btn-secondary" href="/scenarios/new/blank">
					Start blank
				</a>
			</PageHeader>
			<p class="mb-4 text-sm text-slate-600">
				Start from a ready scenario and adapt it in the editor, start blank, or import YAML from the
				scenario list.
			</p>
			<TemplateCards templates={templates} />
		</Layout>
	)
}

type ExecuteOptions = Parameters<typeof ExecuteForm>[0]

/** The scenario, its flow outline, and the form that runs it against a target. */
export function ScenarioPage({
	scenario,
	execute,
}: {
	scenario: ScenarioDetails
	execute?: ExecuteOptions
}) {
	return (
		<Layout title={scenario.name} active="/scenarios">
			<PageHeader title={scenario.name}>
				<a class="btn" href={`/scenarios/${scenario.id}/edit`}>
					Edit
				</a>
				<a
					class="btn-secondary"
					href={`/api/scenarios/${scenario.id}/export`}
					hx-boost="false"
					download=""
				>
					Export YAML
				</a>
				<form
					method="post"
					action={`/api/scenarios/${scenario.id}/delete`}
					hx-post={`/api/scenarios/${scenario.id}/delete`}
					hx-target="#delete-result"
					hx-swap="innerHTML"
					hx-confirm="Delete this scenario?"
				>
					<button class="btn-danger" type="submit">
						Delete
					</button>
				</form>
			</PageHeader>
			{scenario.description ? (
				<p class="mb-4 text-sm text-slate-600" safe>
					{scenario.description}
				</p>
			) : (
				''
			)}
			<div id="delete-result" class="mb-4"></div>
			<ScenarioDetailsPanel scenario={scenario} />
			{execute && scenario.isActive ? (
				<div class="mt-6">
					<ExecuteForm
						{...execute}
						scenarioId={scenario.id}
						targetId={execute.targetId ?? scenario.target?.id}
					/>
				</div>
			) : (
				''
			)}
		</Layout>
	)
}
