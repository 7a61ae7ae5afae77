import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { METRIC_NAMES, compareSummaries, type ComparableSummary } from '../../src/compare/metrics'
import {
	REGRESSION_METRICS,
	RegressionSpecError,
	evaluateRegressions,
	formatRegressionChecks,
	modeOf,
	parseRegressionChecks,
	type RegressionCheck,
} from '../../src/compare/regression'
import { METRICS } from '../../src/compare/metrics'
import { summary } from './summary-fixture'

const ALLOWED = REGRESSION_METRICS.join(', ')

describe('--fail-on-regression parsing', () => {
	test("the issue's example", () => {
		expect(parseRegressionChecks('cost-per-conversation:+10%,p95:+20%,error-rate:+1')).toEqual([
			{ metric: 'cost-per-conversation', mode: 'relative', limit: 10 },
			{ metric: 'p95', mode: 'relative', limit: 20 },
			{ metric: 'error-rate', mode: 'points', limit: 1 },
		])
	})

	test('every metric the issue names is allowed; display-only metrics are not', () => {
		for (const m of [
			'cost-per-conversation',
			'cost-per-message',
			'cost',
			'p50',
			'p95',
			'p99',
			'avg',
			'ttft-p95',
			'tokens',
			'output-per-input',
			'error-rate',
			'tpot',
		]) {
			expect(REGRESSION_METRICS).toContain(m as never)
		}
		expect(REGRESSION_METRICS).not.toContain('messages' as never)
		expect(REGRESSION_METRICS).not.toContain('rate-limit-events' as never)
	})

	test('spaces, a missing plus, decimals and exponents are accepted', () => {
		expect(parseRegressionChecks(' p95 : 20.5% , error-rate: 0.25 ,cost:+0%')).toEqual([
			{ metric: 'p95', mode: 'relative', limit: 20.5 },
			{ metric: 'error-rate', mode: 'points', limit: 0.25 },
			{ metric: 'cost', mode: 'relative', limit: 0 },
		])
		expect(parseRegressionChecks('tokens:+1e1%')[0].limit).toBe(10)
	})

	test.each([
		[
			'',
			`no checks given; e.g. cost-per-conversation:+10%,p95:+20%,error-rate:+1 (allowed: ${ALLOWED})`,
		],
		['latency:+10%', `unknown metric "latency"; allowed: ${ALLOWED}`],
		['messages:+10%', `unknown metric "messages"; allowed: ${ALLOWED}`],
		['constructor:+1%', `unknown metric "constructor"; allowed: ${ALLOWED}`],
		['p95', 'expected METRIC:+LIMIT, e.g. p95:+20% or error-rate:+1 (got "p95")'],
		['p95:+20', 'p95 takes a relative limit in %, e.g. p95:+10% (got "p95:+20")'],
		[
			'error-rate:+1%',
			'error-rate is a rate: give its limit in percentage points without %, e.g. error-rate:+1 (got "error-rate:+1%")',
		],
		[
			'p95:-5%',
			'a limit is the largest allowed increase, so it is not negative (got "p95:-5%"); e.g. p95:+10%',
		],
		['p95:+abc%', '"p95:+abc%": the limit must be a number, e.g. p95:+10%'],
		['p95:+%', '"p95:+%": the limit must be a number, e.g. p95:+10%'],
		['p95:+0x10%', '"p95:+0x10%": the limit must be a number, e.g. p95:+10%'],
		['p95:+10%,p95:+20%', 'p95 is given twice'],
		['p95:+10%,', 'empty item in "p95:+10%,"'],
	])('%p is refused: %s', (spec, message) => {
		expect(() => parseRegressionChecks(spec)).toThrow(RegressionSpecError)
		expect(() => parseRegressionChecks(spec)).toThrow(message)
	})

	const checksArb = fc
		.uniqueArray(fc.constantFrom(...REGRESSION_METRICS), { minLength: 1 })
		.chain((metrics) =>
			fc.tuple(
				...metrics.map((metric) =>
					fc
						.oneof(
							fc.integer({ min: 0, max: 1000 }),
							fc.double({ min: 0, max: 1e6, noNaN: true, noDefaultInfinity: true }),
							fc.double({ min: 0, max: 1e-6, noNaN: true }),
						)
						.map((limit) => ({ metric, mode: modeOf(METRICS[metric].unit), limit: limit + 0 })),
				),
			),
		)

	test('round trip: parse(format(checks)) equals checks', () => {
		fc.assert(
			fc.property(checksArb, (checks: RegressionCheck[]) => {
				expect(parseRegressionChecks(formatRegressionChecks(checks))).toEqual(checks)
			}),
		)
	})

	test('round trip: any accepted spelling formats to a canonical spec that parses the same', () => {
		const spelled = checksArb.chain((checks) =>
			fc
				.tuple(...checks.map(() => fc.tuple(fc.boolean(), fc.constantFrom('', ' ', '  '))))
				.map((styles) =>
					checks
						.map(
							(c, i) =>
								`${styles[i][1]}${c.metric}${styles[i][1]}:${styles[i][0] ? '+' : ''}${c.limit}${c.mode === 'relative' ? '%' : ''}${styles[i][1]}`,
						)
						.join(','),
				),
		)
		fc.assert(
			fc.property(spelled, (spec) => {
				const parsed = parseRegressionChecks(spec)
				const canonical = formatRegressionChecks(parsed)
				expect(canonical).not.toContain(' ')
				expect(parseRegressionChecks(canonical)).toEqual(parsed)
			}),
		)
	})
})

describe('evaluating checks against a baseline', () => {
	const checks = parseRegressionChecks('cost-per-conversation:+10%,p95:+20%,error-rate:+1')

	test('an equal run passes every check', () => {
		const v = evaluateRegressions(summary(), summary(), checks)
		expect(v.passed).toBe(true)
		expect(v.checks.map((c) => [c.metric, c.status, c.delta, c.deltaPct])).toEqual([
			['cost-per-conversation', 'pass', 0, 0],
			['p95', 'pass', 0, 0],
			['error-rate', 'pass', 0, 0],
		])
	})

	test('a 30 % costlier run fails cost-per-conversation:+10% with a readable message', () => {
		const v = evaluateRegressions(
			summary(),
			summary({ totalCostUsd: 2.548, costPerConversationUsd: 0.1274 }),
			checks,
		)
		expect(v.passed).toBe(false)
		const c = v.checks[0]
		expect(c).toMatchObject({
			metric: 'cost-per-conversation',
			baseline: 0.098,
			current: 0.1274,
			limit: 10,
			mode: 'relative',
			status: 'regressed',
			regressed: true,
		})
		expect(c.delta).toBeCloseTo(0.0294, 12)
		expect(c.deltaPct).toBeCloseTo(30, 9)
		expect(c.message).toBe(
			'cost per conversation $0.0980 → $0.1274 (+30.0 %), allowed +10 %: regressed',
		)
		expect(v.checks.slice(1).every((x) => x.status === 'pass')).toBe(true)
	})

	test('exactly at the limit passes (strictly above fails), in % and in points', () => {
		const at = summary({ p95ResponseTimeMs: 960, errorRate: 3, costPerConversationUsd: 0.1078 })
		expect(evaluateRegressions(summary(), at, checks).passed).toBe(true)
		const above = evaluateRegressions(
			summary(),
			summary({ p95ResponseTimeMs: 960.1, errorRate: 3.01 }),
			checks,
		)
		expect(above.checks.map((c) => c.status)).toEqual(['pass', 'regressed', 'regressed'])
		expect(above.checks[2].message).toBe(
			'error rate 2.00 % → 3.01 % (+1.01 points), allowed +1 points: regressed',
		)
	})

	test('a baseline of 0 regresses on any increase; the relative change is null, not Infinity', () => {
		const [c] = evaluateRegressions(
			summary({ totalCostUsd: 0 }),
			summary({ totalCostUsd: 0.5 }),
			parseRegressionChecks('cost:+1000%'),
		).checks
		expect(c.status).toBe('regressed')
		expect(c.deltaPct).toBeNull()
		expect(c.message).toBe(
			'cost per session $0.00 → $0.5000 (+$0.5000, from 0), allowed +1000 %: regressed',
		)
		expect(JSON.parse(JSON.stringify(c)).deltaPct).toBeNull()
	})

	test('a figure missing on either side is unavailable and fails the gate', () => {
		const v = evaluateRegressions(
			summary(),
			summary({ ttft: null }),
			parseRegressionChecks('ttft-p95:+10%,tpot:+10%'),
		)
		expect(v.passed).toBe(false)
		expect(v.checks.map((c) => [c.status, c.regressed])).toEqual([
			['unavailable', false],
			['unavailable', false],
		])
		expect(v.checks[0].message).toBe(
			'p95 TTFT: not measured in the current run (baseline 200.0 ms, current –), allowed +10 %',
		)
		expect(v.checks[1].message).toContain('not measured in the baseline')
	})

	test('an improvement passes whatever the limit', () => {
		fc.assert(
			fc.property(
				fc.double({ min: 0, max: 1e6, noNaN: true }),
				fc.double({ min: 0, max: 1, noNaN: true }),
				fc.double({ min: 0, max: 100, noNaN: true }),
				(base, factor, limit) => {
					const v = evaluateRegressions(
						summary({ p95ResponseTimeMs: base }),
						summary({ p95ResponseTimeMs: base * factor }),
						[{ metric: 'p95', mode: 'relative', limit }],
					)
					expect(v.passed).toBe(true)
				},
			),
		)
	})

	test('just beyond the limit regresses; at the limit passes (float slack only)', () => {
		fc.assert(
			fc.property(
				fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
				fc.double({ min: 0, max: 500, noNaN: true }),
				(base, limit) => {
					const check = [{ metric: 'p99', mode: 'relative', limit }] as RegressionCheck[]
					const at = base * (1 + limit / 100)
					const run = (v: number) =>
						evaluateRegressions(
							summary({ p99ResponseTimeMs: base }),
							summary({ p99ResponseTimeMs: v }),
							check,
						)
					expect(run(at).passed).toBe(true)
					expect(run(at * (1 + 1e-6)).checks[0].status).toBe('regressed')
				},
			),
		)
	})
})

describe('comparing two summaries', () => {
	test('one row per metric with absolute and relative deltas', () => {
		const base = summary()
		const cur = summary({
			totalMessages: 220,
			successfulMessages: 200,
			totalCostUsd: 2.4,
			costPerConversationUsd: 0.12,
			p95ResponseTimeMs: 1000,
			errorRate: 9.091,
			ttft: null,
			rateLimit: { ...base.rateLimit, events: 3, limitMet: true },
		})
		const rows = compareSummaries(base, cur)
		expect(rows.map((r) => r.metric)).toEqual(METRIC_NAMES)
		const row = (m: string) => rows.find((r) => r.metric === m)!
		expect(row('messages')).toMatchObject({
			baseline: 200,
			current: 220,
			delta: 20,
			deltaPct: 10,
			better: null,
		})
		expect(row('p95')).toMatchObject({
			baseline: 800,
			current: 1000,
			delta: 200,
			deltaPct: 25,
			unit: 'ms',
		})
		expect(row('error-rate').delta).toBeCloseTo(7.091, 12)
		expect(row('cost-per-message')).toMatchObject({ baseline: 0.01, current: 0.012 })
		expect(row('cost-per-message').deltaPct).toBeCloseTo(20, 9)
		expect(row('ttft-p95')).toMatchObject({
			baseline: 200,
			current: null,
			delta: null,
			deltaPct: null,
		})
		expect(row('rate-limit-events')).toMatchObject({
			baseline: 0,
			current: 3,
			delta: 3,
			deltaPct: null,
		})
		expect(row('tpot')).toMatchObject({ baseline: null, current: null })
	})

	test('a chosen subset, in the order asked; a summary with TPOT is read', () => {
		const withTpot: ComparableSummary = { ...summary(), tpot: { p50Ms: 20, p95Ms: 40, p99Ms: 60 } }
		const rows = compareSummaries(
			withTpot,
			{ ...withTpot, tpot: { p50Ms: 25, p95Ms: 40, p99Ms: 60 } },
			['tpot', 'cost'],
		)
		expect(rows.map((r) => [r.metric, r.delta, r.deltaPct])).toEqual([
			['tpot', 5, 25],
			['cost', 0, 0],
		])
	})
})
