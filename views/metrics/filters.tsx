import type { MetricsQuery } from '../../src/metrics/model'
import { SESSION_STATUS_OPTIONS } from '../ui/badge'
import type { PickerOption } from '../ui/form'

/** The metrics filter bar (a GET form: it works without JavaScript). */

type Option = PickerOption
export type FilterOptions = { targets: Option[]; scenarios: Option[] }

const STATUSES = SESSION_STATUS_OPTIONS.map((s) => ({ id: s.value, name: s.label }))

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
			<Select name="status" label="Status" value={q.status} options={STATUSES} />
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
