import { expect, test } from 'bun:test'
import { screenshot, useBrowserApp, watchPage } from '../helpers/browser'
import { seedScenario } from '../helpers/schedules'

let seed: Awaited<ReturnType<typeof seedScenario>>
const ctx = useBrowserApp({
	setup: async (deps) => {
		seed = await seedScenario(deps)
	},
})

test('create a schedule with the live cron preview, then disable it from the list', async () => {
	const page = await ctx.browser.newPage()
	const problems = watchPage(page)
	await page.goto(`${ctx.url}/schedules/new`)
	await page.fill('input[name=name]', 'Monday night <run>')
	await page.selectOption('select[name=scenarioId]', seed.owned.id)
	await page.fill('input[name=cronExpression]', '30 2 * * 1')
	await page.locator('#cron-preview').getByText('At 02:30, only on Monday').waitFor()
	await page.fill('input[name=timezone]', 'Europe/Berlin')
	await page.locator('#cron-preview').getByText('Next five runs (Europe/Berlin)').waitFor()
	const runs = await page.locator('#cron-preview time').allTextContents()
	expect(runs).toHaveLength(5)
	expect(runs.every((r) => r.startsWith('Mon') && r.includes('02:30'))).toBe(true)
	await screenshot(page, 'schedules-new')

	// An invalid expression is explained in place, the form stays.
	await page.fill('input[name=cronExpression]', '99 * * * *')
	await page.locator('#cron-preview').getByText('Invalid cron expression').waitFor()
	await page.fill('input[name=cronExpression]', '30 2 * * 1')
	await page.click('button[type=submit]')
	await page.waitForURL(`${ctx.url}/schedules`)
	const row = page.locator('#schedule-table tr', { hasText: 'Monday night <run>' })
	await expect(row.textContent()).resolves.toContain('At 02:30, only on Monday (Europe/Berlin)')
	await expect(row.locator('button[aria-pressed]').textContent()).resolves.toBe('enabled')
	await screenshot(page, 'schedules-list')

	await row.locator('button[aria-pressed]').click()
	await page
		.locator('#schedule-table tr', { hasText: 'Monday night <run>' })
		.locator('button', { hasText: 'disabled' })
		.waitFor()
	expect(problems).toEqual([])
	await page.close()
}, 60_000)

test('a bad form post shows the error next to the form', async () => {
	const page = await ctx.browser.newPage()
	await page.goto(`${ctx.url}/schedules/new`)
	await page.selectOption('select[name=scenarioId]', seed.bare.id)
	await page.click('button[type=submit]')
	await page.locator('#schedule-form-errors').getByText('targetId').waitFor()
	expect(page.url()).toBe(`${ctx.url}/schedules/new`)
	await screenshot(page, 'schedules-error')
	await page.close()
}, 60_000)

test('without JavaScript: the regression check is set, shown and removed through the form', async () => {
	const context = await ctx.browser.newContext({ javaScriptEnabled: false })
	const page = await context.newPage()
	await page.goto(`${ctx.url}/schedules/new`)
	await page.fill('input[name=name]', 'Cost watch')
	await page.selectOption('select[name=scenarioId]', seed.owned.id)
	await page.fill('input[name=cronExpression]', '0 4 * * *')
	const metric = page.locator('select[name="regression.metric"]')
	expect(await metric.inputValue()).toBe('')
	await metric.selectOption({ label: 'cost per conversation' })
	await page.fill('input[name="regression.thresholdPct:number"]', '12.5')
	await page.click('#schedule-form button[type=submit]')
	await page.waitForURL(`${ctx.url}/schedules`)
	const list = await (await fetch(`${ctx.url}/api/scheduled-jobs`)).json()
	const job = list.data.find((j: { name: string }) => j.name === 'Cost watch')
	expect(job.regression).toEqual({ metric: 'cost-per-conversation', thresholdPct: 12.5 })

	// The edit page shows it, in the summary and as the form's values.
	await page.goto(`${ctx.url}/schedules/${job.id}`)
	expect(await page.locator('#schedule-regression-summary').textContent()).toBe(
		'cost-per-conversation moves more than 12.5 % from the previous run',
	)
	expect(await metric.inputValue()).toBe('cost-per-conversation')
	expect(await page.locator('input[name="regression.thresholdPct:number"]').inputValue()).toBe(
		'12.5',
	)
	await screenshot(page, 'schedules-regression')

	// A metric without a percentage is refused with the field named; nothing changes.
	await page.fill('input[name="regression.thresholdPct:number"]', '')
	await page.click('#schedule-form button[type=submit]')
	expect(await page.locator('body').textContent()).toContain('regression.thresholdPct: Required')
	const kept = await (await fetch(`${ctx.url}/api/scheduled-jobs/${job.id}`)).json()
	expect(kept.data.regression).toEqual({ metric: 'cost-per-conversation', thresholdPct: 12.5 })

	// "No check" with an empty percentage removes it.
	await page.goto(`${ctx.url}/schedules/${job.id}`)
	await metric.selectOption('')
	await page.fill('input[name="regression.thresholdPct:number"]', '')
	await page.click('#schedule-form button[type=submit]')
	await page.waitForURL(`${ctx.url}/schedules`)
	const gone = await (await fetch(`${ctx.url}/api/scheduled-jobs/${job.id}`)).json()
	expect(gone.data.regression).toBeNull()
	// The rest of the definition is kept.
	expect(gone.data).toMatchObject({
		name: 'Cost watch',
		cronExpression: '0 4 * * *',
		isEnabled: true,
	})
	await context.close()
}, 60_000)
