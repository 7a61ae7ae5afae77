import appCss from '../../public/app.css' with { type: 'file' }
import { AssessmentReport } from '../../views/assessments/report'
import { assessmentMarkdown } from './markdown'
import type { AssessmentView } from './model'

export type AssessmentReportFormat = 'html' | 'json' | 'md'

let css: Promise<string> | undefined
const reportCss = () => (css ??= Bun.file(appCss).text())

export const REPORT_TYPES: Record<AssessmentReportFormat, string> = {
	html: 'text/html; charset=utf-8',
	json: 'application/json; charset=utf-8',
	md: 'text/markdown; charset=utf-8',
}

/** The assessment report: one self-contained HTML file (inline CSS and SVG, no script), JSON or Markdown. */
export async function renderAssessmentReport(a: AssessmentView, format: AssessmentReportFormat) {
	if (format === 'json') return JSON.stringify({ success: true, data: a }, null, 2)
	if (format === 'md') return assessmentMarkdown(a)
	return String(await AssessmentReport({ a, css: await reportCss() }))
}
