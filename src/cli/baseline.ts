import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { formatDelta, formatPct, formatValue } from '../compare/format'
import { runSuite, type ThresholdOutcome } from '../compare/junit-run'
import { renderJUnit } from '../compare/junit'
import { compareSummaries, type ComparableSummary } from '../compare/metrics'
import type { RegressionVerdict } from '../compare/regression'
import { NotFound } from '../http/errors'
import type { SessionDetail } from '../sessions/present'
import { UsageError } from './args'

/**
 * `krawall run --baseline <session id | file>`: the run is compared with an earlier one — a
 * session in this database, or the file an earlier `krawall run --json` wrote — and
 * `--fail-on-regression` limits decide exit code 3 (src/compare/regression.ts).
 */
export type Baseline = { ref: string; sessionId: string | null; summary: ComparableSummary }

const isSummary = (v: unknown): v is ComparableSummary =>
	!!v &&
	typeof v === 'object' &&
	typeof (v as ComparableSummary).totalMessages === 'number' &&
	typeof (v as ComparableSummary).totalCostUsd === 'number'

/** Read before the run starts, so a bad baseline costs nothing (exit 2). */
export async function loadBaseline(
	getSession: (id: string) => Promise<Pick<SessionDetail, 'id' | 'status' | 'summaryMetrics'>>,
	ref: string,
): Promise<Baseline> {
	if (existsSync(ref)) {
		let json: { id?: unknown; summaryMetrics?: unknown }
		try {
			json = JSON.parse(readFileSync(ref, 'utf8'))
		} catch (e) {
			throw new UsageError(`--baseline ${ref}: not JSON (${e instanceof Error ? e.message : e})`)
		}
		if (!isSummary(json?.summaryMetrics)) {
			throw new UsageError(
				`--baseline ${ref}: no summaryMetrics; give the file \`krawall run --json\` wrote`,
			)
		}
		const id = typeof json.id === 'string' ? json.id : null
		return { ref, sessionId: id, summary: json.summaryMetrics }
	}
	try {
		const s = await getSession(ref)
		if (!isSummary(s.summaryMetrics)) {
			throw new UsageError(`--baseline ${ref}: session ${s.status} has no summary to compare with`)
		}
		return { ref, sessionId: s.id, summary: s.summaryMetrics }
	} catch (e) {
		if (e instanceof NotFound) {
			throw new UsageError(`--baseline ${ref}: neither a file nor a session id`)
		}
		throw e
	}
}

/** The comparison as a table for the terminal: every metric, baseline → this run. */
export function renderComparison(b: Baseline, current: ComparableSummary): string {
	const rows = compareSummaries(b.summary, current).map((d) => [
		d.label,
		formatValue(d.unit, d.baseline),
		formatValue(d.unit, d.current),
		formatDelta(d.unit, d.delta),
		d.unit === 'percent' ? '' : formatPct(d.deltaPct),
	])
	const all = [['metric', 'baseline', 'this run', 'change', ''], ...rows]
	const widths = all[0].map((_, i) => Math.max(...all.map((r) => r[i].length)))
	const line = (r: string[]) =>
		'  ' +
		r
			.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
			.join('  ')
			.trimEnd()
	return [`compared with ${b.sessionId ?? b.ref}`, ...all.map(line)].join('\n')
}

/** `--junit <path>`: one case per threshold and regression check, plus the session itself. */
export function writeJUnit(
	path: string,
	run: {
		sessionId: string
		name: string
		startedAt: Date | null
		durationMs: number | null
		status: string
		thresholds: ThresholdOutcome[]
		verdict?: RegressionVerdict
		baseline?: Baseline
	},
) {
	const suite = runSuite({
		sessionId: run.sessionId,
		name: run.name,
		startedAt: run.startedAt,
		durationMs: run.durationMs,
		session: { passed: run.status === 'COMPLETED', message: `session ${run.status}` },
		thresholds: run.thresholds,
		regressions: run.verdict?.checks,
		properties: run.baseline
			? { 'krawall.baseline': run.baseline.sessionId ?? run.baseline.ref }
			: {},
	})
	writeFileSync(path, renderJUnit([suite]))
}
