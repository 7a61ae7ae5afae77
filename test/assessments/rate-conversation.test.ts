import { expect, test } from 'bun:test'
import type { AssessmentView } from '../../src/assessments/model'
import { call } from '../helpers/deps'
import { createPresetTarget, useMockRun, waitFor } from '../helpers/mock-run'

/**
 * A rate limit per conversation (the mock's `ratelimit-conversation`): the per-key ramp (each
 * request its own conversation) is never refused, the ramp inside one conversation is, and the
 * finding says "per conversation" at the configured rate ±15 %.
 */
const run = useMockRun()

test('rate limit 10/s per conversation found per conversation at 8.5–11.5/s', async () => {
	const target = await createPresetTarget(
		run.deps,
		'openai-chat',
		`${run.mock.url}/persona/ratelimit-conversation:10`,
	)
	run.mock.resetStats()
	const res = await call(run.deps.app, 'POST', '/api/assessments', {
		targetId: target.id,
		probes: ['rate'],
		limits: { maxCostUsd: 5, maxRequests: 2000, maxDurationSec: 60 },
		options: { maxRatePerSec: 30, rateStepSec: 1 },
	})
	const id = res.json.data.assessmentId
	const a = (await waitFor(async () => {
		const r = await call(run.deps.app, 'GET', `/api/assessments/${id}`)
		return r.json.data.status === 'COMPLETED' && r.json.data
	}, 50_000)) as AssessmentView
	const f = a.findings[0]!
	expect(f.verdict).toBe('present')
	expect(f.figures.scope).toBe('conversation')
	expect(f.value!).toBeGreaterThanOrEqual(8.5)
	expect(f.value!).toBeLessThanOrEqual(11.5)
	expect(run.mock.stats.refused.rateLimit).toBeGreaterThan(0)
	expect(a.spent.requests).toBe(run.mock.stats.requests)
}, 60_000)
