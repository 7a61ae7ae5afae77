import type { BatchReportData } from '../../src/reports/model'
import { DASH, formatDate, formatInteger, formatUsd } from '../ui/format'
import { ComparisonSections } from './compare'
import { FigureList, ReportDocument, ReportSection, SimpleTable } from './document'
import { loadFigures } from './figures'

/**
 * A batch's report (docs/architecture.md §5 "Reports"): one scenario over several targets —
 * which target is cheapest, each target as it ran, the shared load, then the comparison of the
 * sessions (the comparison report's sections). The Markdown (src/reports/markdown.ts) prints the
 * same strings from the helpers below.
 */
export const batchReportTitle = (d: BatchReportData) =>
	`Krawall batch: ${d.batch.scenario.name ?? 'deleted scenario'} over ${d.batch.sessions.length} targets`

export const BATCH_TARGET_HEAD = [
	'Target',
	'Connector',
	'Endpoint',
	'Model',
	'Session',
	'Status',
	'Messages',
	'Cost',
]

/** One row per session, in the batch's order; the cheapest target's name is marked. */
export function batchTargetRows(d: BatchReportData): string[][] {
	return d.batch.sessions.map((s) => {
		const t = d.targets.find((x) => x.sessionId === s.id)?.target
		const name = t?.name ?? s.targetName ?? 'deleted target'
		return [
			d.batch.cheapest?.sessionId === s.id ? `${name} (cheapest)` : name,
			t?.connectorType ?? DASH,
			t?.endpoint ?? DASH,
			t?.model ?? DASH,
			s.id,
			s.status,
			`${formatInteger(s.messagesCompleted)}${s.messagesTotal ? ` / ${formatInteger(s.messagesTotal)}` : ''}`,
			formatUsd(s.costUsd),
		]
	})
}

/** The batch's answer to "which provider is cheapest for this conversation?". */
export function cheapestFinding(d: BatchReportData): string {
	const c = d.batch.cheapest
	if (c)
		return `${c.targetName ?? c.targetId} is the cheapest for this conversation: ${formatUsd(c.costPerConversationUsd)} per conversation.`
	if (d.batch.comparison) return 'No cheapest target: no session was fully priced.'
	return 'Fewer than two sessions finished with a summary: nothing to compare.'
}

export function BatchReportBody({ d }: { d: BatchReportData }) {
	const b = d.batch
	return (
		<article class="space-y-6" data-batch={b.id}>
			<header class="space-y-1">
				<h1 class="text-2xl font-semibold" safe>
					{batchReportTitle(d)}
				</h1>
				<p class="text-sm text-slate-600" safe>
					{`Batch ${b.id} · ${b.status} · created ${formatDate(b.createdAt)} · report generated ${formatDate(d.generatedAt)}`}
				</p>
			</header>
			<ReportSection id="cheapest" title="Cheapest target">
				<p class="card text-sm" data-cheapest={b.cheapest?.sessionId ?? ''} safe>
					{cheapestFinding(d)}
				</p>
			</ReportSection>
			<ReportSection id="targets" title="Targets">
				<SimpleTable
					id="targets-table"
					head={BATCH_TARGET_HEAD}
					rows={batchTargetRows(d)}
					empty="No sessions."
				/>
			</ReportSection>
			<ReportSection id="load" title="Load">
				{d.load ? <FigureList figures={loadFigures(d.load)} /> : <p class="card text-sm">{DASH}</p>}
			</ReportSection>
			{b.comparison ? (
				<ComparisonSections c={b.comparison} />
			) : (
				<ReportSection id="metrics" title="Metrics side by side">
					<p class="card text-sm text-slate-600" safe>
						{cheapestFinding(d)}
					</p>
				</ReportSection>
			)}
		</article>
	)
}

export function BatchReport({ d, css }: { d: BatchReportData; css: string }) {
	return (
		<ReportDocument title={batchReportTitle(d)} css={css}>
			<BatchReportBody d={d} />
		</ReportDocument>
	)
}
