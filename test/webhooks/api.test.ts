import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { webhooks } from '../../src/db/schema'
import { call, createTestDeps, form, type TestDeps } from '../helpers/deps'

let deps: TestDeps
beforeAll(async () => {
	deps = await createTestDeps()
})
afterAll(async () => {
	await deps.close()
})

const body = (over: Record<string, unknown> = {}) => ({
	name: 'Ops',
	url: 'https://hooks.example.com/krawall',
	events: ['session.completed', 'session.failed'],
	...over,
})

describe('webhooks API', () => {
	test('create: 201, a generated secret returned once, encrypted at rest, masked afterwards', async () => {
		const r = await call(deps.app, 'POST', '/api/webhooks', body())
		expect(r.status).toBe(201)
		expect(r.json.success).toBe(true)
		expect(r.json.message).toBe('Webhook created successfully')
		const secret: string = r.json.data.secret
		expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{32}$/)
		expect(r.json.data).toMatchObject({
			name: 'Ops',
			events: ['session.completed', 'session.failed'],
			isActive: true,
		})
		expect(r.json.data.retryPolicy).toEqual({
			maxAttempts: 5,
			initialDelayMs: 2000,
			maxDelayMs: 3_600_000,
		})

		const [row] = await deps.db.select().from(webhooks).where(eq(webhooks.id, r.json.data.id))
		expect(JSON.stringify(row!.secret)).not.toContain(secret)
		expect(row!.secret.v).toBe(1)

		const got = await call(deps.app, 'GET', `/api/webhooks/${r.json.data.id}`)
		expect(got.status).toBe(200)
		expect(got.text).not.toContain(secret)
		expect(got.json.data.secret).toBe(`whsec_••••••••${secret.slice(-4)}`)
		const all = await call(deps.app, 'GET', '/api/webhooks')
		expect(all.text).not.toContain(secret)
		expect(all.json.count).toBeGreaterThanOrEqual(1)
		expect(deps.logs.join('\n')).not.toContain(secret)
	})

	test('create with a given secret keeps it (shown once)', async () => {
		const r = await call(
			deps.app,
			'POST',
			'/api/webhooks',
			body({ secret: 'my-own-secret-of-some-length' }),
		)
		expect(r.status).toBe(201)
		expect(r.json.data.secret).toBe('my-own-secret-of-some-length')
	})

	test('unknown event names, missing fields and bad thresholds: 400 with details', async () => {
		const r = await call(
			deps.app,
			'POST',
			'/api/webhooks',
			body({ events: ['session.completed', 'session.exploded'] }),
		)
		expect(r.status).toBe(400)
		expect(r.json.error).toBe('Validation error')
		expect(r.json.details.some((d: any) => d.path.join('.') === 'events.1')).toBe(true)

		const missing = await call(deps.app, 'POST', '/api/webhooks', { events: ['session.completed'] })
		expect(missing.status).toBe(400)
		expect(missing.json.details[0]).toMatchObject({
			code: 'invalid_type',
			path: ['url'],
			message: 'Required',
		})

		const none = await call(deps.app, 'POST', '/api/webhooks', body({ events: [] }))
		expect(none.status).toBe(400)
		expect(none.json.details[0].path).toEqual(['events'])

		const th = await call(
			deps.app,
			'POST',
			'/api/webhooks',
			body({ thresholds: { errorRatePercent: 150 } }),
		)
		expect(th.status).toBe(400)
		expect(th.json.details[0].path).toEqual(['thresholds', 'errorRatePercent'])
	})

	test('URLs on the deny list or with other protocols are refused', async () => {
		const meta = await call(
			deps.app,
			'POST',
			'/api/webhooks',
			body({ url: 'http://169.254.169.254/latest' }),
		)
		expect(meta.status).toBe(400)
		expect(meta.json.details[0].path).toEqual(['url'])
		expect(meta.json.details[0].message).toContain('deny list')
		const ftp = await call(deps.app, 'POST', '/api/webhooks', body({ url: 'ftp://example.com/x' }))
		expect(ftp.status).toBe(400)
		const junk = await call(deps.app, 'POST', '/api/webhooks', body({ url: 'not a url' }))
		expect(junk.status).toBe(400)
	})

	test('PATCH changes only what it names; a masked secret keeps the stored one; PUT replaces', async () => {
		const c = await call(
			deps.app,
			'POST',
			'/api/webhooks',
			body({ thresholds: { p95ResponseTimeMs: 500 } }),
		)
		const id = c.json.data.id
		const masked = (await call(deps.app, 'GET', `/api/webhooks/${id}`)).json.data.secret
		const p = await call(deps.app, 'PATCH', `/api/webhooks/${id}`, {
			name: 'Renamed',
			secret: masked,
		})
		expect(p.status).toBe(200)
		expect(p.json.message).toBe('Webhook updated successfully')
		expect(p.json.data).toMatchObject({
			name: 'Renamed',
			url: body().url,
			thresholds: { p95ResponseTimeMs: 500 },
		})
		expect(p.json.data.secret).toBe(masked)

		const put = await call(
			deps.app,
			'PUT',
			`/api/webhooks/${id}`,
			body({ events: ['metric.threshold'] }),
		)
		expect(put.status).toBe(200)
		expect(put.json.data.events).toEqual(['metric.threshold'])
		expect(put.json.data.thresholds).toEqual({})
		expect(put.json.data.secret).toBe(masked)

		const rotated = await call(deps.app, 'PATCH', `/api/webhooks/${id}`, {
			secret: 'a-brand-new-secret-value',
		})
		expect(rotated.json.data.secret).toBe('whsec_••••••••alue')

		const bad = await call(deps.app, 'PATCH', `/api/webhooks/${id}`, { events: ['nope'] })
		expect(bad.status).toBe(400)
		const badUrl = await call(deps.app, 'PATCH', `/api/webhooks/${id}`, {
			url: 'http://metadata.google.internal/',
		})
		expect(badUrl.status).toBe(400)
		const putMissing = await call(deps.app, 'PUT', `/api/webhooks/${id}`, { name: 'x' })
		expect(putMissing.status).toBe(400)
	})

	test('404s: get, patch, put, delete, test, deliveries', async () => {
		const missing = '/api/webhooks/doesnotexist'
		for (const [m, p, b] of [
			['GET', missing],
			['PATCH', missing, { name: 'x' }],
			['PUT', missing, body()],
			['DELETE', missing],
			['POST', `${missing}/test`],
			['GET', `${missing}/deliveries`],
		] as [string, string, unknown?][]) {
			const r = await call(deps.app, m, p, b)
			expect(r.status).toBe(404)
			expect(r.json).toEqual({ success: false, error: 'Webhook not found' })
		}
	})

	test('delete: 200, then 404', async () => {
		const c = await call(deps.app, 'POST', '/api/webhooks', body())
		const d = await call(deps.app, 'DELETE', `/api/webhooks/${c.json.data.id}`)
		expect(d.status).toBe(200)
		expect(d.json).toEqual({ success: true, message: 'Webhook deleted successfully' })
		expect((await call(deps.app, 'GET', `/api/webhooks/${c.json.data.id}`)).status).toBe(404)
	})

	test('deliveries: paginated envelope, 400 on a bad limit', async () => {
		const c = await call(deps.app, 'POST', '/api/webhooks', body())
		const r = await call(
			deps.app,
			'GET',
			`/api/webhooks/${c.json.data.id}/deliveries?limit=10&offset=0`,
		)
		expect(r.status).toBe(200)
		expect(r.json).toEqual({
			success: true,
			data: [],
			pagination: { total: 0, limit: 10, offset: 0, hasMore: false },
		})
		const bad = await call(deps.app, 'GET', `/api/webhooks/${c.json.data.id}/deliveries?limit=0`)
		expect(bad.status).toBe(400)
		expect(bad.json.details[0].path).toEqual(['limit'])
	})
})

describe('webhooks dashboard', () => {
	test('list page is a full page; the API fragment is not; user input is escaped', async () => {
		await call(deps.app, 'POST', '/api/webhooks', body({ name: '<script>alert(1)</script>' }))
		const pageRes = await call(deps.app, 'GET', '/webhooks')
		expect(pageRes.status).toBe(200)
		expect(pageRes.text).toContain('<html')
		expect(pageRes.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
		expect(pageRes.text).not.toContain('<script>alert(1)')
		const frag = await call(deps.app, 'GET', '/api/webhooks', undefined, { 'hx-request': 'true' })
		expect(frag.headers.get('content-type')).toContain('text/html')
		expect(frag.text).toStartWith('<div id="webhook-table"')
		expect(frag.text).not.toContain('<script>alert(1)')
	})

	test('new page has event checkboxes and threshold fields', async () => {
		const r = await call(deps.app, 'GET', '/webhooks/new')
		expect(r.status).toBe(200)
		for (const e of [
			'session.completed',
			'session.failed',
			'session.cancelled',
			'metric.threshold',
		]) {
			expect(r.text).toContain(`value="${e}"`)
		}
		expect(r.text).toContain('thresholds.errorRatePercent:number')
	})

	test('form create via htmx shows the secret once; detail and edit pages never do', async () => {
		const r = await form(
			deps.app,
			'/api/webhooks',
			[
				['name', 'Form hook'],
				['url', 'https://hooks.example.com/f'],
				['events[]', 'session.completed'],
				['events[]', 'metric.threshold'],
				['thresholds.errorRatePercent:number', '5'],
				['thresholds.p95ResponseTimeMs:number', ''],
				['retryPolicy.maxAttempts:number', '3'],
				['secret', ''],
				['isActive:boolean', 'false'],
				['isActive:boolean', 'on'],
			],
			{ htmx: true },
		)
		expect(r.status).toBe(201)
		const secret = /data-secret[^>]*>\s*(whsec_[A-Za-z0-9_-]+)/.exec(r.text)?.[1]
		expect(secret).toBeDefined()
		const id = /\/webhooks\/([a-z0-9]+)"/.exec(r.text)![1]!
		const detailPage = await call(deps.app, 'GET', `/webhooks/${id}`)
		expect(detailPage.status).toBe(200)
		expect(detailPage.text).toContain('Error rate (%) > 5')
		expect(detailPage.text).not.toContain(secret!)
		const edit = await call(deps.app, 'GET', `/webhooks/${id}/edit`)
		expect(edit.text).not.toContain(secret!)
		expect(edit.text).toContain('name="thresholds.errorRatePercent:number"')

		const saved = await form(deps.app, `/api/webhooks/${id}`, [
			['name', 'Edited'],
			['url', 'https://hooks.example.com/f'],
			['events[]', 'session.failed'],
			['isActive:boolean', 'false'],
		])
		expect(saved.status).toBe(303)
		expect(saved.headers.get('location')).toBe(`/webhooks/${id}`)
		const after = (await call(deps.app, 'GET', `/api/webhooks/${id}`)).json.data
		expect(after).toMatchObject({
			name: 'Edited',
			events: ['session.failed'],
			isActive: false,
			thresholds: {},
		})

		const del = await form(deps.app, `/api/webhooks/${id}/delete`, [])
		expect(del.status).toBe(303)
		expect(del.headers.get('location')).toBe('/webhooks')
	})

	test('an invalid form post via htmx gets an error fragment', async () => {
		const r = await form(
			deps.app,
			'/api/webhooks',
			[
				['url', 'https://x.example.com'],
				['events[]', 'bogus.event'],
			],
			{ htmx: true },
		)
		expect(r.status).toBe(400)
		expect(r.headers.get('content-type')).toContain('text/html')
		expect(r.text).toContain('Validation error')
	})

	test('unknown webhook page: 404', async () => {
		const r = await call(deps.app, 'GET', '/webhooks/nope', undefined, { accept: 'text/html' })
		expect(r.status).toBe(404)
	})
})
