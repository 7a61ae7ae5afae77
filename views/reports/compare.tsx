import type { Comparison } from '../../src/compare/model'
import type { ComparisonReportData } from '../../src/reports/model'
import { CompareCharts } from '../compare/page'
import { CompareTable, SignificancePanel } from '../compare/table'
import { formatDate } from '../ui/format'
import { ReportDocument, ReportSection, SimpleTable } from './document'

export const comparisonReportTitle = (d: ComparisonReportData) =>
	`Krawall comparison of ${d.comparison.sessions.length} sessions`

/** A comparison's report body: the compare page's table, verdicts and charts, without chrome. */
export function ComparisonReportBody({ d }: { d: ComparisonReportData }) {
	const c = d.comparison
	return (
		<article class="space-y-6" data-baseline={c.baselineId}>
			<header class="space-y-1">
				<h1 class="text-2xl font-semibold" safe>
					{comparisonReportTitle(d)}
				</h1>
				<p class="text-sm text-slate-600" safe>
					{`Baseline ${c.baselineId} · report generated ${formatDate(d.generatedAt)}`}
				</p>
			</header>
			<ReportSection id="sessions" title="Sessions">
				<SimpleTable
					id="sessions-table"
					head={['', 'Session', 'Target', 'Scenario', 'Status', 'Started']}
					rows={c.sessions.map((s, i) => [
						i === 0 ? 'baseline' : `#${i + 1}`,
						s.id,
						s.target?.name ?? '—',
						s.scenario?.name ?? 'custom messages',
						s.status,
						formatDate(s.startedAt),
					])}
					empty="No sessions."
				/>
			</ReportSection>
			<ComparisonSections c={c} />
		</article>
	)
}

/** The comparison's own sections, shared by the comparison and the batch report. */
export function ComparisonSections({ c }: { c: Comparison }) {
	return (
		<>
			<ReportSection id="metrics" title="Metrics side by side">
				<CompareTable c={c} />
			</ReportSection>
			<ReportSection id="significance-section" title="Significance">
				<SignificancePanel c={c} />
			</ReportSection>
			<ReportSection id="charts" title="Charts">
				<CompareCharts c={c} />
			</ReportSection>
		</>
	)
}

export function ComparisonReport({ d, css }: { d: ComparisonReportData; css: string }) {
	return (
		<ReportDocument title={comparisonReportTitle(d)} css={css}>
			<ComparisonReportBody d={d} />
		</ReportDocument>
	)
}
