import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { sessionLogFile } from '../../src/sessions/log-path'
import { call } from '../helpers/deps'
import {
	createPresetTarget,
	createScenario,
	messageRows,
	useMockRun,
	waitForStatus,
} from '../helpers/mock-run'

const run = useMockRun()

const rowsOf = (id: string) => messageRows(run.deps, id)

describe('end to end against the mock', () => {
	test('a scenario with a loop, a conditional and delays: rows, JSONL and summary agree with the mock', async () => {
		const target = await createPresetTarget(run.deps, 'openai-chat', run.mock.url)
		const scenario = await createScenario(run.deps, {
			flowConfig: [
				{ id: 'hello', type: 'message', config: { message: 'Hello {{name}}' } },
				{ id: 'pause', type: 'delay', config: { durationMs: 5 } },
				{
					id: 'loop',
					type: 'loop',
					config: {
						iterations: 3,
						steps: [
							{
								id: 'again',
								type: 'message',
								config: { message: 'Tell me more, turn {{turnIndex}}' },
							},
						],
					},
				},
				{
					id: 'branch',
					type: 'conditional',
					config: {
						condition: 'length>0',
						then: [{ id: 'yes', type: 'message', config: { message: 'Thanks!' } }],
						else: [{ id: 'no', type: 'message', config: { message: 'Nothing?' } }],
					},
				},
			],
			messageTemplates: { name: 'bot' },
			repetitions: 3,
			concurrency: 2,
			delayBetweenMs: 2,
		})
		run.mock.resetStats()
		const r = await call(run.deps.app, 'POST', '/api/execute', {
			targetId: target.id,
			scenarioId: scenario.id,
		})
		expect(r.status).toBe(202)
		expect(r.json.data.status).toBe('QUEUED')
		const id = r.json.data.sessionId
		const s = await waitForStatus(run.deps, id, ['COMPLETED', 'FAILED', 'CANCELLED'])
		expect(s.status).toBe('COMPLETED')
		const rows = await rowsOf(id)
		// 3 conversations × (hello + 3 loop turns + then-branch) = 15 messages
		expect(rows.length).toBe(15)
		expect(run.mock.stats.requests).toBe(15)
		expect(run.mock.stats.maxInFlight).toBeLessThanOrEqual(2)
		expect(rows.map((x) => x.seq)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1))
		expect(rows.filter((x) => x.stepId === 'yes').length).toBe(3)
		expect(rows.filter((x) => x.stepId === 'no').length).toBe(0)
		expect(rows.every((x) => x.success)).toBe(true)
		expect(rows.find((x) => x.stepId === 'hello')!.requestContent).toBe('Hello bot')
		const lines = readFileSync(sessionLogFile(run.deps.config.dataDir, id), 'utf8')
			.trim()
			.split('\n')
		expect(lines.length).toBe(15)
		expect(lines.map((l) => JSON.parse(l).seq).sort((a, b) => a - b)).toEqual(
			rows.map((x) => x.seq),
		)
		// logPath's JSONL served from the rows (the same in every mode): the file's lines exactly.
		const served = await call(run.deps.app, 'GET', `/api/sessions/${id}/log`)
		expect(served.status).toBe(200)
		expect(served.headers.get('content-type')).toContain('application/x-ndjson')
		const bySeq = (ls: string[]) =>
			ls.map((l) => JSON.parse(l)).sort((a: any, b: any) => a.seq - b.seq)
		expect(bySeq(served.text.trim().split('\n'))).toEqual(bySeq(lines))
		expect((await call(run.deps.app, 'GET', '/api/sessions/nope-nope-nope/log')).status).toBe(404)
		const m = s.summaryMetrics as any
		expect(m.totalMessages).toBe(15)
		expect(m.failedMessages).toBe(0)
		expect(m.errorRate).toBe(0)
		expect(m.totalTokens).toBe(rows.reduce((a, x) => a + (x.totalTokens ?? 0), 0))
		expect(m.totalTokens).toBeGreaterThan(0)
		expect(m.rateLimit.limitMet).toBe(false)
		expect(m.p50ResponseTimeMs).toBeGreaterThan(0)
		expect(m.conversationsCompleted).toBe(3)
		const page = await call(run.deps.app, 'GET', `/api/sessions/${id}/messages?limit=4&offset=2`)
		expect(page.status).toBe(200)
		expect(page.json.pagination).toEqual({ total: 15, limit: 4, offset: 2, hasMore: true })
		expect(page.json.data.map((x: any) => x.seq)).toEqual([3, 4, 5, 6])
		expect(page.json.data[0]).toMatchObject({
			request: rows[2].requestContent,
			response: rows[2].responseContent,
			success: true,
		})
		expect((await call(run.deps.app, 'GET', `/api/sessions/${id}/messages?limit=0`)).status).toBe(
			400,
		)
		const detail = await call(run.deps.app, 'GET', `/api/sessions/${id}`)
		expect(detail.json.data.summaryMetrics).toEqual(m)
		expect(detail.json.data.progress).toMatchObject({
			messagesCompleted: 15,
			conversationsCompleted: 3,
			errorCount: 0,
		})
		// The target's key reaches the target only: never a log line, the JSONL file or a response.
		expect(run.deps.logs.join('\n')).not.toContain('mock-key-12345')
		expect(readFileSync(sessionLogFile(run.deps.config.dataDir, id), 'utf8')).not.toContain(
			'mock-key-12345',
		)
		expect(detail.text).not.toContain('mock-key-12345')
		// History grows per turn: the prompt of each later turn is larger than the first.
		const conv0 = rows
			.filter((x) => x.conversationIndex === 0)
			.sort((a, b) => a.turnIndex - b.turnIndex)
		for (let i = 1; i < conv0.length; i++)
			expect(conv0[i].promptTokens!).toBeGreaterThan(conv0[i - 1].promptTokens!)
	})
})
