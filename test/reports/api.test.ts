import { describe, expect, test } from 'bun:test'
import { call } from '../helpers/deps'
import {
	createPresetTarget,
	createScenario,
	MOCK_KEY,
	useMockRun,
	waitForStatus,
} from '../helpers/mock-run'
import { finishedReportSession, QUERY_SECRET } from './fixture'

const run = useMockRun()

describe('GET /api/sessions/:id/report', () => {
	test('html: one self-contained document with every section, no secrets; figures match the mock', async () => {
		const { id, served, summary } = await finishedReportSession(run.deps, run.mock)
		// The mock's own count of what it served is what the summary (and so the report) says.
		expect(summary.successfulMessages).toBe(served.replies)
		expect(summary.promptTokens).toBe(served.promptTokens)
		expect(summary.completionTokens).toBe(served.completionTokens)
		expect(summary.rateLimit.events).toBeGreaterThan(0)

		const r = await call(run.deps.app, 'GET', `/api/sessions/${id}/report`)
		expect(r.status).toBe(200)
		expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8')
		const html = r.text
		expect(html.startsWith('<!doctype html>')).toBe(true)
		for (const section of [
			'target',
			'scenario',
			'load',
			'summary',
			'charts',
			'errors',
			'rate-limit',
			'cost',
			'slowest',
			'most-expensive',
		])
			expect(html).toContain(`id="${section}"`)
		// Self-contained: no script, no stylesheet or image fetched from anywhere.
		expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i)
		expect(html).not.toMatch(/\ssrc=/i)
		expect(html).toContain('<svg')
		expect(html).toContain('@media print')
		// No secret: not the key, not the query-string credential, not the encrypted envelope.
		expect(html).not.toContain(MOCK_KEY)
		expect(html).not.toContain(QUERY_SECRET)
		expect(html).not.toContain('authConfig')
		expect(html).toContain(`${run.mock.url}/persona/`)
	}, 60_000)

	test('md: Markdown tables with the summary figures', async () => {
		const { id, summary } = await finishedReportSession(run.deps, run.mock)
		const r = await call(run.deps.app, 'GET', `/api/sessions/${id}/report?format=md`)
		expect(r.status).toBe(200)
		expect(r.headers.get('content-type')).toBe('text/markdown; charset=utf-8')
		const md = r.text
		expect(md).toContain('| Messages | ' + summary.totalMessages.toLocaleString('en-US') + ' |')
		expect(md).toContain(
			`| Input (prompt) tokens | ${summary.promptTokens.toLocaleString('en-US')} |`,
		)
		expect(md).toContain(
			`| Rate-limit responses (429 / 503 + Retry-After) | ${summary.rateLimit.events} |`,
		)
		expect(md).toContain(`the first at message #${summary.rateLimit.firstAtMessage}`)
		expect(md).toContain('### Slowest exchanges')
		expect(md).not.toContain(MOCK_KEY)
		expect(md).not.toContain(QUERY_SECRET)
		expect(md).not.toContain('<svg')
	}, 60_000)

	test('bad format → 400, unknown session → 404, unfinished → 400, in the envelope', async () => {
		const { id } = await finishedReportSession(run.deps, run.mock)
		const bad = await call(run.deps.app, 'GET', `/api/sessions/${id}/report?format=pdf`)
		expect(bad.status).toBe(400)
		expect(bad.json).toMatchObject({ success: false, error: 'Validation error' })
		expect(bad.json.details[0].path).toEqual(['format'])
		const unknown = await call(run.deps.app, 'GET', '/api/sessions/nope/report')
		expect(unknown.status).toBe(404)
		expect(unknown.json).toMatchObject({ success: false, error: 'Session not found' })

		const target = await createPresetTarget(run.deps, 'openai-chat', `${run.mock.url}/persona/hang`)
		const scenario = await createScenario(run.deps, {
			flowConfig: [{ id: 'a', type: 'message', config: { message: 'Hi' } }],
		})
		const q = await call(run.deps.app, 'POST', '/api/execute', {
			targetId: target.id,
			scenarioId: scenario.id,
		})
		const running = q.json.data.sessionId as string
		await waitForStatus(run.deps, running, ['RUNNING'])
		const busy = await call(run.deps.app, 'GET', `/api/sessions/${running}/report`)
		expect(busy.status).toBe(400)
		expect(busy.json).toMatchObject({ success: false, error: 'Session has no summary yet' })
		await call(run.deps.app, 'POST', `/api/sessions/${running}/cancel`)
		await waitForStatus(run.deps, running, ['CANCELLED', 'FAILED', 'COMPLETED'])
	}, 60_000)
})

describe('GET /api/sessions/compare/report', () => {
	test('html and md carry the comparison; errors as the compare route', async () => {
		const a = await finishedReportSession(run.deps, run.mock)
		const b = await finishedReportSession(run.deps, run.mock, { persona: 'verbose,slow:200' })
		const ids = `${a.id},${b.id}`
		const compare = await call(run.deps.app, 'GET', `/api/sessions/compare?ids=${ids}`)
		expect(compare.status).toBe(200)
		const html = await call(run.deps.app, 'GET', `/api/sessions/compare/report?ids=${ids}`)
		expect(html.status).toBe(200)
		expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8')
		for (const s of ['sessions', 'metrics', 'significance-section', 'charts', 'compare-table'])
			expect(html.text).toContain(`id="${s}"`)
		expect(html.text).not.toMatch(/<script|<link|<img|\ssrc=/i)
		expect(html.text).not.toContain(MOCK_KEY)
		expect(html.text).not.toContain(QUERY_SECRET)

		const md = await call(run.deps.app, 'GET', `/api/sessions/compare/report?ids=${ids}&format=md`)
		expect(md.status).toBe(200)
		expect(md.headers.get('content-type')).toBe('text/markdown; charset=utf-8')
		const messages = compare.json.data.rows.find((r: { metric: string }) => r.metric === 'messages')
		expect(messages.values).toEqual([a.summary.totalMessages, b.summary.totalMessages])
		expect(md.text).toContain(`| ${messages.label} | ${a.summary.totalMessages} |`)
		// The verbose persona is significantly slower: the verdict is in the findings.
		expect(md.text).toMatch(/response time: \*\*significant\*\*/)

		const one = await call(run.deps.app, 'GET', `/api/sessions/compare/report?ids=${a.id}`)
		expect(one.status).toBe(400)
		const unknown = await call(run.deps.app, 'GET', `/api/sessions/compare/report?ids=${a.id},nope`)
		expect(unknown.status).toBe(404)
		expect(unknown.json).toEqual({
			success: false,
			error: 'Session not found',
			message: 'No session with id nope',
		})
		const bad = await call(run.deps.app, 'GET', `/api/sessions/compare/report?ids=${ids}&format=x`)
		expect(bad.status).toBe(400)
	}, 60_000)
})
