import { expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { sessions } from '../../src/db/schema'
import { call } from '../helpers/deps'
import { createPresetTarget, waitForStatus } from '../helpers/mock-run'
import { screenshot, useMockBrowserApp, watchPage } from '../helpers/browser'

const ctx = useMockBrowserApp()

const MESSAGES = Array.from({ length: 8 }, (_, i) => `Question ${i + 1}`)

test('home: the live progress bar shows real progress, and the tiles refresh when the run ends', async () => {
	const target = await createPresetTarget(
		ctx.deps,
		'openai-chat',
		`${ctx.mock.url}/persona/slow:1200`,
	)
	const r = await call(ctx.deps.app, 'POST', '/api/execute', {
		targetId: target.id,
		executionConfig: { customMessages: MESSAGES },
	})
	const id = r.json.data.sessionId as string
	// Execute plans the messages of a fixed-length flow.
	const [queued] = await ctx.deps.db.select().from(sessions).where(eq(sessions.id, id))
	expect(queued.messagesTotal).toBe(8)

	const page = await ctx.browser.newPage()
	const problems = watchPage(page)
	await page.goto(`${ctx.url}/`)
	await page.evaluate(() => ((window as any).__sameDocument = true))
	expect(await page.locator('#stat-active [data-value]').textContent()).toBe('1')
	// While it runs, the bar reads the share of the 8 planned messages, below 100 %.
	const seen: { pct: number; text: string }[] = []
	await page.waitForFunction(
		() => {
			const bar = document.querySelector('#live-sessions [role="progressbar"]')
			const n = Number(bar?.getAttribute('aria-valuenow'))
			return n > 0 && n < 100
		},
		null,
		{ timeout: 30_000 },
	)
	const bar = page.locator('#live-sessions [role="progressbar"]')
	seen.push({
		pct: Number(await bar.getAttribute('aria-valuenow')),
		text: (await page.locator('#live-sessions li').first().textContent()) ?? '',
	})
	const done = Number(/(\d+) \/ 8 messages/.exec(seen[0].text)?.[1])
	expect(done).toBeGreaterThan(0)
	expect(done).toBeLessThan(8)
	expect(seen[0].pct).toBe(Math.floor((done / 8) * 100))
	await screenshot(page, 'home-live-progress')

	// The run ends: the live list empties and the stats tiles update without a reload.
	await waitForStatus(ctx.deps, id, ['COMPLETED'])
	await page.waitForFunction(
		() => document.querySelector('#stat-active [data-value]')?.textContent === '0',
		null,
		{ timeout: 30_000 },
	)
	await page.waitForFunction(
		() => document.querySelector('#live-sessions')?.textContent?.includes('Nothing running'),
		null,
		{ timeout: 30_000 },
	)
	expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true)
	// The tiles are the server's figures after the run: 8 messages' tokens counted.
	const [s] = await ctx.deps.db.select().from(sessions).where(eq(sessions.id, id))
	const stats = await call(ctx.deps.app, 'GET', '/api/dashboard/stats')
	expect(stats.json.data.counts.activeSessions).toBe(0)
	expect(s.tokensTotal).toBeGreaterThan(0)
	expect(await page.locator('#stat-tokens [data-value]').textContent()).not.toBe('0')
	expect(problems).toEqual([])
}, 120_000)

test('session page: the live log follows new messages unless the reader scrolled up', async () => {
	const target = await createPresetTarget(
		ctx.deps,
		'openai-chat',
		`${ctx.mock.url}/persona/slow:400`,
	)
	const r = await call(ctx.deps.app, 'POST', '/api/execute', {
		targetId: target.id,
		executionConfig: { customMessages: Array.from({ length: 30 }, (_, i) => `Tell me ${i}`) },
	})
	const id = r.json.data.sessionId as string
	const page = await ctx.browser.newPage()
	await page.setViewportSize({ width: 1200, height: 800 })
	const problems = watchPage(page)
	await page.goto(`${ctx.url}/sessions/${id}`)
	const log = page.locator('#chat-log')
	const count = () => page.locator('#chat-log [data-direction="received"]').count()
	const gap = () => log.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight)
	// Enough messages to overflow the log, then it is at its bottom after each new one.
	await page.waitForFunction(
		() => {
			const el = document.querySelector('#chat-log') as HTMLElement
			return el.scrollHeight > el.clientHeight + 200
		},
		null,
		{ timeout: 30_000 },
	)
	const before = await count()
	await page.waitForFunction(
		(n) => document.querySelectorAll('#chat-log [data-direction="received"]').length > n,
		before,
		{ timeout: 30_000 },
	)
	expect(await gap()).toBeLessThan(40)
	await screenshot(page, 'session-log-following')

	// The reader scrolls up: new messages arrive, the view stays where the reader put it.
	await log.evaluate((el) => {
		el.scrollTop = 0
		el.dispatchEvent(new Event('scroll'))
	})
	const atScroll = await count()
	await page.waitForFunction(
		(n) => document.querySelectorAll('#chat-log [data-direction="received"]').length > n + 1,
		atScroll,
		{ timeout: 30_000 },
	)
	expect(await log.evaluate((el) => el.scrollTop)).toBe(0)

	// Back at the bottom, it follows again.
	await log.evaluate((el) => {
		el.scrollTop = el.scrollHeight
		el.dispatchEvent(new Event('scroll'))
	})
	const atBottom = await count()
	await page.waitForFunction(
		(n) => document.querySelectorAll('#chat-log [data-direction="received"]').length > n,
		atBottom,
		{ timeout: 30_000 },
	)
	expect(await gap()).toBeLessThan(40)
	await call(ctx.deps.app, 'POST', `/api/sessions/${id}/cancel`)
	expect(problems).toEqual([])
}, 120_000)
