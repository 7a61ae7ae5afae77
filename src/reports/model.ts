import { t, type Static } from 'elysia'
import type { BatchView } from '../batches/model'
import type { Comparison } from '../compare/model'
import type { SessionSeries } from '../metrics/model'
import type { SessionDetail, SessionMessage } from '../sessions/present'

/** `?format=`: the self-contained HTML file (default) or Markdown for a pull request. */
export const ReportQuery = t.Object({
	format: t.Optional(
		t.Union([t.Literal('html'), t.Literal('md')], {
			description: 'html (default): one self-contained file; md: Markdown for a pull request',
		}),
	),
})
export type ReportQuery = Static<typeof ReportQuery>

export const CompareReportQuery = t.Object({
	ids: t.String({
		minLength: 1,
		maxLength: 2000,
		description: 'Session ids, comma-separated; the first is the baseline (2–10)',
	}),
	...ReportQuery.properties,
})
export type CompareReportQuery = Static<typeof CompareReportQuery>

export type ReportFormat = 'html' | 'md'

/** How many rows the slowest / most expensive exchange tables show. */
export const EXCHANGE_ROWS = 5

/** The target as a report shows it: what it is, never how it authenticates (docs/architecture.md §8). */
export type ReportTarget = {
	name: string
	connectorType: string
	/** Without userinfo, query string or fragment (a key can hide in either). */
	endpoint: string
	authType: string
	model: string | null
}

/** The load a run was given (the executionConfig snapshot's figures). */
export type ReportLoad = {
	repetitions: number
	concurrency: number
	delayBetweenMs: number
	verbosityLevel: string
	timeoutMs: number | null
	maxTokens: number | null
	maxCostUsd: number | null
	gracefulStopMs: number | null
	customMessages: number | null
}

/**
 * Everything one session's report shows: a pure input of the renderers (src/reports/html.tsx,
 * markdown.ts), so another report (a batch's) can build one per session and reuse them.
 */
export type SessionReportData = {
	session: Pick<
		SessionDetail,
		'id' | 'status' | 'startedAt' | 'completedAt' | 'error' | 'summaryMetrics'
	>
	target: ReportTarget
	scenario: { name: string; category: string | null; steps: number } | null
	load: ReportLoad
	series: SessionSeries
	slowest: SessionMessage[]
	mostExpensive: SessionMessage[]
	generatedAt: Date
}

export type ComparisonReportData = {
	comparison: Comparison
	generatedAt: Date
}

/**
 * A batch's report: the batch (its sessions, the cheapest, the comparison once two or more
 * finished), each session's target as a report shows it, and the load they shared.
 */
export type BatchReportData = {
	batch: BatchView
	/** One per session, in the batch's order. */
	targets: { sessionId: string; target: ReportTarget }[]
	/** Every session ran the same scenario with the same overrides: the first one's load. */
	load: ReportLoad | null
	generatedAt: Date
}
