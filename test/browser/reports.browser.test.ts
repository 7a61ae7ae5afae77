import { expect, test } from 'bun:test'
import { mkdirSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { startMockServer, type MockServer } from '../../src/mock/server'
import { startWorkers } from '../../src/worker'
import { costFigures, rateLimitFigures, summaryFigures } from '../../views/reports/figures'
import { formatInteger } from '../../views/ui/format'
import { useBrowserApp, watchPage } from '../helpers/browser'
import { call } from '../helpers/deps'
import { MOCK_KEY } from '../helpers/mock-run'
import { finishedReportSession, QUERY_SECRET } from '../reports/fixture'

let mock: MockServer
let workers: ReturnType<typeof startWorkers>
const ctx = useBrowserApp({
	setup: async (deps) => {
		mock = await startMockServer({ apiKey: MOCK_KEY, grpcPort: false })
		workers = startWorkers(deps)
	},
	teardown: async () => {
		await workers?.close(2000)
		await mock?.stop()
	},
})

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
	const { id, summary, served } = await finishedReportSession(ctx.deps, mock)
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
	const a = await finishedReportSession(ctx.deps, mock)
	const b = await finishedReportSession(ctx.deps, mock, { persona: 'verbose,slow:200' })
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
