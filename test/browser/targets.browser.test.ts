import { expect, test } from 'bun:test'
import { screenshot, useBrowserApp, watchPage } from '../helpers/browser'

const ctx = useBrowserApp()

const KEY = 'sk-proj-browsertest0123456789'

test('create a target from the OpenAI preset through the dashboard, see it listed, open it, see the masked key', async () => {
	const page = await ctx.browser.newPage()
	const problems = watchPage(page)
	await page.goto(`${ctx.url}/targets`)
	await page.waitForFunction(() => typeof (window as any).htmx?.version === 'string')
	await expect(page.locator('#target-list').textContent()).resolves.toContain('No targets yet')
	await page.click('text=New target')
	await page.waitForURL('**/targets/new')
	await page.click('[data-preset="openai-chat"]')
	await page.waitForURL('**/targets/new?preset=openai-chat')

	// The form is pre-filled from the preset and the live check runs against its example response.
	await expect(page.inputValue('input[name="endpoint"]')).resolves.toBe('https://api.openai.com')
	await expect(page.inputValue('input[name="requestTemplate.messagePath"]')).resolves.toBe(
		'messages.0.content',
	)
	await page.waitForSelector('#template-check [data-template-valid="true"]')
	await expect(page.locator('#template-check').textContent()).resolves.toContain(
		'Hello! How can I assist you today?',
	)

	// Breaking the response path turns the check red, with suggestions; fixing it turns it green again.
	await page.fill('input[name="responseTemplate.responsePath"]', 'choices.0.message.text')
	await page.waitForSelector('#template-check [data-template-valid="false"]')
	await expect(page.locator('#template-check').textContent()).resolves.toContain(
		'choices.0.message.content',
	)
	await screenshot(page, 'targets-new-openai-invalid')
	await page.fill('input[name="responseTemplate.responsePath"]', 'choices.0.message.content')
	await page.waitForSelector('#template-check [data-template-valid="true"]')

	await page.fill('input[name="name"]', 'OpenAI from the browser')
	expect(await page.getAttribute('input[name="authConfig.token"]', 'type')).toBe('password')
	await page.fill('input[name="authConfig.token"]', KEY)
	await screenshot(page, 'targets-new-openai')
	await page.click('button:has-text("Create target")')

	await page.waitForURL(/\/targets\/[a-z0-9]{20,}$/)
	await page.waitForSelector('[data-masked-auth]')
	const auth = await page.locator('[data-masked-auth]').textContent()
	expect(auth).toContain('sk-p...6789')
	expect(await page.content()).not.toContain(KEY)
	await expect(page.locator('h1').textContent()).resolves.toBe('OpenAI from the browser')
	await screenshot(page, 'targets-detail')

	await page.click('nav[aria-label="Main"] >> text=Targets')
	await page.waitForURL('**/targets')
	const row = page.locator('#target-list tr', { hasText: 'OpenAI from the browser' })
	await expect(row.textContent()).resolves.toContain('https://api.openai.com')
	await expect(row.textContent()).resolves.toContain('BEARER_TOKEN')
	await screenshot(page, 'targets-list')
	await row.locator('a').click()
	await page.waitForSelector('[data-masked-auth]')
	expect(await page.locator('[data-masked-auth]').textContent()).toContain('sk-p...6789')
	expect(problems).toEqual([])

	const stored = (await (await fetch(`${ctx.url}/api/targets`)).json()).data
	expect(stored).toHaveLength(1)
	expect(stored[0].presetId).toBe('openai-chat')
}, 60_000)

test('validation errors appear next to the form, and the form works without JavaScript', async () => {
	const context = await ctx.browser.newContext({ javaScriptEnabled: false })
	const page = await context.newPage()
	await page.goto(`${ctx.url}/targets/new?preset=custom-http`)
	await page.fill('input[name="name"]', 'No-JS target')
	await page.fill('input[name="authConfig.token"]', 'nojs-token-0123456789')
	await page.click('button:has-text("Create target")')
	await page.waitForURL(/\/targets\/[a-z0-9]{20,}$/)
	expect(await page.locator('[data-masked-auth]').textContent()).toContain('nojs...6789')
	await context.close()

	const js = await ctx.browser.newPage()
	await js.goto(`${ctx.url}/targets/new?preset=custom-http`)
	await js.waitForFunction(() => typeof (window as any).htmx?.version === 'string')
	await js.fill('input[name="endpoint"]', 'http://169.254.169.254/')
	await js.fill('input[name="authConfig.token"]', 'x')
	await js.click('button:has-text("Create target")')
	await js.waitForSelector('#form-result [role="alert"]')
	await expect(js.locator('#form-result').textContent()).resolves.toContain('deny list')
	expect(js.url()).toContain('/targets/new')
	await screenshot(js, 'targets-new-error')
}, 60_000)
