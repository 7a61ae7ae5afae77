import { describe, expect, test } from 'bun:test'
import { validateFlow } from '../../src/engine/flow-validation'
import { runConversation } from '../../src/engine/interpreter'
import { scenarioProblems } from '../../src/scenarios/service'
import { SCENARIO_TEMPLATES } from '../../src/scenarios/templates-library'
import { fakeClock, fakeSend, ok, recorder } from '../helpers/engine-fakes'

describe('built-in templates', () => {
	test('at least 12, unique ids', () => {
		expect(SCENARIO_TEMPLATES.length).toBeGreaterThanOrEqual(12)
		expect(new Set(SCENARIO_TEMPLATES.map((t) => t.id)).size).toBe(SCENARIO_TEMPLATES.length)
	})

	for (const t of SCENARIO_TEMPLATES) {
		test(`${t.id}: validates and runs a conversation against a fake sender`, async () => {
			expect(validateFlow(t.flowConfig, { messageTemplates: t.messageTemplates })).toEqual([])
			expect(scenarioProblems({ ...t, flowConfig: t.flowConfig })).toEqual([])
			// Alternate refusals and long answers so both branches of branching templates run.
			const s = fakeSend((_m, n) => ok(n % 2 ? "Sorry, I can't do that." : 'Sure! '.repeat(500)))
			const rec = recorder()
			const { clock } = fakeClock()
			const r = await runConversation({
				flow: t.flowConfig,
				send: s.send,
				recorder: rec,
				clock,
				signal: new AbortController().signal,
				conversationIndex: 0,
				sessionId: 'sess',
				variables: t.messageTemplates,
				verbosityLevel: t.verbosityLevel,
				delayBetweenMs: t.delayBetweenMs,
				errorHandling: t.errorHandling,
			})
			expect(r.aborted).toBe(false)
			expect(r.messages).toBeGreaterThan(0)
			expect(rec.records).toHaveLength(r.messages)
			// Every placeholder was substituted.
			for (const c of s.calls) expect(c.message).not.toMatch(/\{\{\s*[A-Za-z_][\w.-]*\s*\}\}/)
		})
	}
})
