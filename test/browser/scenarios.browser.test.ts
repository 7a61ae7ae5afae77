import { expect, test } from 'bun:test'
import type { Page } from 'playwright-core'
import { screenshot, useBrowserApp, watchPage } from '../helpers/browser'
import { call } from '../helpers/deps'

const ctx = useBrowserApp()

/** Every step card's path and type, in document order: the editor's structure. */
const structure = (page: Page) =>
	page.$$eval('#scenario-editor [data-step-path]', (els) =>
		els.map((e) => `${e.getAttribute('data-step-path')}:${e.getAttribute('data-step-type')}`),
	)

async function op(page: Page, value: string, waitFor: string) {
	await page.click(`button[name="op"][value="${value}"]`)
	await page.waitForSelector(waitFor, { timeout: 10_000 })
}

test('build a loop containing a conditional in the editor, save, reload: same structure', async () => {
	const page = await ctx.browser.newPage({ viewport: { width: 1280, height: 900 } })
	const problems = watchPage(page)
	await page.goto(`${ctx.url}/scenarios/new/blank`)
	await page.waitForFunction(() => typeof (window as any).htmx?.version === 'string')
	await page.fill('input[name="name"]', 'Browser-built <flow>')
	await page.fill('textarea[name="flowConfig[0].config.message:string"]', 'Hello {{name}}')
	await page.fill('textarea[name="messageTemplates:json"]', '{"name": "Ada"}')

	await op(page, 'add:flowConfig:loop', '[data-step-path="flowConfig.1"][data-step-type="loop"]')
	await page.fill('input[name="flowConfig[1].config.iterations:number"]', '4')
	await op(
		page,
		'add:flowConfig.1.config.steps:conditional',
		'[data-step-path="flowConfig.1.config.steps.1"][data-step-type="conditional"]',
	)
	await page.fill(
		'input[name="flowConfig[1].config.steps[1].config.condition:string"]',
		'matches:/sorry/i',
	)
	await op(
		page,
		'add:flowConfig.1.config.steps.1.config.then:message',
		'[data-step-path="flowConfig.1.config.steps.1.config.then.0"]',
	)
	await page.fill(
		'textarea[name="flowConfig[1].config.steps[1].config.then[0].config.message:string"]',
		'Please try again, {{name}}',
	)
	await op(
		page,
		'add:flowConfig.1.config.steps.1.config.else:delay',
		'[data-step-path="flowConfig.1.config.steps.1.config.else.0"]',
	)

	// An invalid edit shows its error inline next to the step, and clears once fixed.
	await page.fill(
		'input[name="flowConfig[1].config.steps[1].config.condition:string"]',
		'smells:fishy',
	)
	await op(page, 'check', '[data-errors-for="flowConfig.1.config.steps.1.config.condition"]')
	await screenshot(page, 'scenario-editor-error')
	await page.fill(
		'input[name="flowConfig[1].config.steps[1].config.condition:string"]',
		'matches:/sorry/i',
	)
	await op(page, 'check', '[data-error-count="0"]')

	const before = await structure(page)
	expect(before).toEqual([
		'flowConfig.0:message',
		'flowConfig.1:loop',
		'flowConfig.1.config.steps.0:message',
		'flowConfig.1.config.steps.1:conditional',
		'flowConfig.1.config.steps.1.config.then.0:message',
		'flowConfig.1.config.steps.1.config.else.0:delay',
	])
	await screenshot(page, 'scenario-editor')

	await page.click('button[name="op"][value="save"]')
	await page.waitForURL(/\/scenarios\/[a-z0-9]+$/, { timeout: 10_000 })
	const id = page.url().split('/').pop()!
	await page.reload()
	await page.waitForSelector('[data-outline]')
	expect(await page.locator('h1').textContent()).toBe('Browser-built <flow>')
	const outline = await page.$$eval('#scenario-details li[data-step-id]', (els) =>
		els.map((e) => e.getAttribute('data-step-type')),
	)
	expect(outline).toEqual(['message', 'loop', 'message', 'conditional', 'message', 'delay'])
	await screenshot(page, 'scenario-detail')

	const stored = await call(ctx.deps.app, 'GET', `/api/scenarios/${id}`)
	const loop = stored.json.data.flowConfig[1]
	expect(loop).toMatchObject({ type: 'loop', config: { iterations: 4 } })
	expect(loop.config.steps[1]).toMatchObject({
		type: 'conditional',
		config: { condition: 'matches:/sorry/i' },
	})
	expect(loop.config.steps[1].config.then[0].config.message).toBe('Please try again, {{name}}')

	await page.goto(`${ctx.url}/scenarios/${id}/edit`)
	await page.waitForSelector('#scenario-editor')
	expect(await structure(page)).toEqual(before)
	expect(
		await page.inputValue('input[name="flowConfig[1].config.steps[1].config.condition:string"]'),
	).toBe('matches:/sorry/i')

	// Reorder and remove through htmx, save again with PUT, and the stored flow follows.
	await op(
		page,
		'up:flowConfig.1.config.steps.1',
		'[data-step-path="flowConfig.1.config.steps.0"][data-step-type="conditional"]',
	)
	await op(page, 'remove:flowConfig.0', '[data-step-path="flowConfig.0"][data-step-type="loop"]')
	await page.click('button[name="op"][value="save"]')
	await page.waitForURL(new RegExp(`/scenarios/${id}$`), { timeout: 10_000 })
	const after = await call(ctx.deps.app, 'GET', `/api/scenarios/${id}`)
	expect(after.json.data.flowConfig.map((s: any) => s.type)).toEqual(['loop'])
	expect(after.json.data.flowConfig[0].config.steps.map((s: any) => s.type)).toEqual([
		'conditional',
		'message',
	])
	expect(problems).toEqual([])
}, 60_000)

test('the scenario list, template cards and YAML view render without errors', async () => {
	const page = await ctx.browser.newPage({ viewport: { width: 1280, height: 900 } })
	const problems = watchPage(page)
	await page.goto(`${ctx.url}/scenarios/new`)
	await page.waitForSelector('[data-template-id="polite-persistent-requester"]')
	await screenshot(page, 'scenario-templates')
	await page.click('[data-template-id="branching-on-replies"] button[type="submit"]')
	await page.waitForURL(/\/edit$/, { timeout: 10_000 })
	await op(page, 'view:yaml', '#scenario-editor[data-mode="yaml"]')
	expect(await page.inputValue('textarea[name="yamlSource"]')).toContain('kind: krawall/scenario')
	await op(page, 'apply-yaml', '#scenario-editor[data-mode="form"]')
	await page.goto(`${ctx.url}/scenarios`)
	await page.waitForSelector('#scenario-table tr[data-scenario-id]')
	await screenshot(page, 'scenario-list')
	expect(problems).toEqual([])
}, 60_000)
