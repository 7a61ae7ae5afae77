import { usd } from './classify'
import { PROBE_TITLES, type AssessmentView } from './model'

const money = (v: number | null) => (v === null ? '—' : usd(v))

/** The assessment report as Markdown (for a ticket or a pull request). */
export function assessmentMarkdown(a: AssessmentView): string {
	const h = a.headline
	const lines = [
		`# Consumption assessment: ${a.target.name ?? a.target.id}`,
		'',
		`Status: **${a.status}** · ${a.spent.requests} requests · ${money(a.spent.costUsd)} spent · limits ${a.limits.maxRequests} requests, ${money(a.limits.maxCostUsd)}, ${a.limits.maxDurationSec} s`,
		'',
	]
	if (h) {
		lines.push(
			`**Worst-case burn: ${money(h.burnPerHourUsd)} per hour, ${money(h.burnPerDayUsd)} per day** for one client`,
			'',
			h.note,
			'',
			`- Controls found: ${h.controlsFound.join(', ') || 'none'}`,
			`- Controls missing: ${h.controlsMissing.join(', ') || 'none'}`,
			`- Inconclusive: ${h.controlsInconclusive.join(', ') || 'none'}`,
			'',
		)
	}
	lines.push(
		'| Probe | Control | Verdict | Finding | OWASP LLM10 mitigation |',
		'|---|---|---|---|---|',
	)
	for (const f of a.findings)
		lines.push(
			`| ${PROBE_TITLES[f.probe]} | ${f.control} | ${f.verdict} | ${f.summary.replace(/\|/g, '\\|')} | ${f.mitigation} |`,
		)
	lines.push('')
	for (const f of a.findings) {
		if (!f.evidence.length) continue
		lines.push(`### ${PROBE_TITLES[f.probe]}`, '')
		for (const e of f.evidence) lines.push(`- [${e.label}](${e.href})`)
		lines.push('')
	}
	return lines.join('\n')
}
