import { expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import type { Page } from 'playwright-core'
import { sessionMessages, sessions } from '../../src/db/schema'
import { screenshot, useMockBrowserApp, watchPage } from '../helpers/browser'
import { call } from '../helpers/deps'
import { createPresetTarget, waitForStatus } from '../helpers/mock-run'

/** What a first-time user sees on the dashboard (issue 18 "Dashboard", issue 12 "Failure is visible"). */
const ctx = useMockBrowserApp()

async function execute(targetId: string, customMessages: string[]) {
	const r = await call(ctx.deps.app, 'POST', '/api/execute', {
		targetId,
		executionConfig: { customMessages },
	})
	expect(r.status).toBe(202)
	return r.json.data.sessionId as string
}

/** The x-axis tick labels of a chart (the texts under the axis line, left to right). */
const xTickLabels = (page: Page, title: string) =>
	page.locator(`figure[data-chart="${title}"] svg`).evaluate((svg) => {
		const line = Array.from(svg.querySelectorAll('line')).find(
			(l) =>
				l.getAttribute('y1') === l.getAttribute('y2') && l.getAttribute('stroke') === '#94a3b8',
		)!
		const bottom = Number(line.getAttribute('y1'))
		return Array.from(svg.querySelectorAll('text'))
			.filter((t) => Number(t.getAttribute('y')) === bottom + 16)
			.map((t) => t.textContent)
	})

test('when a run ends, the session page charts refresh at once (SSE complete), not on the next poll', async () => {
	const t = await createPresetTarget(ctx.deps, 'openai-chat', `${ctx.mock.url}/persona/slow:700`)
	const page = await ctx.browser.newPage()
	const problems = watchPage(page)
	const id = await execute(t.id, ['One', 'Two', 'Three', 'Four'])
	await page.goto(`${ctx.url}/sessions/${id}`)
	const loaded = Date.now()
	// The page opened while the run was going on.
	expect(await page.locator('#session-charts').getAttribute('data-live')).toBe('true')
	await page.waitForSelector('#session-charts[data-live="false"]', { timeout: 15_000 })
	const refreshedAfter = Date.now() - loaded
	const [s] = await ctx.deps.db.select().from(sessions).where(eq(sessions.id, id))
	expect(s.status).toBe('COMPLETED')
	// Sooner than the 5 s poll could have done it.
	expect(refreshedAfter).toBeLessThan(5000)
	// Every message the ctx.mock served is a point on the response-time chart, with ticks 1..4.
	const points = await page.locator('figure[data-chart="Response time per message"] circle').count()
	expect(points).toBe(4)
	expect(ctx.mock.stats.requests).toBeGreaterThanOrEqual(4)
	expect(await xTickLabels(page, 'Response time per message')).toEqual(['1', '2', '3', '4'])
	expect(problems).toEqual([])
	await page.close()
}, 60_000)

test('discrete axes have integer ticks and no label twice (message #, turn)', async () => {
	const t = await createPresetTarget(ctx.deps, 'openai-chat', ctx.mock.url, { name: 'Ticks' })
	const id = await execute(t.id, ['a', 'b', 'c'])
	await waitForStatus(ctx.deps, id, ['COMPLETED'])
	const page = await ctx.browser.newPage()
	await page.goto(`${ctx.url}/sessions/${id}`)
	expect(await xTickLabels(page, 'Response time per message')).toEqual(['1', '2', '3'])
	expect(await xTickLabels(page, 'Tokens per message')).toEqual(['1', '2', '3'])
	expect(await xTickLabels(page, 'Cost growth per turn (average conversation)')).toEqual([
		'1',
		'2',
		'3',
	])
	await page.close()
}, 60_000)

test('a run where every message failed has a red badge and its errors by type; the failed tile says what it counts', async () => {
	const t = await createPresetTarget(ctx.deps, 'openai-chat', ctx.mock.url, { name: 'Bad key' })
	await ctx.deps.db
		.update((await import('../../src/db/schema')).targets)
		.set({ authConfig: ctx.deps.secrets.encrypt({ token: 'wrong-key' }) })
		.where(eq((await import('../../src/db/schema')).targets.id, t.id))
	const id = await execute(t.id, ['Hi', 'Again'])
	await waitForStatus(ctx.deps, id, ['COMPLETED', 'FAILED'])
	const rows = await ctx.deps.db
		.select()
		.from(sessionMessages)
		.where(eq(sessionMessages.sessionId, id))
	expect(rows.length).toBe(2)
	expect(rows.every((r) => r.errorType === 'auth_error')).toBe(true)
	const page = await ctx.browser.newPage()
	await page.goto(`${ctx.url}/sessions/${id}`)
	const badge = page.locator('[data-outcome="all-failed"]')
	expect(await badge.textContent()).toBe('every message failed')
	expect(await badge.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe(
		'oklch(0.577 0.245 27.325)',
	)
	expect(await page.locator('#errors-by-type [data-error-type]').allTextContents()).toEqual([
		'auth_error 2',
	])
	await screenshot(page, 'session-all-failed')
	await page.goto(`${ctx.url}/`)
	expect(await page.locator('#stat-failed').textContent()).toContain(
		'with status FAILED (completed runs with errors not counted)',
	)
	await page.close()
}, 60_000)

test('an unpriced run says "unpriced" and why instead of $0', async () => {
	const t = await createPresetTarget(
		ctx.deps,
		'custom-websocket',
		ctx.mock.url.replace('http', 'ws'),
	)
	const id = await execute(t.id, ['Hi', 'More'])
	await waitForStatus(ctx.deps, id, ['COMPLETED'])
	const page = await ctx.browser.newPage()
	await page.goto(`${ctx.url}/sessions/${id}`)
	const cost = page.locator('#session-summary > div', { hasText: 'Cost' }).first()
	expect(await cost.locator('[data-value]').textContent()).toBe('unpriced')
	expect(await cost.textContent()).toContain(
		'no price for the model the target reports (2 message(s))',
	)
	expect(
		await page
			.locator('figure[data-chart="Cost growth per turn (average conversation)"]')
			.textContent(),
	).toContain('Unpriced: no price for the model the target reports')
	await page.close()
}, 60_000)

test('on a phone the navigation is one Menu button that opens the links; labels on charts stay readable', async () => {
	const context = await ctx.browser.newContext({ viewport: { width: 390, height: 844 } })
	const page = await context.newPage()
	const problems = watchPage(page)
	await page.goto(`${ctx.url}/`)
	expect(await page.locator('nav[aria-label="Main"]').isVisible()).toBe(false)
	const header = await page.locator('header').boundingBox()
	expect(header!.height).toBeLessThan(80)
	const menu = page.locator('#compact-menu summary')
	expect(await menu.isVisible()).toBe(true)
	await menu.click()
	const links = page.locator('nav[aria-label="Main (compact)"] a')
	expect(await links.allTextContents()).toEqual([
		'Dashboard',
		'Targets',
		'Scenarios',
		'Sessions',
		'Metrics',
		'Schedules',
		'Assessments',
		'Webhooks',
	])
	await screenshot(page, 'phone-menu-open')
	await page.locator('nav[aria-label="Main (compact)"] a', { hasText: 'Sessions' }).click()
	await page.waitForURL(/\/sessions$/)
	// A chart's tick label renders at 8 px or more on the phone (it was about 5 px).
	await page.goto(`${ctx.url}/`)
	const px = await page
		.locator('#home-charts svg text')
		.first()
		.evaluate((el) => el.getBoundingClientRect().height)
	expect(px).toBeGreaterThanOrEqual(8)
	// At that size the rotated y title would overlap the tick labels, so a phone leaves it out.
	const yTitle = page.locator('#home-charts svg text.axis-y-title').first()
	await yTitle.waitFor({ state: 'attached' })
	expect(await yTitle.isVisible()).toBe(false)
	// On a desktop the full navigation shows and the menu button does not.
	const wide = await ctx.browser.newPage({ viewport: { width: 1440, height: 900 } })
	await wide.goto(`${ctx.url}/`)
	expect(await wide.locator('nav[aria-label="Main"]').isVisible()).toBe(true)
	expect(await wide.locator('#compact-menu').isVisible()).toBe(false)
	await wide.locator('#home-charts svg text.axis-y-title').first().waitFor({ state: 'visible' })
	// The Execute card's labels fit on one line at 1440 px.
	const labels = await wide
		.locator('#execute-form .label')
		.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height))
	expect(Math.max(...labels)).toBeLessThan(20)
	await wide.close()
	expect(problems).toEqual([])
	await context.close()
}, 60_000)
