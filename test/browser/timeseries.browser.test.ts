import { expect, test } from 'bun:test'
import { call } from '../helpers/deps'
import { createPresetTarget, messageRows, waitForStatus } from '../helpers/mock-run'
import { screenshot, useMockBrowserApp, watchPage } from '../helpers/browser'

const ctx = useMockBrowserApp()

const CHARTS = [
	'#ts-rate',
	'#ts-in-flight',
	'#ts-latency',
	'#ts-errors',
	'#ts-cost-rate',
	'#ts-cost-total',
]

test('session page: the time-series charts draw live from the SSE stream and stay after the run', async () => {
	// 3 conversations × 25 messages of 60–160 ms, every 5th a 429: about 3 s of run.
	const target = await createPresetTarget(
		ctx.deps,
		'openai-chat',
		`${ctx.mock.url}/persona/slow:60-160,rate-limited:5:0`,
	)
	ctx.mock.resetStats()
	const r = await call(ctx.deps.app, 'POST', '/api/execute', {
		targetId: target.id,
		executionConfig: {
			customMessages: Array.from({ length: 25 }, (_, i) => `Question ${i + 1}`),
			repetitions: 3,
			concurrency: 3,
		},
	})
	const id = r.json.data.sessionId as string
	const page = await ctx.browser.newPage({ viewport: { width: 1400, height: 1100 } })
	const problems = watchPage(page)
	await page.goto(`${ctx.url}/sessions/${id}`)
	await page.evaluate(() => ((window as any).__sameDocument = true))
	for (const c of CHARTS) expect(await page.locator(c).count()).toBe(1)
	// While it runs, `timeseries` events replace the charts with the seconds closed so far.
	await page.waitForFunction(
		() =>
			Number(
				document
					.querySelector('#session-timeseries [data-timeseries-points]')
					?.getAttribute('data-timeseries-points'),
			) >= 1 && document.querySelector('#ts-rate path[d^="M"]') !== null,
		null,
		{ timeout: 30_000 },
	)
	const [live] = await ctx.deps.db.query.sessions.findMany({
		where: (s, { eq }) => eq(s.id, id),
		limit: 1,
	})
	expect(live!.status).toBe('RUNNING')
	await screenshot(page, 'session-timeseries-live')
	expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true)

	await waitForStatus(ctx.deps, id, ['COMPLETED'])
	const rows = await messageRows(ctx.deps, id)
	expect(rows.length).toBe(75)
	expect(ctx.mock.stats.requests).toBe(75)
	// After the run the page draws them from the table: one point per second of the run.
	const ts = (await call(ctx.deps.app, 'GET', `/api/sessions/${id}/timeseries`)).json.data
	expect(ts.buckets.reduce((a: number, b: any) => a + b.completed, 0)).toBe(75)
	expect(ts.buckets.reduce((a: number, b: any) => a + b.rateLimited, 0)).toBe(
		ctx.mock.stats.rateLimited,
	)
	await page.goto(`${ctx.url}/sessions/${id}`)
	const points = await page
		.locator('#session-timeseries [data-timeseries-points]')
		.getAttribute('data-timeseries-points')
	expect(Number(points)).toBe(ts.buckets.length)
	for (const c of CHARTS) {
		expect(await page.locator(`${c} svg[role="img"]`).count()).toBe(1)
		expect(await page.locator(`${c} path[d^="M"]`).count()).toBeGreaterThan(0)
	}
	expect(await page.locator('#session-timeseries').textContent()).toContain('±1 % (sketch)')
	await screenshot(page, 'session-timeseries-after')
	expect(problems).toEqual([])
}, 120_000)
