import { expect, test } from 'bun:test'
import { screenshot, useMockBrowserApp, watchPage } from '../helpers/browser'
import { call } from '../helpers/deps'
import { createPresetTarget, createScenario, waitForStatus } from '../helpers/mock-run'

const ctx = useMockBrowserApp()

async function finishedSession(name: string, persona?: string) {
	const endpoint = persona ? `${ctx.mock.url}/persona/${persona}` : ctx.mock.url
	const target = await createPresetTarget(ctx.deps, 'openai-chat', endpoint, { name })
	const scenario = await createScenario(ctx.deps, {
		name: 'Pricing chat',
		flowConfig: [
			{ id: 'a', type: 'message', config: { message: 'Hello' } },
			{ id: 'b', type: 'message', config: { message: 'What does it cost?' } },
			{ id: 'c', type: 'message', config: { message: 'And per year?' } },
		],
		repetitions: 4,
		concurrency: 2,
	})
	const r = await call(ctx.deps.app, 'POST', '/api/execute', {
		targetId: target.id,
		scenarioId: scenario.id,
	})
	expect(r.status).toBe(202)
	const id = r.json.data.sessionId as string
	expect((await waitForStatus(ctx.deps, id, ['COMPLETED', 'FAILED'])).status).toBe('COMPLETED')
	return id
}

test('tick two sessions in the list, compare them: table, verdicts and overlaid charts', async () => {
	const fast = await finishedSession('Fast <bot>')
	const slow = await finishedSession('Verbose slow bot', 'verbose,slow:300')
	const page = await ctx.browser.newPage({ viewport: { width: 1300, height: 900 } })
	const problems = watchPage(page)
	await page.goto(`${ctx.url}/sessions`)
	// The list is newest first: tick the slow one, then the fast one (the topmost is the baseline).
	await page.getByLabel(`Compare ${slow}`).check()
	await page.getByLabel(`Compare ${fast}`).check()
	await page.getByRole('button', { name: 'Compare ticked sessions' }).click()
	await page.waitForURL(/\/compare\?/)
	await page.locator('#compare-table').waitFor()
	expect(new URL(page.url()).searchParams.getAll('id')).toEqual([slow, fast])
	await screenshot(page, 'compare-two-sessions')
	const header = await page.locator('#compare-table thead').textContent()
	expect(header).toContain('baseline · Verbose slow bot · Pricing chat')
	expect(header).toContain('Fast <bot>')
	const p50 = page.locator('tr[data-metric="p50"] [data-delta]')
	expect(await p50.textContent()).toMatch(/^-/)
	expect(await p50.getAttribute('class')).toContain('emerald')
	const verdicts = page.locator('#significance [data-significant]')
	expect(await verdicts.count()).toBe(2)
	expect(await verdicts.first().getAttribute('data-significant')).toBe('true')
	expect(await verdicts.first().textContent()).toContain('95 % interval')
	for (const id of ['chart-latency-cdf', 'chart-cost-per-turn', 'chart-tokens-per-turn']) {
		expect(await page.locator(`#${id} svg path`).count()).toBeGreaterThanOrEqual(2)
	}

	// From a session page: "compare with…" the other one.
	await page.goto(`${ctx.url}/sessions/${fast}`)
	await page.getByLabel('Compare with…').selectOption(slow)
	await page.getByRole('button', { name: 'Compare', exact: true }).click()
	await page.waitForURL(/\/compare\?/)
	await page.locator('#compare-table').waitFor()
	expect(new URL(page.url()).searchParams.getAll('id')).toEqual([fast, slow])
	expect(await page.locator('#compare-table thead th').nth(1).textContent()).toContain('baseline')
	expect(problems).toEqual([])

	await page.goto(`${ctx.url}/api/docs`)
	expect(await page.locator('#getApiSessionsCompare').count()).toBe(1)
	await screenshot(page, 'api-docs')
	await page.close()
}, 60_000)

test('the session and compare pages link to their own reports (HTML opens, Markdown downloads)', async () => {
	const a = await finishedSession('Report bot A')
	const b = await finishedSession('Report bot B', 'verbose')
	const page = await ctx.browser.newPage({ viewport: { width: 1300, height: 900 } })
	const problems = watchPage(page)

	await page.goto(`${ctx.url}/sessions/${a}`)
	expect(await page.locator('#session-report').getAttribute('href')).toBe(
		`/api/sessions/${a}/report`,
	)
	const mdHref = await page.locator('#session-report-md').getAttribute('href')
	expect(mdHref).toBe(`/api/sessions/${a}/report?format=md`)
	const md = await page.request.get(`${ctx.url}${mdHref}`)
	expect(md.status()).toBe(200)
	expect(md.headers()['content-type']).toContain('markdown')
	expect(await md.text()).toContain(a)
	await page.locator('#session-report').click()
	await page.waitForURL(new RegExp(`/api/sessions/${a}/report$`))
	expect(await page.locator(`article[data-session="${a}"] h1`).count()).toBe(1)

	await page.goto(`${ctx.url}/compare?id=${a}&id=${b}`)
	await page.locator('#compare-table').waitFor()
	const cmpMd = await page.locator('#compare-report-md').getAttribute('href')
	expect(cmpMd).toBe(`/api/sessions/compare/report?ids=${a},${b}&format=md`)
	const cmd = await page.request.get(`${ctx.url}${cmpMd}`)
	expect(cmd.status()).toBe(200)
	const cmdText = await cmd.text()
	expect(cmdText).toContain(a)
	expect(cmdText).toContain(b)
	await page.locator('#compare-report').click()
	await page.waitForURL(/\/api\/sessions\/compare\/report\?ids=/)
	expect(await page.locator(`article[data-baseline="${a}"] h1`).count()).toBe(1)
	expect(problems).toEqual([])
	await page.close()
}, 60_000)
