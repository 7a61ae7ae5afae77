import type { PropsWithChildren } from '@kitajs/html'

/**
 * Form pieces the resource screens share: labelled fields, filter selects, checkboxes that
 * always submit, and the create/edit form. Labels are our own strings; anything user-derived is
 * still escaped with `safe` by the caller or here.
 */

/** A target or scenario in a picker (execute form, filters). */
export type PickerOption = { id: string; name: string }

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
export function BooleanInputs({
	name,
	checked,
	attrs = {},
}: {
	name: string
	checked: boolean
	/** Extra attributes for the checkbox (an `hx-on:change`). */
	attrs?: Record<string, string>
}) {
	return (
		<>
			<input type="hidden" name={name} value="false" />
			<input type="checkbox" name={name} checked={checked} {...attrs} />
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
