// Served from the bundle like the dashboard's stylesheet (src/http/static.ts): the binary embeds it.
import appCss from '../../public/app.css' with { type: 'file' }
import { BatchReport } from '../../views/reports/batch'
import { ComparisonReport } from '../../views/reports/compare'
import { SessionReport } from '../../views/reports/session'
import { batchMarkdown, comparisonMarkdown, sessionMarkdown } from './markdown'
import type {
	BatchReportData,
	ComparisonReportData,
	ReportFormat,
	SessionReportData,
} from './model'

let css: Promise<string> | undefined
/** The dashboard's compiled Tailwind CSS, read once: inlined into every HTML report. */
const reportCss = () => (css ??= Bun.file(appCss).text())

/**
 * Renders a report (docs/architecture.md §5 "Reports") from its data: a pure function apart
 * from reading the stylesheet, so the API, `krawall run --report` and a batch report share it.
 */
export async function renderSessionReport(d: SessionReportData, format: ReportFormat) {
	if (format === 'md') return sessionMarkdown(d)
	return String(await SessionReport({ d, css: await reportCss() }))
}

export async function renderComparisonReport(d: ComparisonReportData, format: ReportFormat) {
	if (format === 'md') return comparisonMarkdown(d)
	return String(await ComparisonReport({ d, css: await reportCss() }))
}

export async function renderBatchReport(d: BatchReportData, format: ReportFormat) {
	if (format === 'md') return batchMarkdown(d)
	return String(await BatchReport({ d, css: await reportCss() }))
}

export const REPORT_CONTENT_TYPE: Record<ReportFormat, string> = {
	html: 'text/html; charset=utf-8',
	md: 'text/markdown; charset=utf-8',
}
