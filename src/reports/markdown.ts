import { FORMAT } from '../../views/compare/table'
import {
	costFigures,
	exchangeRow,
	loadFigures,
	rateLimitFigures,
	summaryFigures,
	targetFigures,
	type Figure,
} from '../../views/reports/figures'
import {
	BATCH_TARGET_HEAD,
	batchReportTitle,
	batchTargetRows,
	cheapestFinding,
} from '../../views/reports/batch'
import { comparisonReportTitle } from '../../views/reports/compare'
import type { Comparison } from '../compare/model'
import { sessionReportTitle } from '../../views/reports/session'
import { formatInteger, formatMs, formatPValue, formatUsd } from '../../views/ui/format'
import type { BatchReportData, ComparisonReportData, SessionReportData } from './model'

/** Markdown for a pull request (docs/architecture.md §5 "Reports"): tables, no HTML. */

/** A table cell: pipes and line breaks would end the cell or the row. */
const cell = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')

function table(head: string[], rows: string[][]) {
	return [
		`| ${head.map(cell).join(' | ')} |`,
		`| ${head.map(() => '---').join(' | ')} |`,
		...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
	].join('\n')
}

const figureTable = (figures: Figure[]) =>
	table(
		['', ''],
		figures.map((x) => [x.label, x.value]),
	)

export function sessionMarkdown(d: SessionReportData): string {
	const m = d.session.summaryMetrics!
	const errors = Object.entries(m.errorsByType).sort((a, b) => b[1] - a[1])
	const exchanges = (rows: SessionReportData['slowest']) =>
		rows.length
			? table(
					['#', 'Conv.', 'Turn', 'Response time', 'Tokens', 'Cost', 'Outcome', 'Request'],
					rows.map((x) => Object.values(exchangeRow(x))),
				)
			: '_None._'
	return [
		`## ${sessionReportTitle(d)}`,
		`Session \`${d.session.id}\` · ${d.session.status}`,
		'### Summary',
		figureTable(summaryFigures(m)),
		'### Cost',
		figureTable(costFigures(m)),
		'### Findings',
		[
			`- Errors: ${errors.length ? errors.map(([k, v]) => `${k} × ${formatInteger(v)}`).join(', ') : 'none'}`,
			`- Rate limit: ${
				m.rateLimit.events
					? `${formatInteger(m.rateLimit.events)} response(s), the first at message #${formatInteger(m.rateLimit.firstAtMessage)}`
					: 'the target never pushed back'
			}`,
			...(m.budget?.reached ? ['- The budget was reached'] : []),
		].join('\n'),
		'<details><summary>Target, load, rate limit, slowest and most expensive exchanges</summary>',
		'',
		'### Target',
		figureTable(targetFigures(d.target)),
		'### Load',
		figureTable(loadFigures(d.load)),
		'### Rate-limit findings',
		figureTable(rateLimitFigures(m)),
		'### Slowest exchanges',
		exchanges(d.slowest),
		'### Most expensive exchanges',
		exchanges(d.mostExpensive),
		'',
		'</details>',
		'',
	].join('\n\n')
}

export function comparisonMarkdown(d: ComparisonReportData): string {
	return [`## ${comparisonReportTitle(d)}`, ...comparisonParts(d.comparison), ''].join('\n\n')
}

/** The metrics table and the significance verdicts, shared by the comparison and batch reports. */
function comparisonParts(c: Comparison): string[] {
	const head = [
		'Metric',
		...c.sessions.map((s, i) => `${i === 0 ? 'baseline' : `#${i + 1}`} ${s.label} (\`${s.id}\`)`),
	]
	const rows = c.rows.map((row) => [
		row.label,
		...row.values.map((v, i) => {
			const delta = row.deltas[i]
			const text = FORMAT[row.unit](v)
			return delta?.deltaPct !== null && delta?.deltaPct !== undefined
				? `${text} (${delta.deltaPct > 0 ? '+' : ''}${delta.deltaPct.toFixed(1)} %)`
				: text
		}),
	])
	const verdict = (
		name: string,
		r: (typeof c.significance)[number]['responseTimeMs'],
		fmt: (v: number | null) => string,
	) =>
		r
			? `${name}: **${r.significant ? 'significant' : 'not significant'}** (${formatPValue(r.p)}; shift ${fmt(r.shift.estimate)}, ${Math.round(r.shift.confidence * 100)} % interval [${fmt(r.shift.low)}, ${fmt(r.shift.high)}])`
			: `${name}: no samples`
	const findings = c.significance.map((s) => {
		const label = c.sessions.find((x) => x.id === s.sessionId)?.label ?? s.sessionId
		return `- ${label} vs baseline — ${verdict('response time', s.responseTimeMs, formatMs)}; ${verdict('cost per conversation', s.costPerConversationUsd, formatUsd)}`
	})
	return [table(head, rows), '### Significance', c.method.description, findings.join('\n')]
}

export function batchMarkdown(d: BatchReportData): string {
	const c = d.batch.comparison
	return [
		`## ${batchReportTitle(d)}`,
		`Batch \`${d.batch.id}\` · ${d.batch.status}`,
		`**${cheapestFinding(d)}**`,
		'### Targets',
		table(BATCH_TARGET_HEAD, batchTargetRows(d)),
		...(d.load ? ['### Load', figureTable(loadFigures(d.load))] : []),
		'### Metrics side by side',
		...(c ? comparisonParts(c) : []),
		'',
	].join('\n\n')
}
