import { describe, expect, test } from 'bun:test'
import type { SessionSeries } from '../../src/metrics/model'
import { SessionCharts } from '../../views/sessions/charts'
import { StatusBadge } from '../../views/ui/badge'
import {
	formatDate,
	formatInteger,
	formatInZone,
	formatMs,
	formatNumber,
	formatPercent,
	formatPValue,
	formatRate,
	formatUsd,
} from '../../views/ui/format'

describe('views/ui/format.ts: one way to write each kind of number', () => {
	test('dollars: float noise is $0, small costs keep two significant digits, never an exponent', () => {
		expect(formatUsd(-2.7e-21)).toBe('$0')
		expect(formatUsd(3e-12)).toBe('$0')
		expect(formatUsd(0)).toBe('$0')
		expect(formatUsd(1.2e-7)).toBe('$0.00000012')
		expect(formatUsd(0.0000123)).toBe('$0.000012')
		expect(formatUsd(0.00999)).toBe('$0.01')
		expect(formatUsd(0.0123)).toBe('$0.0123')
		expect(formatUsd(12.5)).toBe('$12.50')
		expect(formatUsd(21189.4)).toBe('$21,189')
		expect(formatUsd(-0.0042)).toBe('-$0.0042')
		expect(formatUsd(null)).toBe('—')
		expect(formatUsd(Number.NaN)).toBe('—')
		for (const v of [1e-8, 5e-9, 0.1 + 0.2, 1 / 3, 123456.789])
			expect(formatUsd(v)).not.toMatch(/e[-+]/)
	})

	test('rates keep a few significant digits: no 21189.112 tokens/s', () => {
		expect(formatRate(21189.112)).toBe('21,189')
		expect(formatRate(12.345)).toBe('12.3')
		expect(formatRate(0.7368)).toBe('0.74')
		expect(formatRate(2)).toBe('2')
		expect(formatRate(null)).toBe('—')
	})

	test('milliseconds, counts, compact figures, percentages', () => {
		expect(formatMs(3.25)).toBe('3.3 ms')
		expect(formatMs(250.4)).toBe('250 ms')
		expect(formatMs(1250)).toBe('1.25 s')
		expect(formatMs(null)).toBe('—')
		expect(formatInteger(1234567)).toBe('1,234,567')
		expect(formatInteger(undefined)).toBe('—')
		expect(formatNumber(950)).toBe('950')
		expect(formatNumber(12_345)).toBe('12.3k')
		expect(formatNumber(4_500_000)).toBe('4.5M')
		expect(formatNumber(0.25)).toBe('0.25')
		expect(formatPValue(0.0423)).toBe('p = 0.042')
		expect(formatPValue(0.00512)).toBe('p = 0.0051')
		expect(formatPValue(1)).toBe('p = 1')
		expect(formatPValue(1.6e-6)).toBe('p < 0.001')
		expect(formatPValue(null)).toBe('—')
		expect(formatPercent(7.69)).toBe('7.69%')
		expect(formatPercent(33.3333)).toBe('33.33%')
		expect(formatPercent(100)).toBe('100%')
		expect(formatPercent(33.3333, 1)).toBe('33.3%')
	})

	test('dates: stored instants in UTC to the second; schedules in their own zone', () => {
		expect(formatDate(new Date('2026-01-26T14:03:07.123Z'))).toBe('2026-01-26 14:03:07 UTC')
		expect(formatDate('2026-01-26T14:03:07Z')).toBe('2026-01-26 14:03:07 UTC')
		expect(formatDate(null)).toBe('—')
		expect(formatDate('not a date')).toBe('—')
		expect(formatInZone('2026-03-30T00:30:00Z', 'Europe/Berlin')).toBe(
			'Mon, Mar 30, 2026, 02:30 GMT+2',
		)
	})
})

describe('rendered figures use it', () => {
	test('a float-noise cost slope shows as $0 in the session charts', () => {
		const series: SessionSeries = {
			sessionId: 's1',
			status: 'COMPLETED',
			messageCount: 0,
			bucketSize: 1,
			timeline: [],
			perTurn: [],
			latency: { bins: [] },
			aggregate: {
				totalSessions: 1,
				totalMessages: 0,
				totalTokens: 0,
				avgResponseTimeMs: null,
				totalErrors: 0,
				errorRate: 0,
				totalCostUsd: 0,
				unpricedMessages: 0,
				promptTokens: 0,
				completionTokens: 0,
				outputPerInputToken: null,
				responseTimeMs: { min: null, max: null, p50: null, p90: null, p95: null, p99: null },
				conversations: 0,
				costPerConversationUsd: null,
				tpotMs: { p50: null, p95: null, p99: null },
				itlMs: { p50: null, p95: null, p99: null },
				outputTokensPerSecond: { p50: null, p95: null, p99: null },
				percentiles: { source: 'rows', relativeError: 0, sessionsWithoutSketch: 0 },
			},
			amplification: {
				outputPerInputToken: 1.23456,
				costGrowthPerTurnUsd: -2.7e-21,
				promptTokenGrowthPerTurn: 21189.112,
				conversations: 1,
				avgCostPerConversationUsd: null,
				lastToFirstTurnCostRatio: 2.5,
			},
		}
		const html = String(<SessionCharts series={series} />)
		expect(html).not.toContain('e-21')
		expect(html).toContain('>$0</dd>')
		expect(html).toContain('>1.23</dd>')
		expect(html).toContain('>21.2k</dd>')
		expect(html).toContain('>2.5×</dd>')
	})

	test('one StatusBadge: the colour of a status is the same on every screen', () => {
		expect(String(<StatusBadge status="RUNNING" />)).toBe(
			'<span class="badge bg-blue-100 text-blue-800" data-status="RUNNING">RUNNING</span>',
		)
		expect(String(<StatusBadge status="<x>" />)).toContain('&lt;x&gt;')
	})
})
