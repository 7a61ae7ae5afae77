import { expect, test } from 'bun:test'
import { mkdirSync } from 'node:fs'
import type { AssessmentView } from '../../src/assessments/model'
import { startMockServer, type MockServer } from '../../src/mock/server'
import { startWorkers } from '../../src/worker'
import { useBrowserApp, watchPage } from '../helpers/browser'
import { call } from '../helpers/deps'
import { createPresetTarget, MOCK_KEY, waitFor } from '../helpers/mock-run'

let mock: MockServer
let workers: ReturnType<typeof startWorkers>
const ctx = useBrowserApp({
	setup: async (deps) => {
		mock = await startMockServer({ apiKey: MOCK_KEY, grpcPort: false })
		workers = startWorkers(deps)
	},
	teardown: async () => {
		await workers?.close(2000)
		await mock?.stop()
	},
})

const SHOTS = '/work/notes/shots/assessments'
const CONTROLS = 'obedient:3000,max-tokens:300,context:3000,input-limit:6000'

test('the dashboard form estimates, starts an assessment and its page follows it to the findings', async () => {
	await createPresetTarget(ctx.deps, 'openai-chat', `${mock.url}/persona/${CONTROLS}`, {
		name: 'Guarded <bot>',
	})
	const page = await ctx.browser.newPage({ viewport: { width: 1300, height: 900 } })
	const problems = watchPage(page)
	await page.goto(`${ctx.url}/assessments`)
	expect(await page.locator('nav a[href="/assessments"]').count()).toBeGreaterThan(0)
	const form = page.locator('#assess-form')
	for (const p of ['rate', 'concurrency', 'spend'])
		await form.locator(`input[value="${p}"]`).uncheck()
	await form.getByRole('button', { name: 'Estimate' }).click()
	const estimate = await page.locator('#assess-estimate').textContent()
	expect(estimate).toMatch(/Estimate: at most \d+ requests, up to \$/)
	// The form keeps what was chosen.
	expect(await page.locator('#assess-form input[value="rate"]').isChecked()).toBe(false)
	await page.locator('#assess-form').getByRole('button', { name: 'Start assessment' }).click()
	await page.waitForURL(/\/assessments\/[a-z0-9]+$/)
	await page.locator('#assessment-body [data-status="COMPLETED"]').waitFor({ timeout: 30_000 })
	expect(await page.locator('#headline').count()).toBe(1)
	const verdicts = await page
		.locator('#findings article')
		.evaluateAll((els) => els.map((e) => `${e.id}:${e.getAttribute('data-verdict')}`))
	expect(verdicts).toEqual([
		'finding-output:present',
		'finding-depth:present',
		'finding-input:present',
	])
	expect(await page.locator('h1, h2').first().textContent()).toContain('Guarded <bot>')
	mkdirSync(SHOTS, { recursive: true })
	await page.screenshot({ path: `${SHOTS}/assessment-page.png`, fullPage: true })
	expect(problems).toEqual([])
}, 60_000)

test('the HTML report opens offline with the headline, every finding and its chart', async () => {
	const target = await createPresetTarget(
		ctx.deps,
		'openai-chat',
		`${mock.url}/persona/${CONTROLS},ratelimit:8,slow:40`,
	)
	const res = await call(ctx.deps.app, 'POST', '/api/assessments', {
		targetId: target.id,
		limits: { maxCostUsd: 5, maxRequests: 2000, maxDurationSec: 60 },
		options: { maxRatePerSec: 24, rateStepSec: 1, maxConcurrency: 4, spendDurationSec: 2 },
	})
	const id = res.json.data.assessmentId
	const a = (await waitFor(async () => {
		const r = await call(ctx.deps.app, 'GET', `/api/assessments/${id}`)
		return r.json.data.status === 'COMPLETED' && r.json.data
	}, 50_000)) as AssessmentView
	const r = await call(ctx.deps.app, 'GET', `/api/assessments/${id}/report?format=html`)
	expect(r.status).toBe(200)
	expect(r.headers.get('content-type')).toContain('text/html')
	expect(r.text).not.toContain('<script')
	const context = await ctx.browser.newContext({
		offline: true,
		viewport: { width: 1200, height: 900 },
	})
	const requests: string[] = []
	await context.route('**/*', (route) => {
		requests.push(route.request().url())
		return route.abort()
	})
	const page = await context.newPage()
	await page.setContent(r.text, { waitUntil: 'load' })
	expect(requests).toEqual([])
	expect(await page.locator('#headline').textContent()).toContain('Worst-case burn per hour')
	const cards = page.locator('#findings article')
	expect(await cards.count()).toBe(6)
	for (const f of a.findings) {
		const card = page.locator(`#finding-${f.probe}`)
		expect(await card.getAttribute('data-verdict')).toBe(f.verdict)
		expect(await card.textContent()).toContain(f.summary)
		if (f.chart) expect(await card.locator('svg circle').count()).toBe(f.chart.points.length)
	}
	expect(a.findings.find((f) => f.probe === 'rate')!.verdict).toBe('present')
	expect(await page.locator('figure.chart svg').count()).toBeGreaterThanOrEqual(5)
	mkdirSync(SHOTS, { recursive: true })
	await page.screenshot({ path: `${SHOTS}/report.png`, fullPage: true })
	await context.close()
	const md = await call(ctx.deps.app, 'GET', `/api/assessments/${id}/report?format=md`)
	expect(md.text).toContain('| Request rate | rate-limit | present |')
	const json = await call(ctx.deps.app, 'GET', `/api/assessments/${id}/report?format=json`)
	expect(JSON.parse(json.text).data.findings.length).toBe(6)
}, 60_000)
