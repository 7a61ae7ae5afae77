import { describe, expect, test } from 'bun:test'
import type { AssessmentView, Finding } from '../../src/assessments/model'
import { call } from '../helpers/deps'
import { createPresetTarget, useMockRun, waitFor } from '../helpers/mock-run'

/**
 * Assessments against the real mock with its consumption controls on and off
 * (src/mock/controls.ts): the findings name exactly the controls that are on, at their
 * configured value ±15 %, "none up to the bound" for the others, and the assessment never
 * passes its limits (the mock's own counters say what it served).
 */
const run = useMockRun()
const GENEROUS = { maxCostUsd: 5, maxRequests: 2000, maxDurationSec: 120 }

async function assess(personas: string, body: Record<string, unknown>) {
	const target = await createPresetTarget(
		run.deps,
		'openai-chat',
		`${run.mock.url}/persona/${personas}`,
	)
	run.mock.resetStats()
	const res = await call(run.deps.app, 'POST', '/api/assessments', { targetId: target.id, ...body })
	expect(res.status).toBe(202)
	const id = res.json.data.assessmentId as string
	expect(res.json.data.estimate.requests).toBeGreaterThan(0)
	const a = (await waitFor(
		async () => {
			const r = await call(run.deps.app, 'GET', `/api/assessments/${id}`)
			return ['COMPLETED', 'FAILED', 'CANCELLED'].includes(r.json.data.status) && r.json.data
		},
		55_000,
		'assessment end',
	)) as AssessmentView
	return a
}

const finding = (a: AssessmentView, probe: Finding['probe']) =>
	a.findings.find((f) => f.probe === probe)!

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
