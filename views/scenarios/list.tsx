import type { Done, Envelope, Listed } from '../../src/http/model'
import type { ScenarioListItem } from '../../src/scenarios/model'
import { ActiveBadge } from '../ui/badge'
import { ACTIVE_OPTIONS, FilterSelect } from '../ui/form'
import { Layout, PageHeader } from '../ui/layout'
import { Notice, SavedNotice } from '../ui/notice'
import { DataTable, NameLink } from '../ui/table'
import { CategoryBadge } from './outline'

/** The scenario list: filters, the table, YAML import, and what saving or deleting answers. */

function ScenarioTable({ scenarios }: { scenarios: ScenarioListItem[] }) {
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
								<NameLink href={`/scenarios/${s.id}`} name={s.name} />
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

/** GET /api/scenarios for htmx. */
export const ScenarioRows = (r: Listed<ScenarioListItem>) => <ScenarioTable scenarios={r.data} />

/** What saving, importing or creating from a template answers htmx (then HX-Location follows). */
export const ScenarioSaved = ({ data, message }: Envelope<{ id: string; name: string }>) => (
	<SavedNotice message={message} href={`/scenarios/${data.id}`} name={data.name} />
)

export const ScenarioDeleted = ({ message }: Done) => (
	<Notice tone="neutral">
		<span safe>{message}</span>
	</Notice>
)

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

function ImportForm() {
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
