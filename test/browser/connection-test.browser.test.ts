import { expect, test } from 'bun:test'
import { startMockServer, type MockServer } from '../../src/mock/server'
import { findPreset } from '../../src/presets/presets'
import { screenshot, useBrowserApp, watchPage } from '../helpers/browser'
import { call } from '../helpers/deps'

const KEY = 'sk-browser-test-secret-5521'
let mock: MockServer
const ctx = useBrowserApp({
	setup: async () => {
		mock = await startMockServer({ apiKey: KEY, grpcPort: false })
	},
	teardown: () => mock?.stop(),
})

async function anthropicTarget(key: string) {
	const p = findPreset('anthropic-messages')!
	const res = await call(ctx.deps.app, 'POST', '/api/targets', {
		name: 'Claude <on the mock>',
		connectorType: p.connectorType,
		endpoint: mock.url,
		authType: p.authType,
		authConfig: { ...p.authConfigDefaults, apiKey: key },
		requestTemplate: p.requestTemplate,
		responseTemplate: p.responseTemplate,
		protocolConfig: { ...p.protocolConfig, stream: true },
	})
	expect(res.status).toBe(201)
	return res.json.data.id as string
}

test('"Test connection" on the target page shows the result inline, raw response included', async () => {
	const id = await anthropicTarget(KEY)
	const page = await ctx.browser.newPage()
	const problems = watchPage(page)
	await page.goto(`${ctx.url}/targets/${id}`)
	await page.getByRole('button', { name: 'Test connection' }).click()
	const result = page.locator('[data-testid="connection-test-result"]')
	await result.waitFor({ timeout: 15_000 })
	expect(await result.getAttribute('data-healthy')).toBe('true')
	expect(await result.textContent()).toContain('Mock reply to')
	expect(await result.textContent()).toContain('first token')
	await page.getByText('Raw response').click()
	expect(await page.locator('pre').first().textContent()).toContain('content_block_delta')
	await screenshot(page, 'connection-test-healthy')
	expect(await page.content()).not.toContain(KEY)
	expect(problems).toEqual([])
	await page.close()
})

test('a failing test shows the classified error', async () => {
	const id = await anthropicTarget('sk-wrong-key-0000')
	const page = await ctx.browser.newPage()
	await page.goto(`${ctx.url}/targets/${id}`)
	await page.getByRole('button', { name: 'Test connection' }).click()
	const result = page.locator('[data-testid="connection-test-result"]')
	await result.waitFor({ timeout: 15_000 })
	expect(await result.getAttribute('data-healthy')).toBe('false')
	expect(await result.textContent()).toContain('auth_error')
	await screenshot(page, 'connection-test-failed')
	await page.close()
})
