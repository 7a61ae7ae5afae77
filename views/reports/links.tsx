/**
 * Links to a page's own report (docs/architecture.md §5 "Reports"): the HTML document and its
 * Markdown. Documents, not dashboard pages: a plain navigation (no hx-boost swap). `href` is the
 * report route (a query, such as the compare page's `ids`, is kept); `id` names the links
 * (`<id>` and `<id>-md`), `class` styles both, `separator` goes between them.
 */
export function ReportLinks(props: {
	href: string
	id: string
	class: string
	separator?: string
}) {
	const md = `${props.href}${props.href.includes('?') ? '&' : '?'}format=md`
	return (
		<>
			<a id={props.id} class={props.class} href={props.href} hx-boost="false">
				Report (HTML)
			</a>
			{props.separator ? <span safe>{props.separator}</span> : ''}
			<a id={`${props.id}-md`} class={props.class} href={md} hx-boost="false">
				Report (Markdown)
			</a>
		</>
	)
}
