import { describe, expect, test } from 'bun:test'
import { formatUsd } from '../../views/ui/format'
import { call } from '../helpers/deps'
import {
	createPresetTarget,
	createScenario,
	MOCK_KEY,
	useMockRun,
	waitForStatus,
} from '../helpers/mock-run'
import { finishedBatch, finishedReportSession, QUERY_SECRET } from './fixture'

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

describe('GET /api/batches/:id/report', () => {
	test('html and md: the cheapest target, every target, the load and the comparison; no secrets', async () => {
		const { batchId, sessionIds, served } = await finishedBatch(run.deps, run.mock)
		const batch = (await call(run.deps.app, 'GET', `/api/batches/${batchId}`)).json.data
		// What the batch compares is what the mock served: 3 targets × 3 conversations × 2 turns.
		const messages = batch.comparison.rows.find((r: { metric: string }) => r.metric === 'messages')
		expect(messages.values).toEqual([6, 6, 6])
		expect(served.replies).toBe(18)
		const tokens = batch.comparison.rows.find((r: { metric: string }) => r.metric === 'tokens')
		expect(tokens.values.reduce((a: number, b: number) => a + b, 0)).toBe(
			served.promptTokens + served.completionTokens,
		)
		expect(batch.cheapest.sessionId).toBe(sessionIds[1])

		const html = await call(run.deps.app, 'GET', `/api/batches/${batchId}/report`)
		expect(html.status).toBe(200)
		expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8')
		expect(html.headers.get('content-disposition')).toBe(
			`inline; filename="krawall-batch-${batchId}.html"`,
		)
		for (const s of ['cheapest', 'targets', 'load', 'metrics', 'significance-section', 'charts'])
			expect(html.text).toContain(`id="${s}"`)
		expect(html.text).toContain(`data-cheapest="${sessionIds[1]}"`)
		expect(html.text).toContain('Budget bot (cheapest)')
		// User data is escaped; endpoints lose their query string; no script, no external file.
		expect(html.text).toContain('Mid &lt;bot&gt;')
		expect(html.text).not.toContain('Mid <bot>')
		expect(html.text).not.toMatch(/<script|<link|<img|\ssrc=/i)
		expect(html.text).not.toContain(MOCK_KEY)
		expect(html.text).not.toContain(QUERY_SECRET)

		const md = await call(run.deps.app, 'GET', `/api/batches/${batchId}/report?format=md`)
		expect(md.status).toBe(200)
		expect(md.headers.get('content-type')).toBe('text/markdown; charset=utf-8')
		expect(md.text).toContain('## Krawall batch: Batch <talk> over 3 targets')
		expect(md.text).toContain('**Budget bot is the cheapest for this conversation:')
		expect(md.text).toContain(
			`| Budget bot (cheapest) | HTTP_REST | ${run.mock.url}/ | gpt-4o | ${sessionIds[1]} | COMPLETED | 6 / 6 | ${formatUsd(batch.sessions[1].costUsd)} |`,
		)
		expect(md.text).toContain(`| ${messages.label} | 6 | 6 (0.0 %) | 6 (0.0 %) |`)
		expect(md.text).toContain('### Significance')
		expect(md.text).not.toContain(MOCK_KEY)
		expect(md.text).not.toContain(QUERY_SECRET)
	}, 60_000)

	test('bad format → 400, unknown batch → 404, a running batch → 400, in the envelope', async () => {
		const bad = await call(run.deps.app, 'GET', '/api/batches/nope/report?format=pdf')
		expect(bad.status).toBe(400)
		expect(bad.json.details[0].path).toEqual(['format'])
		const unknown = await call(run.deps.app, 'GET', '/api/batches/nope/report')
		expect(unknown.status).toBe(404)
		expect(unknown.json).toMatchObject({ success: false, error: 'Batch not found' })

		const ids = []
		for (const name of ['hang a', 'hang b'])
			ids.push(
				(
					await createPresetTarget(run.deps, 'openai-chat', `${run.mock.url}/persona/hang`, {
						name,
					})
				).id,
			)
		const scenario = await createScenario(run.deps, {
			flowConfig: [{ id: 'a', type: 'message', config: { message: 'Hi' } }],
		})
		const q = await call(run.deps.app, 'POST', '/api/batches', {
			scenarioId: scenario.id,
			targetIds: ids,
		})
		const { batchId, sessionIds } = q.json.data
		await waitForStatus(run.deps, sessionIds[0], ['RUNNING'])
		const busy = await call(run.deps.app, 'GET', `/api/batches/${batchId}/report`)
		expect(busy.status).toBe(400)
		expect(busy.json).toMatchObject({ success: false, error: 'Batch has not finished' })
		for (const id of sessionIds) {
			await call(run.deps.app, 'POST', `/api/sessions/${id}/cancel`)
			await waitForStatus(run.deps, id, ['CANCELLED', 'FAILED', 'COMPLETED'])
		}
	}, 60_000)
})
