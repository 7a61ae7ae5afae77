/** The target form's inputs: labelled text and number inputs, selects, JSON textareas. */

const pretty = (v: unknown) => (v === undefined ? '' : JSON.stringify(v, null, 2))
export const str = (v: unknown) =>
	typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v)

export function Select(props: {
	name: string
	id: string
	value: string
	options: string[]
	attrs?: Record<string, string>
}) {
	return (
		<select name={props.name} id={props.id} class="input" {...(props.attrs ?? {})}>
			{props.options.map((o) => (
				<option value={o} selected={o === props.value} safe>
					{o === '' ? '—' : o}
				</option>
			))}
		</select>
	)
}

export function Input(props: {
	name: string
	label: string
	value: unknown
	type?: string
	placeholder?: string
	required?: boolean
	step?: string
}) {
	const id = `f-${props.name.replace(/[^\w]/g, '-')}`
	return (
		<div>
			<label class="label" for={id} safe>
				{props.label}
			</label>
			<input
				id={id}
				class="input"
				name={props.name}
				type={props.type ?? 'text'}
				value={str(props.value)}
				placeholder={props.placeholder}
				required={props.required}
				step={props.step}
			/>
		</div>
	)
}

export function JsonArea(props: {
	name: string
	label: string
	value: unknown
	rows?: number
	id?: string
}) {
	const id = props.id ?? `f-${props.name.replace(/[^\w]/g, '-')}`
	return (
		<div>
			<label class="label" for={id} safe>
				{props.label}
			</label>
			<textarea
				id={id}
				name={props.name}
				class="input font-mono text-xs"
				rows={String(props.rows ?? 6)}
				safe
			>
				{pretty(props.value)}
			</textarea>
		</div>
	)
}
