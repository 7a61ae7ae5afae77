import { expect, test } from 'bun:test'
import { screenshot, useBrowserApp, watchPage } from '../helpers/browser'

const ctx = useBrowserApp()

test('the dashboard shell loads with htmx, styles and health, without errors', async () => {
	const page = await ctx.browser.newPage()
	const problems = watchPage(page)
	await page.goto(`${ctx.url}/`)
	await page.waitForFunction(() => typeof (window as any).htmx?.version === 'string')
	expect(await page.evaluate(() => (window as any).htmx.version)).toStartWith('2.0.')
	expect(await page.title()).toBe('Dashboard · Krawall')
	expect(await page.locator('nav[aria-label="Main"] a').allTextContents()).toEqual([
		'Dashboard',
		'Targets',
		'Scenarios',
		'Sessions',
		'Metrics',
		'Schedules',
		'Assessments',
		'Webhooks',
	])
	// Tailwind applied: the header has a white background from the built CSS.
	const bg = await page.locator('header').evaluate((el) => getComputedStyle(el).backgroundColor)
	expect(bg).toBe('rgb(255, 255, 255)')
	await expect(page.locator('#health').textContent()).resolves.toContain('database')
	await screenshot(page, 'home')
	expect(problems).toEqual([])
})

test('works with JavaScript off', async () => {
	const context = await ctx.browser.newContext({ javaScriptEnabled: false })
	const page = await context.newPage()
	await page.goto(`${ctx.url}/`)
	expect(await page.locator('h1').textContent()).toBe('Command center')
	await context.close()
})
