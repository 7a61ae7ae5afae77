import type { JUnitCase, JUnitSuite } from './junit'
import { formatRegressionChecks, type RegressionResult } from './regression'

/**
 * One run as a JUnit test suite for `krawall run --junit`: a test case per threshold and per
 * regression check, plus one for the session itself when its outcome is given, so a CI reporter
 * lists exactly what the exit code was decided on.
 */

/** A configured threshold's verdict (`--fail-on-p95 800` → name "p95 ≤ 800 ms"). */
export type ThresholdOutcome = { name: string; passed: boolean; message: string }

export type RunForJUnit = {
	sessionId: string
	/** Suite name, e.g. "Rate-limit probe → openai prod". */
	name: string
	startedAt: Date | null
	durationMs: number | null
	/** Whether the session itself completed (status, stop reason); omitted: no case for it. */
	session?: { passed: boolean; message: string }
	thresholds?: ThresholdOutcome[]
	regressions?: RegressionResult[]
	/** Extra reporter-visible facts (target name, baseline id). Never secrets. */
	properties?: Record<string, string>
	/** The printed summary table, kept with the suite for the reporter's log view. */
	summaryText?: string
}

function thresholdCase(t: ThresholdOutcome): JUnitCase {
	return {
		name: t.name,
		classname: 'krawall.threshold',
		outcome: t.passed ? undefined : { kind: 'failure', type: 'threshold', message: t.message },
		systemOut: t.passed ? t.message : undefined,
	}
}

function regressionCase(r: RegressionResult): JUnitCase {
	const name = formatRegressionChecks([r])
	if (r.status === 'pass') return { name, classname: 'krawall.regression', systemOut: r.message }
	return {
		name,
		classname: 'krawall.regression',
		outcome: {
			// A figure that could not be compared is an error (the check did not run), not a pass.
			kind: r.status === 'regressed' ? 'failure' : 'error',
			type: r.status === 'regressed' ? 'regression' : 'unavailable',
			message: r.message,
		},
	}
}

export function runSuite(run: RunForJUnit): JUnitSuite {
	const cases: JUnitCase[] = []
	if (run.session) {
		cases.push({
			name: 'session completed',
			classname: 'krawall.session',
			timeSec: run.durationMs === null ? 0 : run.durationMs / 1000,
			outcome: run.session.passed
				? undefined
				: { kind: 'error', type: 'session', message: run.session.message },
			systemOut: run.session.passed ? run.session.message : undefined,
		})
	}
	cases.push(...(run.thresholds ?? []).map(thresholdCase))
	cases.push(...(run.regressions ?? []).map(regressionCase))
	return {
		name: run.name,
		id: run.sessionId,
		timestamp: run.startedAt,
		timeSec: run.durationMs === null ? null : run.durationMs / 1000,
		properties: { 'krawall.session': run.sessionId, ...run.properties },
		cases,
		systemOut: run.summaryText,
	}
}
