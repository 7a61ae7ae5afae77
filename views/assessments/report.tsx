import type { AssessmentView } from '../../src/assessments/model'
import { ReportDocument, ReportSection } from '../reports/document'
import { Findings, Headline } from './findings'

const money = (v: number) => (v >= 0.01 ? `$${v.toFixed(2)}` : `$${v.toPrecision(2)}`)

/** The assessment report: one self-contained HTML file (docs/architecture.md §4). */
export function AssessmentReport({ a, css }: { a: AssessmentView; css: string }) {
	const name = a.target.name ?? a.target.id
	return (
		<ReportDocument title={`Consumption assessment: ${name}`} css={css}>
			<header class="space-y-1">
				<h1 class="text-2xl font-bold" safe>{`Consumption assessment: ${name}`}</h1>
				<p class="text-sm text-slate-600" safe>
					{`OWASP LLM10 (Unbounded Consumption) · ${a.status} · ${a.spent.requests} requests, ${money(a.spent.costUsd)} spent, ${a.spent.tokens} tokens · limits: ${a.limits.maxRequests} requests, ${money(a.limits.maxCostUsd)}, ${a.limits.maxDurationSec} s · ${a.createdAt.toISOString()}`}
				</p>
			</header>
			<ReportSection id="summary" title="Headline">
				<Headline a={a} />
			</ReportSection>
			<ReportSection id="probes" title="Findings">
				<Findings a={a} />
			</ReportSection>
		</ReportDocument>
	)
}
