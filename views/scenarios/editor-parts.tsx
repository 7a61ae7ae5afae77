import type { FieldError } from '../ui/error'

/** Helpers of the scenario editor: field names from paths, inline errors, op buttons. */

export type Path = (string | number)[]
export type Obj = Record<string, unknown>

/** `['flowConfig', 0, 'config', 'then', 1]` → `flowConfig[0].config.then[1]` (src/http/form.ts). */
export const nameOf = (path: Path) =>
	path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('')
export const keyOf = (path: Path) => path.join('.')
export const str = (v: unknown) =>
	v === undefined || v === null ? '' : typeof v === 'string' ? v : String(v)
export const isObj = (v: unknown): v is Obj =>
	typeof v === 'object' && v !== null && !Array.isArray(v)

export function Errors({ errors, path }: { errors: FieldError[]; path: Path }) {
	const key = keyOf(path)
	const mine = errors.filter((e) => keyOf(e.path) === key)
	if (!mine.length) return ''
	return (
		<ul class="mt-1 space-y-0.5 text-xs text-red-700" data-errors-for={key}>
			{mine.map((e) => (
				<li safe>{e.message}</li>
			))}
		</ul>
	)
}

export function OpButton({
	op,
	label,
	title,
	cls = 'btn-secondary',
}: {
	op: string
	label: string
	title: string
	cls?: string
}) {
	return (
		<button
			type="submit"
			name="op"
			value={op}
			class={`${cls} px-2 py-1 text-xs`}
			title={title}
			aria-label={title}
			safe
		>
			{label}
		</button>
	)
}
