import type { PropsWithChildren } from '@kitajs/html'
import type { Figure } from './figures'

/**
 * A report's whole HTML document (docs/architecture.md §5 "Reports"): the dashboard's CSS and
 * the print rules inline, no script, no external reference of any kind, so the file opens
 * offline, from an artifact store or an e-mail, and prints.
 */
export function ReportDocument({
	title,
	css,
	children,
}: PropsWithChildren<{ title: string; css: string }>) {
	// Our own compiled stylesheet, not user content: escaping would break its `>` selectors.
	const safeCss = css + PRINT_CSS
	return (
		<>
			{'<!doctype html>'}
			<html lang="en">
				<head>
					<meta charset="utf-8" />
					<meta name="viewport" content="width=device-width, initial-scale=1" />
					<meta name="generator" content="Krawall" />
					<title safe>{title}</title>
					<style>{safeCss}</style>
				</head>
				<body class="bg-slate-50 text-slate-900">
					<main class="mx-auto max-w-6xl space-y-6 p-6">{children}</main>
				</body>
			</html>
		</>
	)
}

/** Print: no shadows or grey page, no section split across pages, charts at full width. */
const PRINT_CSS = `
@page { margin: 12mm; }
@media print {
  body { background: #fff !important; }
  main { max-width: none !important; padding: 0 !important; }
  .card { box-shadow: none !important; break-inside: avoid; }
  section.report-section { break-inside: avoid-page; }
  figure.chart { break-inside: avoid; }
  .lg\\:grid-cols-2 { grid-template-columns: repeat(2, minmax(0, 1fr)) !important; }
}
`

/** One titled section of a report; `id` is what tests and anchors find. */
export function ReportSection({
	id,
	title,
	children,
}: PropsWithChildren<{ id: string; title: string }>) {
	return (
		<section id={id} class="report-section space-y-3" aria-labelledby={`${id}-title`}>
			<h2 id={`${id}-title`} class="text-lg font-semibold text-slate-800" safe>
				{title}
			</h2>
			{children}
		</section>
	)
}

/** Label/value pairs; each value carries `data-figure` = its key. */
export function FigureList({ figures }: { figures: Figure[] }) {
	return (
		<dl class="card grid grid-cols-1 gap-x-6 gap-y-1 text-sm sm:grid-cols-2">
			{figures.map((x) => (
				<div class="flex justify-between gap-4 border-b border-slate-100 py-1">
					<dt class="text-slate-500" safe>
						{x.label}
					</dt>
					<dd class="font-medium tabular-nums" data-figure={x.key} safe>
						{x.value}
					</dd>
				</div>
			))}
		</dl>
	)
}

export function SimpleTable({
	id,
	head,
	rows,
	empty,
}: {
	id?: string
	head: string[]
	rows: string[][]
	empty: string
}) {
	if (!rows.length)
		return (
			<p class="card text-sm text-slate-500" id={id} safe>
				{empty}
			</p>
		)
	return (
		<div class="card overflow-x-auto p-0">
			<table class="table" id={id}>
				<thead>
					<tr>
						{head.map((h) => (
							<th safe>{h}</th>
						))}
					</tr>
				</thead>
				<tbody>
					{rows.map((r) => (
						<tr>
							{r.map((c) => (
								<td class="tabular-nums" safe>
									{c}
								</td>
							))}
						</tr>
					))}
				</tbody>
			</table>
		</div>
	)
}
