import { afterAll, beforeAll, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import type { Browser } from 'playwright-core'
import { sessions } from '../../src/db/schema'
import { startMockServer, type MockServer } from '../../src/mock/server'
import { startWorkers } from '../../src/worker'
import { formatMs, formatNumber, formatUsd } from '../../views/ui/format'
import { launchBrowser, screenshot, serveApp, watchPage } from '../helpers/browser'
import { call, createTestDeps, type TestDeps } from '../helpers/deps'
import { createPresetTarget, MOCK_KEY, waitForStatus } from '../helpers/mock-run'
import { seedMessages, seedScenario, seedSession, seedTarget, type MsgInput } from '../helpers/seed'

/**
 * The command center, the metrics page and the session charts in Chromium, on seeded history:
 * eight sessions over the last days whose context (prompt tokens) and cost grow per turn, and
 * one session still running.
 */
let deps: TestDeps
let browser: Browser
let server: ReturnType<typeof serveApp>
let running: string
let mock: MockServer
let workers: ReturnType<typeof startWorkers>

const DAY = 86_400_000
function conversationRows(
	conversations: number,
	turns: number,
	start: Date,
	slow: number,
): MsgInput[] {
	const rows: MsgInput[] = []
	for (let t = 0; t < turns; t++)
		for (let c = 0; c < conversations; c++) {
			const prompt = 40 + t * 180
			const completion = 150 + ((t * 37 + c * 11) % 90)
			const failed = (t * conversations + c) % 13 === 12
			rows.push({
				conversationIndex: c,
				turnIndex: t,
				sentAt: new Date(start.getTime() + rows.length * 700),
				success: !failed,
				errorType: failed ? 'rate_limited' : null,
				httpStatus: failed ? 429 : 200,
				responseTimeMs: failed ? 30 : slow + t * 45 + ((c * 53 + t * 29) % 120),
				promptTokens: failed ? 0 : prompt,
				completionTokens: failed ? 0 : completion,
				totalTokens: failed ? 0 : prompt + completion,
				// gpt-4o-mini list prices: $0.15 in / $0.60 out per million
				costUsd: failed ? 0 : (prompt * 0.15 + completion * 0.6) / 1e6,
			})
		}
	return rows
}

beforeAll(async () => {
	deps = await createTestDeps()
	const db = deps.db
	const a = await seedTarget(db, 'OpenAI gpt-4o-mini')
	const b = await seedTarget(db, 'Support bot <staging>')
	const sc = await seedScenario(db, 'Verbose follow-ups')
	const now = Date.now()
	for (let i = 0; i < 8; i++) {
		const created = new Date(now - (7 - i) * DAY - 3600_000)
		const conversations = 2 + (i % 3)
		const turns = 4 + i
		const s = await seedSession(db, {
			targetId: i % 2 ? b.id : a.id,
			scenarioId: sc.id,
			status: i === 5 ? 'FAILED' : 'COMPLETED',
			createdAt: created,
			startedAt: created,
			completedAt: new Date(created.getTime() + 60_000),
		})
		const rows = conversationRows(conversations, turns, created, 180 + i * 40)
		await seedMessages(db, s.id, rows, created)
		const total = rows.reduce((n, r) => n + (r.costUsd ?? 0), 0)
		await db
			.update(sessions)
			.set({ messagesCompleted: rows.length, messagesTotal: rows.length, costUsd: total })
			.where(eq(sessions.id, s.id))
	}
	const r = await seedSession(db, {
		targetId: a.id,
		scenarioId: sc.id,
		status: 'RUNNING',
		startedAt: new Date(),
		messagesTotal: 40,
		messagesCompleted: 17,
		tokensTotal: 5200,
		costUsd: 0.0021,
	})
	running = r.id
	mock = await startMockServer({ port: 0, apiKey: MOCK_KEY, grpcPort: false })
	server = serveApp(deps)
	browser = await launchBrowser()
})
afterAll(async () => {
	await browser?.close()
	await workers?.close(2000)
	await mock?.stop()
	server?.stop()
	await deps?.close()
})

test('command center: stats match the API, charts render, live panel stops polling when done', async () => {
	const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
	const problems = watchPage(page)
	await page.goto(`${server.url}/`)
	const stats = (await call(deps.app, 'GET', '/api/dashboard/stats')).json.data
	expect(await page.locator('#stat-sessions [data-value]').textContent()).toBe(
		String(stats.counts.totalSessions),
	)
	expect(await page.locator('#stat-active [data-value]').textContent()).toBe('1')
	expect(await page.locator('#home-charts svg').count()).toBe(3)
	expect(await page.locator('#home-charts rect[fill="#d97706"]').count()).toBe(14)
	expect(await page.locator('#recent-sessions tbody tr').count()).toBe(9)
	expect(await page.locator('#execute-form').count()).toBe(1)
	await expect(page.locator('#live-sessions').getAttribute('data-polling')).resolves.toBe('true')
	await screenshot(page, 'metrics-home')
	await deps.db
		.update(sessions)
		.set({ status: 'COMPLETED', messagesCompleted: 40 })
		.where(eq(sessions.id, running))
	await page.waitForSelector('#live-sessions[data-polling="false"]', { timeout: 10_000 })
	expect(await page.locator('#live-sessions').textContent()).toContain('Nothing running')
	expect(problems).toEqual([])
})

test('metrics page: aggregate tiles match the API; filters and sorting work', async () => {
	const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
	const problems = watchPage(page)
	await page.goto(`${server.url}/metrics`)
	const api = (await call(deps.app, 'GET', '/api/metrics')).json.data.aggregate
	expect(await page.locator('#agg-messages [data-value]').textContent()).toBe(
		api.totalMessages.toLocaleString('en-US'),
	)
	expect(await page.locator('#agg-error-rate [data-value]').textContent()).toBe(`${api.errorRate}%`)
	expect(await page.locator('#agg-p95 [data-value]').textContent()).toBe(
		formatMs(api.responseTimeMs.p95),
	)
	expect(await page.locator('#agg-cost [data-value]').textContent()).toBe(
		formatUsd(api.totalCostUsd),
	)
	expect(await page.locator('#metrics-table tbody tr').count()).toBe(9)
	await screenshot(page, 'metrics-page')

	await page.locator('#metrics-table thead a', { hasText: 'Cost' }).click()
	await page.waitForURL(/sort=costUsd/)
	const firstRow = await page
		.locator('#metrics-table tbody tr')
		.first()
		.getAttribute('data-session-id')
	const sorted = (await call(deps.app, 'GET', '/api/metrics?sort=costUsd&order=desc&limit=1')).json
		.data.sessions[0].id
	expect(firstRow).toBe(sorted)

	await page.selectOption('#metrics-filters select[name="status"]', 'FAILED')
	await page.locator('#metrics-filters button[type="submit"]').click()
	await page.waitForURL(/status=FAILED/)
	expect(await page.locator('#metrics-table tbody tr').count()).toBe(1)
	expect(await page.locator('#agg-sessions [data-value]').textContent()).toBe('1')
	expect(problems).toEqual([])
})

test('a real run against the mock: execute from the command center, then the session charts, / and /metrics agree with the API', async () => {
	// Workers only now: their start-up recovery would fail the seeded RUNNING session above.
	workers = startWorkers(deps)
	const target = await createPresetTarget(deps, 'openai-chat', mock.url, {
		name: 'Mock OpenAI (gpt-4o)',
	})
	const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
	const problems = watchPage(page)
	await page.goto(`${server.url}/`)
	await page.selectOption('#execute-form select[name="targetId"]', target.id)
	await page.fill(
		'#execute-form textarea[name="executionConfig.customMessages"]',
		[
			'Explain how a CPU cache works.',
			'Go deeper into coherence protocols.',
			'Now compare with GPUs.',
			'Summarise everything so far.',
			'And one more detail, please.',
		].join('\n'),
	)
	await page.fill('#execute-form input[name="executionConfig.repetitions:number"]', '4')
	await page.fill('#execute-form input[name="executionConfig.concurrency:number"]', '2')
	await page.locator('#execute-form').getByRole('button', { name: 'Execute', exact: true }).click()
	await page.waitForURL(/\/sessions\/[a-z0-9]+$/, { timeout: 15_000 })
	const id = page.url().split('/').pop()!
	const done = await waitForStatus(deps, id, ['COMPLETED', 'FAILED', 'CANCELLED'], 60_000)
	expect(done.status).toBe('COMPLETED')

	const api = (await call(deps.app, 'GET', `/api/metrics?sessionId=${id}`)).json.data.aggregate
	expect(api.totalMessages).toBe(20)
	expect(api.totalCostUsd).toBeGreaterThan(0)
	expect(api.unpricedMessages).toBe(0)
	const series = (await call(deps.app, 'GET', `/api/metrics/sessions/${id}/series`)).json.data
	// the preset sends the history: context, and with it the cost of a turn, grows turn by turn
	expect(series.amplification.promptTokenGrowthPerTurn).toBeGreaterThan(0)
	expect(series.perTurn.map((t: any) => t.avgPromptTokens)).toEqual(
		[...series.perTurn.map((t: any) => t.avgPromptTokens)].sort((a: number, b: number) => a - b),
	)

	await page.goto(`${server.url}/sessions/${id}`)
	await page.waitForSelector('#session-charts svg')
	expect(await page.locator('#session-charts svg').count()).toBe(4)
	await screenshot(page, 'metrics-run-session')

	await page.goto(`${server.url}/metrics?sessionId=${id}`)
	expect(await page.locator('#agg-messages [data-value]').textContent()).toBe('20')
	expect(await page.locator('#metrics-table tbody tr').count()).toBe(1)
	await page.goto(`${server.url}/metrics`)
	await screenshot(page, 'metrics-run-metrics')

	await page.goto(`${server.url}/`)
	const stats = (await call(deps.app, 'GET', '/api/dashboard/stats')).json.data
	expect(await page.locator('#stat-tokens [data-value]').textContent()).toBe(
		formatNumber(stats.metrics.totalTokensConsumed),
	)
	expect(await page.locator(`#recent-sessions tr[data-session-id="${id}"]`).count()).toBe(1)
	await screenshot(page, 'metrics-run-home')
	expect(problems).toEqual([])
})
