import { expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { mkdirSync } from 'node:fs'
import { targets } from '../../src/db/schema'
import { useMockBrowserApp, watchPage } from '../helpers/browser'
import { createPresetTarget, createScenario } from '../helpers/mock-run'

const ctx = useMockBrowserApp()

const SHOTS = '/work/notes/shots/batches'

test('from a scenario page, run a batch over three targets: the batch page compares them, cheapest highlighted', async () => {
	const names = ['Mid <bot>', 'Budget bot', 'Premium bot']
	const prices = [
		{ inputPerMTok: 2, outputPerMTok: 8 },
		{ inputPerMTok: 0.5, outputPerMTok: 1.5 },
		{ inputPerMTok: 5, outputPerMTok: 15 },
	]
	for (const [i, name] of names.entries()) {
		const t = await createPresetTarget(ctx.deps, 'openai-chat', ctx.mock.url, { name })
		await ctx.deps.db.update(targets).set({ pricing: prices[i] }).where(eq(targets.id, t.id))
	}
	const scenario = await createScenario(ctx.deps, {
		name: 'Pricing chat',
		flowConfig: [
			{ id: 'a', type: 'message', config: { message: 'Hello' } },
			{ id: 'b', type: 'message', config: { message: 'What does it cost?' } },
		],
		repetitions: 3,
		concurrency: 1,
	})
	const page = await ctx.browser.newPage({ viewport: { width: 1300, height: 900 } })
	const problems = watchPage(page)
	await page.goto(`${ctx.url}/scenarios/${scenario.id}`)
	const form = page.locator('#batch-form')
	for (const name of names) await form.getByLabel(name).check()
	await form.getByRole('button', { name: 'Run batch' }).click()
	await page.waitForURL(/\/batches\/[a-z0-9]+$/)
	// The page polls until every session has finished, then shows the comparison.
	await page.locator('#compare-table').waitFor({ timeout: 30_000 })
	expect(await page.locator('#batch-status [data-status]').textContent()).toBe('COMPLETED')
	const rows = page.locator('#batch-sessions tbody tr td:first-child')
	// In the order the form lists (and submits) the targets: by name.
	expect(await rows.allTextContents()).toEqual(['Budget bot', 'Mid <bot>', 'Premium bot'])
	expect(await page.locator('#batch-cheapest').textContent()).toContain('Budget bot')
	const highlighted = page.locator('#batch-sessions tbody tr.bg-emerald-50')
	expect(await highlighted.count()).toBe(1)
	expect(await highlighted.textContent()).toContain('Budget bot')
	expect(await page.locator('#compare-table thead').textContent()).toContain('Mid <bot>')
	mkdirSync(SHOTS, { recursive: true })
	await page.screenshot({ path: `${SHOTS}/batch-page.png`, fullPage: true })
	expect(problems).toEqual([])
	await page.close()
}, 60_000)
