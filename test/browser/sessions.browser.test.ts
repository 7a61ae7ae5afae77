import { expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { sessions } from '../../src/db/schema'
import { createPresetTarget } from '../helpers/mock-run'
import { screenshot, useMockBrowserApp, watchPage } from '../helpers/browser'

const ctx = useMockBrowserApp()

test('start a session from the dashboard, watch messages arrive live, cancel it from the page', async () => {
	await createPresetTarget(ctx.deps, 'openai-chat', `${ctx.mock.url}/persona/slow:250`, {
		name: 'Mock <GPT>',
	})
	const page = await ctx.browser.newPage()
	const problems = watchPage(page)
	await page.goto(`${ctx.url}/sessions/new`)
	await page.fill(
		'textarea[name="executionConfig.customMessages"]',
		Array.from({ length: 30 }, (_, i) => `Question ${i + 1}`).join('\n'),
	)
	await page.fill('input[name="executionConfig.repetitions:number"]', '2')
	await page.click('#execute-form button[type="submit"]')
	await page.waitForURL(/\/sessions\/(?!new$)[a-z0-9]+$/, { timeout: 15_000 })
	const id = page.url().split('/').pop()!
	// Messages appear live over SSE, without reloading the page.
	await page.waitForFunction(
		() => document.querySelectorAll('#chat-log [data-direction="received"]').length >= 3,
		null,
		{ timeout: 20_000 },
	)
	expect(await page.locator('#chat-log [data-direction="sent"]').first().textContent()).toContain(
		'Question 1',
	)
	expect(await page.locator('#session-status').textContent()).toContain('RUNNING')
	// The message waiting for its reply shows up before the reply does.
	await page.waitForSelector('#in-flight [data-in-flight]', { timeout: 10_000 })
	await screenshot(page, 'session-live')
	await page.click('#cancel-session')
	await page.waitForFunction(
		() => document.querySelector('#session-status')?.textContent?.includes('CANCELLED'),
		null,
		{ timeout: 15_000 },
	)
	const [s] = await ctx.deps.db.select().from(sessions).where(eq(sessions.id, id))
	expect(s.status).toBe('CANCELLED')
	expect(
		await page.locator('#chat-log [data-direction="received"]').count(),
	).toBeGreaterThanOrEqual(3)
	await screenshot(page, 'session-cancelled')
	await page.goto(`${ctx.url}/sessions`)
	expect(await page.locator(`tr[data-session-id="${id}"]`).textContent()).toContain('CANCELLED')
	expect(await page.locator(`tr[data-session-id="${id}"]`).textContent()).toContain('Mock <GPT>')
	await screenshot(page, 'sessions-list')
	expect(problems).toEqual([])
}, 60_000)

test('a session that completes while its page is open shows its summary without a reload', async () => {
	const target = await createPresetTarget(
		ctx.deps,
		'openai-chat',
		`${ctx.mock.url}/persona/slow:150`,
		{
			name: 'Quick',
		},
	)
	const page = await ctx.browser.newPage()
	const problems = watchPage(page)
	await page.goto(`${ctx.url}/sessions/new`)
	await page.selectOption('select[name="targetId"]', target.id)
	await page.fill('textarea[name="executionConfig.customMessages"]', 'One\nTwo\nThree\nFour')
	await page.click('#execute-form button[type="submit"]')
	await page.waitForURL(/\/sessions\/(?!new$)[a-z0-9]+$/, { timeout: 15_000 })
	await page.evaluate(() => ((window as any).__sameDocument = true))
	await page.waitForSelector('#session-summary', { timeout: 20_000 })
	expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true)
	expect(await page.locator('#session-status').textContent()).toContain('COMPLETED')
	expect(await page.locator('#chat-log [data-direction="received"]').count()).toBe(4)
	expect(await page.locator('#session-summary').textContent()).toContain('No limit met')
	await screenshot(page, 'session-completed')
	expect(problems).toEqual([])
}, 60_000)
