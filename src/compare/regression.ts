import { formatDelta, formatPct, formatValue } from './format'
import {
	isMetricName,
	METRIC_NAMES,
	METRICS,
	metricDelta,
	type ComparableSummary,
	type MetricName,
	type MetricUnit,
} from './metrics'

/**
 * `--fail-on-regression cost-per-conversation:+10%,p95:+20%,error-rate:+1`: each item allows a
 * metric to rise by at most a relative amount (`+N%`) or, for a rate, by absolute percentage
 * points (`+N`), compared with a baseline run. A limit is the largest allowed increase, so it is
 * never negative; `+0%` fails on any increase.
 */

/** Metrics where lower is better are the ones that can regress. */
export const REGRESSION_METRICS = METRIC_NAMES.filter((m) => METRICS[m].better === 'lower')

export type RegressionMode = 'relative' | 'points'

export type RegressionCheck = {
	metric: MetricName
	/** Relative: percent of the baseline; points: absolute percentage points of a rate. */
	mode: RegressionMode
	limit: number
}

/** A malformed spec; the CLI maps it to its usage error (exit 2). */
export class RegressionSpecError extends Error {}

export const modeOf = (unit: MetricUnit): RegressionMode =>
	unit === 'percent' ? 'points' : 'relative'

const NUMBER = /^(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i
const example = (m: MetricName) => (modeOf(METRICS[m].unit) === 'points' ? `${m}:+1` : `${m}:+10%`)

function parseItem(item: string): RegressionCheck {
	const colon = item.indexOf(':')
	if (colon < 0) {
		throw new RegressionSpecError(
			`expected METRIC:+LIMIT, e.g. p95:+20% or error-rate:+1 (got "${item}")`,
		)
	}
	const name = item.slice(0, colon).trim()
	if (!isMetricName(name) || !REGRESSION_METRICS.includes(name)) {
		throw new RegressionSpecError(
			`unknown metric "${name}"; allowed: ${REGRESSION_METRICS.join(', ')}`,
		)
	}
	const mode = modeOf(METRICS[name].unit)
	let text = item.slice(colon + 1).trim()
	if (text.startsWith('-')) {
		throw new RegressionSpecError(
			`a limit is the largest allowed increase, so it is not negative (got "${item}"); e.g. ${example(name)}`,
		)
	}
	if (text.startsWith('+')) text = text.slice(1)
	const percent = text.endsWith('%')
	if (percent) text = text.slice(0, -1)
	if (mode === 'points' && percent) {
		throw new RegressionSpecError(
			`${name} is a rate: give its limit in percentage points without %, e.g. ${example(name)} (got "${item}")`,
		)
	}
	if (mode === 'relative' && !percent) {
		throw new RegressionSpecError(
			`${name} takes a relative limit in %, e.g. ${example(name)} (got "${item}")`,
		)
	}
	const limit = NUMBER.test(text) ? Number(text) : NaN
	if (!Number.isFinite(limit)) {
		throw new RegressionSpecError(`"${item}": the limit must be a number, e.g. ${example(name)}`)
	}
	return { metric: name, mode, limit }
}

/** Parses the flag's value; throws RegressionSpecError naming the problem and the allowed metrics. */
export function parseRegressionChecks(spec: string): RegressionCheck[] {
	const items = spec.split(',').map((s) => s.trim())
	if (items.every((s) => s === '')) {
		throw new RegressionSpecError(
			`no checks given; e.g. cost-per-conversation:+10%,p95:+20%,error-rate:+1 (allowed: ${REGRESSION_METRICS.join(', ')})`,
		)
	}
	const checks: RegressionCheck[] = []
	for (const item of items) {
		if (item === '') throw new RegressionSpecError(`empty item in "${spec}"`)
		const check = parseItem(item)
		if (checks.some((c) => c.metric === check.metric)) {
			throw new RegressionSpecError(`${check.metric} is given twice`)
		}
		checks.push(check)
	}
	return checks
}

/** The canonical spec; parseRegressionChecks(formatRegressionChecks(c)) deep-equals c. */
export function formatRegressionChecks(checks: readonly RegressionCheck[]): string {
	return checks.map((c) => `${c.metric}:+${c.limit}${c.mode === 'relative' ? '%' : ''}`).join(',')
}

export type RegressionStatus = 'pass' | 'regressed' | 'unavailable'

export type RegressionResult = {
	metric: MetricName
	label: string
	unit: MetricUnit
	mode: RegressionMode
	limit: number
	baseline: number | null
	current: number | null
	delta: number | null
	deltaPct: number | null
	/**
	 * 'unavailable' when either run lacks the figure (e.g. TTFT of a run that did not stream).
	 * It fails the gate like a regression: a check that was asked for never passes unmeasured.
	 */
	status: RegressionStatus
	regressed: boolean
	message: string
}

/**
 * Relative floating-point slack, so 0.1 raised by 10 % is not "above" 0.11; relative because
 * a cost per message of $0.000002 is as real a figure as $2.
 */
const EPS = 1e-9

function exceeds(check: RegressionCheck, b: number, c: number): boolean {
	const slack = EPS * Math.max(Math.abs(b), Math.abs(c))
	if (check.mode === 'points') return c - b > check.limit + slack
	return c - b > (Math.abs(b) * check.limit) / 100 + slack
}

function explain(r: Omit<RegressionResult, 'message'>): string {
	const allowed = r.mode === 'points' ? `+${r.limit} points` : `+${r.limit} %`
	if (r.status === 'unavailable') {
		const missing = r.baseline === null ? 'the baseline' : 'the current run'
		return `${r.label}: not measured in ${missing} (baseline ${formatValue(r.unit, r.baseline)}, current ${formatValue(r.unit, r.current)}), allowed ${allowed}`
	}
	const change =
		r.mode === 'points'
			? formatDelta(r.unit, r.delta)
			: r.deltaPct === null
				? `${formatDelta(r.unit, r.delta)}, from 0`
				: formatPct(r.deltaPct)
	const verdict = r.status === 'regressed' ? 'regressed' : 'within limit'
	return `${r.label} ${formatValue(r.unit, r.baseline)} → ${formatValue(r.unit, r.current)} (${change}), allowed ${allowed}: ${verdict}`
}

export function evaluateRegression(
	check: RegressionCheck,
	baseline: ComparableSummary,
	current: ComparableSummary,
): RegressionResult {
	const d = metricDelta(check.metric, baseline, current)
	const status: RegressionStatus =
		d.baseline === null || d.current === null
			? 'unavailable'
			: exceeds(check, d.baseline, d.current)
				? 'regressed'
				: 'pass'
	const r = {
		metric: check.metric,
		label: d.label,
		unit: d.unit,
		mode: check.mode,
		limit: check.limit,
		baseline: d.baseline,
		current: d.current,
		delta: d.delta,
		deltaPct: d.deltaPct,
		status,
		regressed: status === 'regressed',
	}
	return { ...r, message: explain(r) }
}

export type RegressionVerdict = {
	checks: RegressionResult[]
	/** Every check passed (an unavailable figure does not pass). */
	passed: boolean
}

export function evaluateRegressions(
	baseline: ComparableSummary,
	current: ComparableSummary,
	checks: readonly RegressionCheck[],
): RegressionVerdict {
	const results = checks.map((c) => evaluateRegression(c, baseline, current))
	return { checks: results, passed: results.every((r) => r.status === 'pass') }
}
