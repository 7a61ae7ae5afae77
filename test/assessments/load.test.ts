import { describe, expect, test } from 'bun:test'
import { runAssessment, findingOf } from '../helpers/assessments'
import { useMockRun } from '../helpers/mock-run'

/**
 * Assessments against the real mock with its consumption controls on and off
 * (src/mock/controls.ts): the findings name exactly the controls that are on, at their
 * configured value ±15 %, "none up to the bound" for the others, and the assessment never
 * passes its limits (the mock's own counters say what it served).
 */
const run = useMockRun()
const GENEROUS = { maxCostUsd: 5, maxRequests: 2000, maxDurationSec: 120 }

const assess = (personas: string, body: Record<string, unknown>) =>
	runAssessment(run, personas, body)

const finding = findingOf

describe('assessment: load probes', () => {
	test('rate limit 20/s found at 17–23/s, per key', async () => {
		const a = await assess('ratelimit:20', {
			probes: ['rate'],
			limits: GENEROUS,
			options: { maxRatePerSec: 60, rateStepSec: 1 },
		})
		const f = finding(a, 'rate')
		expect(f.verdict).toBe('present')
		expect(f.value!).toBeGreaterThanOrEqual(17)
		expect(f.value!).toBeLessThanOrEqual(23)
		expect(f.figures.scope).toBe('key')
		expect(f.figures.retryAfterSec).not.toBeNull()
		expect(run.mock.stats.refused.rateLimit).toBeGreaterThan(0)
		expect(a.headline!.burnPerHourUsd).toBeGreaterThan(0)
	}, 60_000)

	test('every control off: none up to the bound, for each probe', async () => {
		const a = await assess('obedient:3000,slow:80', {
			limits: GENEROUS,
			options: {
				maxDepthTurns: 6,
				maxInputChars: 8000,
				maxRatePerSec: 12,
				rateStepSec: 0.5,
				maxConcurrency: 4,
				spendDurationSec: 2,
			},
		})
		expect(a.status).toBe('COMPLETED')
		for (const f of a.findings)
			expect([f.probe, f.verdict, f.reason]).toEqual([f.probe, 'absent', undefined])
		expect(finding(a, 'depth').value).toBe(6)
		expect(finding(a, 'input').value).toBe(8000)
		expect(a.headline!.controlsFound).toEqual([])
		expect(a.headline!.rateBounded).toBe(false)
		expect(Object.values(run.mock.stats.refused).every((n) => n === 0)).toBe(true)
	}, 60_000)
})
