import { expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { targets } from '../../src/db/schema'
import { startMockServer, type MockServer } from '../../src/mock/server'
import { screenshot, useBrowserApp, watchPage } from '../helpers/browser'
import { createPresetTarget, MOCK_KEY } from '../helpers/mock-run'

/** What a first-time user sees while setting up a target (issue 18, "Connector setup"). */
let mock: MockServer
const ctx = useBrowserApp({
	setup: async () => {
		mock = await startMockServer({ port: 0, apiKey: MOCK_KEY, grpcPort: false })
	},
	teardown: () => mock?.stop(),
})

const htmxReady = (page: import('playwright-core').Page) =>
	page.waitForFunction(() => typeof (window as any).htmx?.version === 'string')

test('the form shows the URL it will call as you type, without doubling the path', async () => {
	const page = await ctx.browser.newPage()
	const problems = watchPage(page)
	await page.goto(`${ctx.url}/targets/new?preset=openai-chat`)
	await htmxReady(page)
	const preview = page.locator('#url-preview')
	expect(await preview.textContent()).toContain(
		'Will call POST https://api.openai.com/v1/chat/completions',
	)
	await page.fill('input[name="endpoint"]', `${mock.url}/persona/slow:10`)
	await page.waitForFunction(
		(u) => document.querySelector('#url-preview')?.textContent?.includes(u),
		`POST ${mock.url}/persona/slow:10/v1/chat/completions`,
	)
	// A pasted full URL is called as it is.
	await page.fill('input[name="endpoint"]', `${mock.url}/v1/chat/completions`)
	await page.waitForFunction(
		(u) => document.querySelector('#url-preview [data-url-preview]')?.textContent === u,
		`POST ${mock.url}/v1/chat/completions`,
	)
	await page.fill('input[name="endpoint"]', 'not a url')
	await page.waitForSelector('#url-preview [data-url-problem]')
	expect(await preview.textContent()).toBe('"not a url" is not a valid URL')

	// WebSocket: the mock's ws URL already ends in /ws, the preset's path is /ws.
	await page.goto(`${ctx.url}/targets/new?preset=custom-websocket`)
	await htmxReady(page)
	await page.fill('input[name="endpoint"]', mock.url.replace('http', 'ws') + '/ws')
	await page.waitForFunction(
		(u) => document.querySelector('#url-preview [data-url-preview]')?.textContent === u,
		`WebSocket ${mock.url.replace('http', 'ws')}/ws`,
	)
	// Gemini's key goes in the query: shown masked.
	await page.goto(`${ctx.url}/targets/new?preset=google-gemini`)
	expect(await page.locator('#url-preview').textContent()).toContain('?key=***')
	await screenshot(page, 'url-preview')
	expect(problems).toEqual([])
	await page.close()
}, 60_000)

test('"Stream the reply" switches streaming on without editing JSON, and the target streams', async () => {
	const page = await ctx.browser.newPage()
	const problems = watchPage(page)
	await page.goto(`${ctx.url}/targets/new?preset=openai-chat`)
	await htmxReady(page)
	await page.fill('input[name="name"]', 'Streams')
	await page.fill('input[name="endpoint"]', mock.url)
	await page.fill('input[name="authConfig.token"]', MOCK_KEY)
	const box = page.getByLabel('Stream the reply (measures time to first token)')
	expect(await box.isChecked()).toBe(false)
	await box.check()
	const json = JSON.parse(await page.locator('textarea[name="protocolConfig:json"]').inputValue())
	expect(json.stream).toBe(true)
	await page.click('button:has-text("Create target")')
	await page.waitForURL(/\/targets\/[a-z0-9]{20,}$/)
	const id = page.url().split('/').pop()!
	const [row] = await ctx.deps.db.select().from(targets).where(eq(targets.id, id))
	expect((row.protocolConfig as any).stream).toBe(true)
	// The test connection streams: it reports a time to first token.
	await page.getByRole('button', { name: 'Test connection' }).click()
	const result = page.locator('[data-testid="connection-test-result"]')
	await result.waitFor({ timeout: 15_000 })
	expect(await result.textContent()).toContain('first token')
	// Presets that cannot stream have no such box.
	await page.goto(`${ctx.url}/targets/new?preset=custom-http`)
	expect(await page.locator('#stream-toggle').count()).toBe(0)
	expect(problems).toEqual([])
	await page.close()
}, 60_000)

test('"Last connection test" updates when Test connection finishes, without a reload', async () => {
	const t = await createPresetTarget(ctx.deps, 'openai-chat', mock.url, { name: 'Fresh' })
	const page = await ctx.browser.newPage()
	const problems = watchPage(page)
	await page.goto(`${ctx.url}/targets/${t.id}`)
	await htmxReady(page)
	expect(await page.locator('#last-connection-test').textContent()).toBe('never tested')
	await page.evaluate(() => ((window as any).__sameDocument = true))
	await page.getByRole('button', { name: 'Test connection' }).click()
	await page.waitForFunction(() =>
		document.querySelector('#last-connection-test')?.textContent?.startsWith('ok · '),
	)
	expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true)
	const [row] = await ctx.deps.db.select().from(targets).where(eq(targets.id, t.id))
	expect(row.lastTestSuccess).toBe(true)
	expect(await page.locator('#last-connection-test').textContent()).toContain(
		row.lastTestAt!.toISOString().replace('T', ' ').slice(0, 19),
	)
	expect(problems).toEqual([])
	await page.close()
}, 60_000)

test('an SSE target reading the wrong field says which path it looked for and suggests "content"', async () => {
	// Custom HTTP switched to SSE keeps its response path "response"; the mock's events carry "content".
	const t = await createPresetTarget(ctx.deps, 'custom-http', mock.url, { name: 'SSE, wrong path' })
	await ctx.deps.db
		.update(targets)
		.set({ connectorType: 'SSE', protocolConfig: { method: 'POST', path: '/sse' } })
		.where(eq(targets.id, t.id))
	const page = await ctx.browser.newPage()
	await page.goto(`${ctx.url}/targets/${t.id}`)
	await htmxReady(page)
	await page.getByRole('button', { name: 'Test connection' }).click()
	const result = page.locator('[data-testid="connection-test-result"]')
	await result.waitFor({ timeout: 15_000 })
	const text = await result.textContent()
	expect(text).toContain('empty_response')
	expect(text).toContain('The stream ended without content at "response"')
	expect(text).toContain('the first event has the fields content; try "content"')
	await screenshot(page, 'sse-path-hint')
	// The SSE preset card is offered and reads "content".
	await page.goto(`${ctx.url}/targets/new`)
	await page.click('[data-preset="custom-sse"]')
	await page.waitForURL(/preset=custom-sse/)
	expect(await page.locator('input[name="responseTemplate.responsePath"]').inputValue()).toBe(
		'content',
	)
	await page.close()
}, 60_000)
