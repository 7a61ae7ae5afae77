import type { PropsWithChildren } from '@kitajs/html'

/** A row's name, linking to its page (the first column of the resource lists). */
export function NameLink({ href, name }: { href: string; name: string }) {
	return (
		<a class="font-medium text-indigo-700 hover:underline" href={href} safe>
			{name}
		</a>
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
