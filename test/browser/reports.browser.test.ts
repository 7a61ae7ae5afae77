import { expect, test } from 'bun:test'
import { mkdirSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { costFigures, rateLimitFigures, summaryFigures } from '../../views/reports/figures'
import { formatInteger, formatUsd } from '../../views/ui/format'
import { useMockBrowserApp, watchPage } from '../helpers/browser'
import { call } from '../helpers/deps'
import { MOCK_KEY } from '../helpers/mock-run'
import { finishedBatch, finishedReportSession, QUERY_SECRET } from '../reports/fixture'

const ctx = useMockBrowserApp()

const SHOTS = '/work/notes/shots/reports'

/**
 * The report opened as a file would be: an offline context that aborts every request, the
 * document set as the page's content. Returns the page and every request it tried to make.
 */
async function openOffline(html: string) {
	const context = await ctx.browser.newContext({
		offline: true,
		viewport: { width: 1200, height: 900 },
	})
	const requests: string[] = []
	await context.route('**/*', (route) => {
		requests.push(route.request().url())
		return route.abort()
	})
	const page = await context.newPage()
	const problems = watchPage(page)
	await page.setContent(html, { waitUntil: 'load' })
	return { page, requests, problems, close: () => context.close() }
}

async function shot(page: Page, name: string) {
	mkdirSync(SHOTS, { recursive: true })
	await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true })
}

const figure = (page: Page, key: string) =>
	page.locator(`[data-figure="${key}"]`).first().textContent()

test('a session report opens offline and shows every section with the summary figures', async () => {
	const { id, summary, served } = await finishedReportSession(ctx.deps, ctx.mock)
	expect(summary.successfulMessages).toBe(served.replies)
	const r = await call(ctx.deps.app, 'GET', `/api/sessions/${id}/report`)
	expect(r.status).toBe(200)
	const { page, requests, problems, close } = await openOffline(r.text)
	const headings = await page.locator('h2').allTextContents()
	for (const h of [
		'Target',
		'Scenario',
		'Load',
		'Summary',
		'Charts',
		'Errors by type',
		'Rate-limit findings',
		'Cost breakdown',
		'Slowest exchanges',
		'Most expensive exchanges',
	])
		expect(headings).toContain(h)
	// Every figure the report prints is the stored summary's, formatted.
	for (const f of [
		...summaryFigures(summary),
		...costFigures(summary),
		...rateLimitFigures(summary),
	])
		expect(await figure(page, f.key)).toBe(f.value)
	expect(await figure(page, 'messages')).toBe(formatInteger(summary.totalMessages))
	expect(await figure(page, 'prompt-tokens')).toBe(formatInteger(served.promptTokens))
	expect(await figure(page, 'rl-events')).toBe(formatInteger(summary.rateLimit.events))
	// The charts are inline SVG with marks drawn, and the CSS applied (a card has a border).
	expect(await page.locator('#charts svg').count()).toBeGreaterThanOrEqual(4)
	expect(await page.locator('#charts svg path').count()).toBeGreaterThanOrEqual(4)
	const border = await page
		.locator('.card')
		.first()
		.evaluate((el) => getComputedStyle(el).borderTopWidth)
	expect(border).toBe('1px')
	expect(await page.locator('#slowest-table tbody tr').count()).toBe(5)
	expect(await page.locator('#most-expensive-table tbody tr').count()).toBe(5)
	const text = (await page.locator('body').textContent()) ?? ''
	expect(text).not.toContain(MOCK_KEY)
	expect(text).not.toContain(QUERY_SECRET)
	expect(await page.locator('script').count()).toBe(0)
	await shot(page, 'session-report')
	await page.emulateMedia({ media: 'print' })
	await shot(page, 'session-report-print')
	expect(requests).toEqual([])
	expect(problems).toEqual([])
	await close()
}, 60_000)

test('a comparison report opens offline with its table, verdicts and overlaid charts', async () => {
	const a = await finishedReportSession(ctx.deps, ctx.mock)
	const b = await finishedReportSession(ctx.deps, ctx.mock, { persona: 'verbose,slow:200' })
	const ids = `${a.id},${b.id}`
	const compare = await call(ctx.deps.app, 'GET', `/api/sessions/compare?ids=${ids}`)
	const r = await call(ctx.deps.app, 'GET', `/api/sessions/compare/report?ids=${ids}`)
	expect(r.status).toBe(200)
	const { page, requests, problems, close } = await openOffline(r.text)
	const headings = await page.locator('h2').allTextContents()
	for (const h of ['Sessions', 'Metrics side by side', 'Significance', 'Charts'])
		expect(headings).toContain(h)
	expect(await page.locator('#sessions-table tbody tr').count()).toBe(2)
	const messages = page.locator('#compare-table tr[data-metric="messages"] td')
	expect(await messages.nth(1).textContent()).toBe(formatInteger(a.summary.totalMessages))
	expect(
		compare.json.data.rows.find((x: { metric: string }) => x.metric === 'messages').values,
	).toEqual([a.summary.totalMessages, b.summary.totalMessages])
	const verdicts = page.locator('#significance [data-significant]')
	expect(await verdicts.count()).toBe(2)
	expect(await verdicts.first().getAttribute('data-significant')).toBe('true')
	for (const c of ['chart-latency-cdf', 'chart-cost-per-turn', 'chart-tokens-per-turn'])
		expect(await page.locator(`#${c} svg path`).count()).toBeGreaterThanOrEqual(2)
	await shot(page, 'compare-report')
	expect(requests).toEqual([])
	expect(problems).toEqual([])
	await close()
}, 60_000)

test('a batch report: linked from the batch page, opens offline with every section', async () => {
	const { batchId, sessionIds, served } = await finishedBatch(ctx.deps, ctx.mock)
	const batch = (await call(ctx.deps.app, 'GET', `/api/batches/${batchId}`)).json.data
	// The batch page links its report; following the link serves the document itself.
	const live = await ctx.browser.newPage({ viewport: { width: 1200, height: 900 } })
	const liveProblems = watchPage(live)
	await live.goto(`${ctx.url}/batches/${batchId}`)
	const link = live.locator('#batch-report')
	await shot(live, 'batch-page-report-link')
	expect(await link.getAttribute('href')).toBe(`/api/batches/${batchId}/report`)
	expect(await live.locator('#batch-report-md').getAttribute('href')).toBe(
		`/api/batches/${batchId}/report?format=md`,
	)
	await link.click()
	await live.waitForURL(`${ctx.url}/api/batches/${batchId}/report`)
	expect(await live.locator('h1').textContent()).toBe('Krawall batch: Batch <talk> over 3 targets')
	expect(liveProblems).toEqual([])
	await live.close()

	const r = await call(ctx.deps.app, 'GET', `/api/batches/${batchId}/report`)
	expect(r.status).toBe(200)
	const { page, requests, problems, close } = await openOffline(r.text)
	const headings = await page.locator('h2').allTextContents()
	for (const h of [
		'Cheapest target',
		'Targets',
		'Load',
		'Metrics side by side',
		'Significance',
		'Charts',
	])
		expect(headings).toContain(h)
	expect(await page.locator('#cheapest p').textContent()).toContain(
		`Budget bot is the cheapest for this conversation: ${formatUsd(batch.cheapest.costPerConversationUsd)} per conversation.`,
	)
	const rows = page.locator('#targets-table tbody tr')
	expect(await rows.count()).toBe(3)
	expect(await rows.locator('td:first-child').allTextContents()).toEqual([
		'Mid <bot>',
		'Budget bot (cheapest)',
		'Premium bot',
	])
	expect(await rows.locator('td:nth-child(5)').allTextContents()).toEqual(sessionIds)
	// The figures are the mock's: 18 replies, 6 per target, the tokens it served.
	expect(served.replies).toBe(18)
	// Each value cell: the figure, then its delta against the baseline.
	const values = (metric: string) =>
		page.locator(`#compare-table tr[data-metric="${metric}"] td > span`).allTextContents()
	expect(await values('messages')).toEqual(['6', '6', '6'])
	const deltas = page.locator('#compare-table tr[data-metric="messages"] [data-delta]')
	expect(await deltas.allTextContents()).toEqual(['0 (0%)', '0 (0%)'])
	const tokenRow = batch.comparison.rows.find((x: { metric: string }) => x.metric === 'tokens')
	expect(await values('tokens')).toEqual(tokenRow.values.map((v: number) => formatInteger(v)))
	expect(tokenRow.values.reduce((a: number, b: number) => a + b, 0)).toBe(
		served.promptTokens + served.completionTokens,
	)
	// Two sessions against the baseline, each on response time and cost per conversation.
	expect(await page.locator('#significance [data-significant]').count()).toBe(4)
	for (const c of ['chart-latency-cdf', 'chart-cost-per-turn', 'chart-tokens-per-turn'])
		expect(await page.locator(`#${c} svg path`).count()).toBeGreaterThanOrEqual(3)
	const text = (await page.locator('body').textContent()) ?? ''
	expect(text).not.toContain(MOCK_KEY)
	expect(text).not.toContain(QUERY_SECRET)
	expect(await page.locator('script').count()).toBe(0)
	await shot(page, 'batch-report')
	expect(requests).toEqual([])
	expect(problems).toEqual([])
	await close()
}, 60_000)
