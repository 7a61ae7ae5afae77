import { expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { sessions } from '../../src/db/schema'
import { createPresetTarget } from '../helpers/mock-run'
import { screenshot, useMockBrowserApp, watchPage } from '../helpers/browser'

const ctx = useMockBrowserApp()

test('choose "rate for a duration", see the estimate, run it, read the load model in the summary', async () => {
	await createPresetTarget(ctx.deps, 'openai-chat', `${ctx.mock.url}/persona/slow:50`)
	const page = await ctx.browser.newPage()
	const problems = watchPage(page)
	await page.goto(`${ctx.url}/sessions/new`)
	await page.fill('textarea[name="executionConfig.customMessages"]', 'Hello')
	await page.check('input[name="executionConfig.load.type"][value="arrival"]')
	await page.fill('input[name="executionConfig.load.rate:number"]', '5')
	await page.fill('input[name="executionConfig.load.durationSec:number"]', '2')
	await page.fill('input[name="executionConfig.load.maxInFlight:number"]', '20')
	await page.click('button[formaction="/api/execute/estimate"]')
	await page.waitForSelector('#execute-estimate', { timeout: 10_000 })
	const estimate = await page.locator('#execute-estimate').textContent()
	expect(estimate).toContain('10 requests (10 conversations × 1 messages)')
	expect(estimate).toContain('$')
	await screenshot(page, 'execute-load-estimate')
	ctx.mock.resetStats()
	await page.click('#execute-form button:not([formaction])')
	await page.waitForURL(/\/sessions\/(?!new$)[a-z0-9]+$/, { timeout: 15_000 })
	const id = page.url().split('/').pop()!
	await page.waitForSelector('#summary-load', { timeout: 20_000 })
	expect(await page.locator('#summary-load').textContent()).toContain('10 started · 0 dropped')
	expect(await page.locator('#summary-scheduled-latency').textContent()).toContain('service time')
	const [s] = await ctx.deps.db.select().from(sessions).where(eq(sessions.id, id))
	expect(s.conversationsCompleted).toBe(10)
	expect(ctx.mock.stats.requests).toBe(10)
	await screenshot(page, 'session-load-summary')
	expect(problems).toEqual([])
}, 60_000)

test('workers on the form: too many shards is refused next to the form, two run the fixed count', async () => {
	await createPresetTarget(ctx.deps, 'openai-chat', `${ctx.mock.url}/persona/slow:20`)
	const page = await ctx.browser.newPage()
	const problems = watchPage(page)
	await page.goto(`${ctx.url}/sessions/new`)
	await page.fill('textarea[name="executionConfig.customMessages"]', 'Hello')
	await page.fill('input[name="executionConfig.repetitions:number"]', '4')
	await page.fill('input[name="executionConfig.concurrency:number"]', '2')
	await page.fill('input[name="executionConfig.load.workers:json"]', '3')
	ctx.mock.resetStats()
	const before = (await ctx.deps.db.select().from(sessions)).length
	await page.click('#execute-form button:not([formaction])')
	await page.waitForSelector('#execute-errors :text("executionConfig.load.workers")', {
		timeout: 10_000,
	})
	expect(await page.locator('#execute-errors').textContent()).toContain(
		'3 shards would leave some with nothing to run: at most 2',
	)
	await screenshot(page, 'execute-workers-refused')
	expect((await ctx.deps.db.select().from(sessions)).length).toBe(before)
	await page.fill('input[name="executionConfig.load.workers:json"]', '2')
	await page.click('#execute-form button:not([formaction])')
	await page.waitForURL(/\/sessions\/(?!new$)[a-z0-9]+$/, { timeout: 15_000 })
	const id = page.url().split('/').pop()!
	await page.waitForSelector('#session-summary', { timeout: 20_000 })
	const [s] = await ctx.deps.db.select().from(sessions).where(eq(sessions.id, id))
	expect(s.executionConfig.load).toEqual({ type: 'closed', workers: 2 })
	expect(s.status).toBe('COMPLETED')
	expect(s.conversationsCompleted).toBe(4)
	expect(ctx.mock.stats.requests).toBe(4)
	// 400s of the refused post aside (the browser logs them), nothing went wrong on the page.
	expect(problems.filter((p) => !p.includes('400'))).toEqual([])
}, 60_000)
