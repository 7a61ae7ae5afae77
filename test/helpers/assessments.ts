import { expect } from 'bun:test'
import type { AssessmentView, Finding } from '../../src/assessments/model'
import { call } from './deps'
import { createPresetTarget, type useMockRun, waitFor } from './mock-run'

/**
 * Starts an assessment of an openai-chat target on the mock with `personas` (its consumption
 * controls, src/mock/controls.ts), the mock's counters reset; its id.
 */
export async function startAssessment(
	run: ReturnType<typeof useMockRun>,
	personas: string,
	body: Record<string, unknown>,
): Promise<string> {
	const target = await createPresetTarget(
		run.deps,
		'openai-chat',
		`${run.mock.url}/persona/${personas}`,
	)
	run.mock.resetStats()
	const res = await call(run.deps.app, 'POST', '/api/assessments', { targetId: target.id, ...body })
	expect(res.status).toBe(202)
	expect(res.json.data.estimate.requests).toBeGreaterThan(0)
	return res.json.data.assessmentId as string
}

/** `startAssessment`, then waits for it to end. */
export async function runAssessment(
	run: ReturnType<typeof useMockRun>,
	personas: string,
	body: Record<string, unknown>,
): Promise<AssessmentView> {
	const id = await startAssessment(run, personas, body)
	return (await waitFor(
		async () => {
			const r = await call(run.deps.app, 'GET', `/api/assessments/${id}`)
			return ['COMPLETED', 'FAILED', 'CANCELLED'].includes(r.json.data.status) && r.json.data
		},
		55_000,
		'assessment end',
	)) as AssessmentView
}

/** The finding of one probe. */
export const findingOf = (a: AssessmentView, probe: Finding['probe']) =>
	a.findings.find((f) => f.probe === probe)!
