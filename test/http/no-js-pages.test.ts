import { afterAll, beforeAll, expect, test } from 'bun:test'
import { call, createTestDeps, form, type TestDeps } from '../helpers/deps'

/** Routes that answer a form with a result instead of a redirect still give a browser a page. */
let deps: TestDeps
beforeAll(async () => {
	deps = await createTestDeps()
}, 60_000)
afterAll(async () => {
	await deps?.close()
})

test('creating a webhook with JavaScript off shows the one-time secret on a page, not JSON', async () => {
	const r = await form(deps.app, '/api/webhooks', [
		['url', 'https://hooks.example.com/krawall'],
		['events[]', 'session.completed'],
	])
	expect(r.status).toBe(201)
	expect(r.headers.get('content-type')).toContain('text/html')
	expect(r.text).toStartWith('<!doctype html>')
	expect(r.text).toContain('Webhook created.')
	const secret = /data-secret[^>]*>([^<]+)</.exec(r.text)?.[1]
	expect(secret).toStartWith('whsec_')
	// Shown once: the webhook's own page and the API only ever show it masked.
	const list = await call(deps.app, 'GET', '/api/webhooks')
	expect(JSON.stringify(list.json)).not.toContain(secret!)
})

test('an API client posting the same form still gets the JSON envelope', async () => {
	const r = await call(
		deps.app,
		'POST',
		'/api/webhooks',
		'url=https%3A%2F%2Fhooks.example.com%2Fb&events[]=session.failed',
		{
			'content-type': 'application/x-www-form-urlencoded',
		},
	)
	expect(r.status).toBe(201)
	expect(r.json.success).toBe(true)
	expect(r.json.message).toBe('Webhook created successfully')
})
