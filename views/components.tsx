import type { PropsWithChildren } from '@kitajs/html'

/**
 * Small pieces the resource screens share (targets, scenarios, sessions, schedules, webhooks).
 * Pure functions of props. Labels and column names are our own strings; anything user-derived
 * is still escaped with `safe` by the caller or here.
 */

/** Green "active" / grey "inactive" badge. */
export function ActiveBadge({ active }: { active: boolean }) {
	return active ? (
		<span class="badge bg-emerald-100 text-emerald-800">active</span>
	) : (
		<span class="badge bg-slate-200 text-slate-700">inactive</span>
	)
}

/** A `.table` with one header row; rows are the children. `divided` adds row separators. */
export function DataTable({
	columns,
	divided = true,
	children,
}: PropsWithChildren<{
	columns: string[]
	divided?: boolean
}>) {
	return (
		<table class="table">
			<thead>
				<tr>
					{columns.map((c) => (
						<th safe>{c}</th>
					))}
				</tr>
			</thead>
			<tbody class={divided ? 'divide-y divide-slate-100' : undefined}>{children}</tbody>
		</table>
	)
}

/** Options of an `isActive` filter (query values are strings). */
export const ACTIVE_OPTIONS = [
	{ value: 'true', label: 'Active' },
	{ value: 'false', label: 'Inactive' },
]

/** A labelled filter `<select>` for GET filter bars; the empty option means "no filter". */
export function FilterSelect({
	label,
	name,
	value,
	options,
	emptyLabel = 'Any',
}: {
	label: string
	name: string
	value: string | undefined
	options: { value: string; label: string }[]
	emptyLabel?: string
}) {
	return (
		<label>
			<span class="label" safe>
				{label}
			</span>
			<select name={name} class="input">
				<option value="" safe>
					{emptyLabel}
				</option>
				{options.map((o) => (
					<option value={o.value} selected={value === o.value} safe>
						{o.label}
					</option>
				))}
			</select>
		</label>
	)
}

/** A block label with the `.label` caption above its control. */
export function Field({ label, children }: PropsWithChildren<{ label: string }>) {
	return (
		<label class="block">
			<span class="label" safe>
				{label}
			</span>
			{children}
		</label>
	)
}

/**
 * A checkbox that always submits: the hidden `false` is sent when the box is unchecked
 * (field names like `isActive:boolean`, see src/http/form.ts).
 */
export function BooleanInputs({ name, checked }: { name: string; checked: boolean }) {
	return (
		<>
			<input type="hidden" name={name} value="false" />
			<input type="checkbox" name={name} checked={checked} />
		</>
	)
}

/**
 * A create/edit form that posts to `action` with or without JavaScript; with htmx, errors
 * land in the `#<id>-errors` box at its top.
 */
export function PostForm({
	id,
	action,
	children,
}: PropsWithChildren<{ id: string; action: string }>) {
	return (
		<form
			id={id}
			class="card space-y-4"
			method="post"
			action={action}
			hx-post={action}
			hx-target={`#${id}-errors`}
			hx-swap="innerHTML"
		>
			<div id={`${id}-errors`}></div>
			{children}
		</form>
	)
}

/**
 * Previous/next links for an offset-paginated list; plain links without JavaScript. With
 * `hxTarget`, each link also fetches the page with htmx and swaps that element (outerHTML).
 */
export function PageLinks({
	pagination: p,
	href,
	prev = 'Previous',
	next = 'Next',
	hxTarget,
}: {
	pagination: { limit: number; offset: number; hasMore: boolean }
	href: (offset: number) => string
	prev?: string
	next?: string
	hxTarget?: string
}) {
	const link = (offset: number, label: string) => (
		<a
			class="btn-secondary"
			href={href(offset)}
			hx-get={hxTarget ? href(offset) : undefined}
			hx-target={hxTarget}
			hx-swap={hxTarget ? 'outerHTML' : undefined}
			safe
		>
			{label}
		</a>
	)
	return (
		<span class="flex gap-2">
			{p.offset > 0 ? link(Math.max(0, p.offset - p.limit), prev) : ''}
			{p.hasMore ? link(p.offset + p.limit, next) : ''}
		</span>
	)
}
