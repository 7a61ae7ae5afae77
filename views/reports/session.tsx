import type { SessionReportData } from '../../src/reports/model'
import { SessionCharts } from '../sessions/charts'
import { SummaryTiles, unpriced } from '../sessions/summary'
import { formatDate, formatInteger, formatUsd } from '../ui/format'
import { FigureList, ReportDocument, ReportSection, SimpleTable } from './document'
import {
	costFigures,
	exchangeRow,
	loadFigures,
	rateLimitFigures,
	summaryFigures,
	targetFigures,
	type ExchangeRow,
} from './figures'

const EXCHANGE_HEAD = [
	'#',
	'Conversation',
	'Turn',
	'Response time',
	'Tokens',
	'Cost',
	'Outcome',
	'Request',
]
const cells = (r: ExchangeRow) => [
	r.seq,
	r.conversation,
	r.turn,
	r.responseTime,
	r.tokens,
	r.cost,
	r.outcome,
	r.request,
]

export const sessionReportTitle = (d: SessionReportData) =>
	`Krawall report: ${d.scenario?.name ?? 'custom messages'} → ${d.target.name}`

/**
 * The body of one session's report: every section, no document around it, so a batch report
 * can put several in one file. Pure function of `SessionReportData`.
 */
export function SessionReportBody({ d }: { d: SessionReportData }) {
	const m = d.session.summaryMetrics!
	const errors = Object.entries(m.errorsByType).sort((a, b) => b[1] - a[1])
	return (
		<article class="space-y-6" data-session={d.session.id}>
			<header class="space-y-1">
				<h1 class="text-2xl font-semibold" safe>
					{sessionReportTitle(d)}
				</h1>
				<p class="text-sm text-slate-600" safe>
					{`Session ${d.session.id} · ${d.session.status} · started ${formatDate(d.session.startedAt)} · finished ${formatDate(d.session.completedAt)} · report generated ${formatDate(d.generatedAt)}`}
				</p>
				{d.session.error ? (
					<p class="text-sm text-red-700" safe>
						{d.session.error}
					</p>
				) : (
					''
				)}
			</header>
			<ReportSection id="target" title="Target">
				<FigureList figures={targetFigures(d.target)} />
			</ReportSection>
			<ReportSection id="scenario" title="Scenario">
				<p class="card text-sm" safe>
					{d.scenario
						? `${d.scenario.name}${d.scenario.category ? ` (${d.scenario.category})` : ''} · ${formatInteger(d.scenario.steps)} flow step(s)`
						: `Custom messages (${formatInteger(d.load.customMessages ?? 0)})`}
				</p>
			</ReportSection>
			<ReportSection id="load" title="Load">
				<FigureList figures={loadFigures(d.load)} />
			</ReportSection>
			<ReportSection id="summary" title="Summary">
				<SummaryTiles m={m} />
				<FigureList figures={summaryFigures(m)} />
			</ReportSection>
			<ReportSection id="charts" title="Charts">
				<SessionCharts series={d.series} unpriced={unpriced(m)} />
			</ReportSection>
			<ReportSection id="errors" title="Errors by type">
				<SimpleTable
					id="errors-table"
					head={['Error type', 'Messages']}
					rows={errors.map(([k, v]) => [k, formatInteger(v)])}
					empty="No errors."
				/>
			</ReportSection>
			<ReportSection id="rate-limit" title="Rate-limit findings">
				<p class="text-sm text-slate-600">
					{m.rateLimit.events
						? `The target pushed back ${formatInteger(m.rateLimit.events)} time(s); the first at message #${formatInteger(m.rateLimit.firstAtMessage)}.`
						: 'The target never pushed back (no 429, no 503 with Retry-After).'}
				</p>
				<FigureList figures={rateLimitFigures(m)} />
			</ReportSection>
			<ReportSection id="cost" title="Cost breakdown">
				<FigureList figures={costFigures(m)} />
				<SimpleTable
					id="cost-per-turn"
					head={['Turn', 'Messages', 'Average cost', 'Average conversation so far']}
					rows={d.series.perTurn.map((p) => [
						formatInteger(p.turnIndex + 1),
						formatInteger(p.messages),
						formatUsd(p.avgCostUsd),
						formatUsd(p.cumulativeAvgCostUsd),
					])}
					empty="No messages."
				/>
			</ReportSection>
			<ReportSection id="slowest" title="Slowest exchanges">
				<SimpleTable
					id="slowest-table"
					head={EXCHANGE_HEAD}
					rows={d.slowest.map((x) => cells(exchangeRow(x)))}
					empty="No timed replies."
				/>
			</ReportSection>
			<ReportSection id="most-expensive" title="Most expensive exchanges">
				<SimpleTable
					id="most-expensive-table"
					head={EXCHANGE_HEAD}
					rows={d.mostExpensive.map((x) => cells(exchangeRow(x)))}
					empty="No priced messages."
				/>
			</ReportSection>
		</article>
	)
}

export function SessionReport({ d, css }: { d: SessionReportData; css: string }) {
	return (
		<ReportDocument title={sessionReportTitle(d)} css={css}>
			<SessionReportBody d={d} />
		</ReportDocument>
	)
}
