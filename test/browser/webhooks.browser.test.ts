import { expect, test } from 'bun:test'
import { DELIVER_JOB, deliverJobHandler } from '../../src/webhooks/delivery'
import { startWorkers } from '../../src/worker'
import { screenshot, useBrowserApp, watchPage } from '../helpers/browser'
import { startReceiver } from '../helpers/webhooks'

let workers: ReturnType<typeof startWorkers>
const ctx = useBrowserApp({
	setup: (deps) => {
		workers = startWorkers(deps, { [DELIVER_JOB]: deliverJobHandler(deps) })
	},
	teardown: () => workers?.close(1000),
})

test('create a webhook, copy its secret once, send a test event and read the delivery log', async () => {
	let secret = ''
	const rx = startReceiver(() => secret)
	const page = await ctx.browser.newPage()
	const problems = watchPage(page)
	try {
		await page.goto(`${ctx.url}/webhooks/new`)
		await page.fill('input[name=name]', 'Ops <alerts>')
		await page.fill('input[name=url]', rx.url)
		await page.check('input[value="metric.threshold"]')
		await page.fill('input[name="thresholds.errorRatePercent:number"]', '5')
		await page.fill('input[name="thresholds.p95ResponseTimeMs:number"]', '2000')
		await screenshot(page, 'webhooks-new')
		await page.click('button[type=submit]')
		const shown = page.locator('[data-secret]')
		await shown.waitFor()
		secret = (await shown.textContent())!.trim()
		expect(secret).toMatch(/^whsec_/)
		await screenshot(page, 'webhooks-created')

		await page.click('text=Open the webhook')
		await page.locator('#webhook-summary').waitFor()
		expect(await page.content()).not.toContain(secret)
		await expect(page.locator('#webhook-summary').textContent()).resolves.toContain(
			'Error rate (%) > 5',
		)

		await page.click('text=Send test event')
		await page.locator('#delivery-log td', { hasText: 'webhook.test' }).waitFor()
		await expect(page.locator('#delivery-log').textContent()).resolves.toContain('DELIVERED')
		expect(rx.received).toHaveLength(1)
		expect(rx.received[0]!.verified).toBe(true)
		await screenshot(page, 'webhooks-detail')

		await page.goto(`${ctx.url}/webhooks`)
		await expect(page.locator('#webhook-table').textContent()).resolves.toContain('Ops <alerts>')
		await expect(page.locator('#webhook-table').textContent()).resolves.toContain(
			'DELIVERED webhook.test',
		)
		await screenshot(page, 'webhooks-list')
		expect(problems).toEqual([])
	} finally {
		rx.stop()
		await page.close()
	}
}, 60_000)
