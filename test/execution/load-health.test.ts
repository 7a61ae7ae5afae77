import { describe, expect, test } from 'bun:test'
import { renderSummary } from '../../src/cli/run'
import { startHealthMonitor } from '../../src/execution/health'
import type { SummaryMetrics } from '../../src/execution/summary-metrics'
import { call } from '../helpers/deps'
import { createPresetTarget, createScenario, useMockRun, waitForStatus } from '../helpers/mock-run'

/** docs/architecture.md §5: load-generator health, sampled in every run. */
const run = useMockRun()

async function start(slowMs: number, repetitions: number) {
	const target = await createPresetTarget(
		run.deps,
		'openai-chat',
		`${run.mock.url}/persona/slow:${slowMs}`,
	)
	const scenario = await createScenario(run.deps, {
		flowConfig: [{ id: 'hi', type: 'message', config: { message: 'Hello' } }],
		repetitions,
		concurrency: 1,
	})
	run.mock.resetStats()
	const r = await call(run.deps.app, 'POST', '/api/execute', {
		targetId: target.id,
		scenarioId: scenario.id,
	})
	expect(r.status).toBe(202)
	return r.json.data.sessionId as string
}

const busy = (ms: number) => {
	const end = performance.now() + ms
	while (performance.now() < end) {}
}

describe('load-generator health', () => {
	test('a normal run: health sampled, in the summary, not suspect', async () => {
		// A first run warms the process (code paths compiled, the embedded database's first writes);
		// its health is sampled too.
		const warm = await waitForStatus(run.deps, await start(5, 3), ['COMPLETED'])
		expect((warm.summaryMetrics as SummaryMetrics).loadGenerator?.samples).toBeGreaterThan(0)
		const id = await start(60, 6)
		const s = await waitForStatus(run.deps, id, ['COMPLETED'])
		const m = s.summaryMetrics as SummaryMetrics
		expect(m.totalMessages).toBe(6)
		expect(run.mock.stats.requests).toBe(6)
		const lg = m.loadGenerator!
		expect(lg).not.toBeNull()
		// 6 replies of ≥ 60 ms: at least 3 samples at 100 ms.
		expect(lg.samples).toBeGreaterThanOrEqual(3)
		expect(lg.sampleIntervalMs).toBe(100)
		expect(lg.limits).toEqual({ maxCpuPct: 80, maxLagP99Ms: 50 })
		expect(lg.eventLoopLagMs.p50).toBeLessThanOrEqual(lg.eventLoopLagMs.p99)
		expect(lg.eventLoopLagMs.p99).toBeLessThanOrEqual(lg.eventLoopLagMs.max)
		expect(lg.cpuPct.avg).toBeGreaterThanOrEqual(0)
		expect(lg.cpuPct.avg).toBeLessThanOrEqual(lg.cpuPct.max)
		expect(lg.eventLoopLagMs.p99).toBeLessThan(50)
		expect(lg.cpuPct.avg).toBeLessThan(80)
		expect(lg.suspect).toBe(false)
		expect(lg.reasons).toEqual([])
		expect(renderSummary(m, s.status)).not.toContain('⚠')
		const page = await call(run.deps.app, 'GET', `/sessions/${id}`)
		expect(page.status).toBe(200)
		expect(page.text).toContain('id="session-summary"')
		expect(page.text).not.toContain('load-generator-warning')
		const api = await call(run.deps.app, 'GET', `/api/sessions/${id}`)
		expect(api.json.data.summaryMetrics.loadGenerator).toEqual(lg)
	}, 30_000)

	test('a run whose process is saturated (event loop blocked) is flagged suspect, with reasons', async () => {
		const id = await start(30, 8)
		// The test shares the worker's process: blocking it is what a saturated generator does.
		for (;;) {
			const [row] = await run.deps.db.query.sessions.findMany({
				where: (x, { eq }) => eq(x.id, id),
				limit: 1,
			})
			if (row && !['QUEUED', 'RUNNING', 'PENDING'].includes(row.status)) break
			busy(250)
			await Bun.sleep(5)
		}
		const s = await waitForStatus(run.deps, id, ['COMPLETED'])
		const m = s.summaryMetrics as SummaryMetrics
		expect(m.totalMessages).toBe(8)
		expect(run.mock.stats.requests).toBe(8)
		const lg = m.loadGenerator!
		expect(lg.suspect).toBe(true)
		expect(lg.eventLoopLagMs.max).toBeGreaterThanOrEqual(100)
		expect(lg.eventLoopLagMs.p99).toBeGreaterThanOrEqual(50)
		expect(lg.reasons.some((r) => r.startsWith('event-loop lag p99'))).toBe(true)
		// 250 ms busy per ~255 ms; how much of a core that is depends on the machine's other load
		// (2 shared cores), so the CPU limit itself is checked in the next test.
		expect(lg.cpuPct.max).toBeGreaterThan(0)
		expect(renderSummary(m, s.status)).toContain('⚠ latencies suspect: event-loop lag p99')
		const page = await call(run.deps.app, 'GET', `/sessions/${id}`)
		expect(page.text).toContain('id="load-generator-warning"')
		expect(page.text).toContain('Latencies suspect')
	}, 60_000)

	test('the monitor flags CPU at its limit and keeps lag within what it saw', async () => {
		const h = startHealthMonitor({ maxCpuPct: 5, maxLagMs: 10_000 })
		for (let i = 0; i < 4; i++) {
			busy(120)
			await Bun.sleep(1)
		}
		const lg = h.stop()
		expect(lg.samples).toBeGreaterThanOrEqual(2)
		expect(lg.cpuPct.avg).toBeGreaterThanOrEqual(5)
		expect(lg.suspect).toBe(true)
		expect(lg.reasons).toHaveLength(1)
		expect(lg.reasons[0]).toStartWith('load-generator CPU averaged')
		// A lag of at least one blocked stretch beyond the 100 ms period, never more than the whole.
		expect(lg.eventLoopLagMs.max).toBeGreaterThan(0)
		expect(lg.eventLoopLagMs.max).toBeLessThan(500)
		const idle = startHealthMonitor({ maxCpuPct: 80, maxLagMs: 10_000 })
		await Bun.sleep(350)
		const calm = idle.stop()
		expect(calm.samples).toBeGreaterThanOrEqual(3)
		expect(calm.suspect).toBe(false)
	})
})
