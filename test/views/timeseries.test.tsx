import { describe, expect, test } from 'bun:test'
import type { TimeseriesPoint } from '../../src/metrics/model'
import { TimeseriesCharts } from '../../views/sessions/timeseries'

const point = (ts: string, completed: number, costUsd: number): TimeseriesPoint => ({
	ts,
	started: completed,
	completed,
	dropped: 0,
	inFlight: 2,
	errors: 0,
	errorsByType: {},
	rateLimited: 0,
	promptTokens: 10,
	completionTokens: 10,
	costUsd,
	responseTimeMs: { p50: 50, p95: 80, p99: 90, count: completed },
	ttftMs: { p50: null, p95: null, p99: null, count: 0 },
})

describe('TimeseriesCharts', () => {
	test('an idle stretch draws as zeros between its ends; cumulative cost adds up', () => {
		const html = String(
			TimeseriesCharts({
				series: {
					status: 'COMPLETED',
					seconds: 1,
					relativeError: 0.01,
					points: [
						point('2026-01-01T00:00:00.000Z', 4, 0.5),
						point('2026-01-01T00:01:40.000Z', 6, 0.25),
					],
				},
			}),
		)
		expect(html).toContain('data-timeseries-points="2"')
		// Requests per second: 4 at 0 s, 0 at 1 s and at 99 s (the idle stretch), 6 at 100 s.
		const rate = /id="ts-rate"[\s\S]*?<path d="([^"]+)"/.exec(html)![1]!
		expect(rate.split(/[ML]/).filter(Boolean)).toHaveLength(4)
		// p50 breaks over the idle stretch (two separate pieces, each a marker: 50 ms).
		const latency = /id="ts-latency"[\s\S]*?<path d="([^"]+)"/.exec(html)![1]!
		expect(latency.match(/M/g)).toHaveLength(2)
		expect(html).toContain('p50: 50 ms at 100')
		expect(html).toContain('Cost per minute')
		expect(html).toContain('±1 % (sketch)')
		// Cumulative cost: $0.50, then $0.75 at the end.
		expect(html).toContain('cumulative $: $0.75 at 100')
	})
})
