import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { call, createTestDeps, type TestDeps } from '../helpers/deps'

const TOKEN = 'test-api-token-123456'
let deps: TestDeps
let open: TestDeps
beforeAll(async () => {
	deps = await createTestDeps({ env: { KRAWALL_API_TOKEN: TOKEN } })
	open = await createTestDeps()
})
afterAll(async () => {
	await deps.close()
	await open.close()
})

const login = (body: string) =>
	deps.app.handle(
		new Request('http://localhost/login', {
			method: 'POST',
			body,
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
		}),
	)

describe('KRAWALL_API_TOKEN', () => {
	test('without a token configured everything is open', async () => {
		expect((await call(open.app, 'GET', '/')).status).toBe(200)
		expect((await call(open.app, 'GET', '/api/nope')).status).toBe(404)
	})

	test('/api needs the bearer token; health stays public', async () => {
		const denied = await call(deps.app, 'GET', '/api/nope')
		expect(denied.status).toBe(401)
		expect(denied.json).toEqual({
			success: false,
			error: 'Unauthorized',
			message: expect.any(String),
		})
		const wrong = await call(deps.app, 'GET', '/api/nope', undefined, {
			authorization: 'Bearer nope',
		})
		expect(wrong.status).toBe(401)
		const ok = await call(deps.app, 'GET', '/api/nope', undefined, {
			authorization: `Bearer ${TOKEN}`,
		})
		expect(ok.status).toBe(404)
		expect((await call(deps.app, 'GET', '/api/health')).status).toBe(200)
		expect((await call(deps.app, 'GET', '/public/app.css')).status).toBe(200)
	})

	test('pages redirect to the login; a wrong token is refused; the right one sets a cookie', async () => {
		const page = await call(deps.app, 'GET', '/sessions?x=1')
		expect(page.status).toBe(303)
		expect(page.headers.get('location')).toBe('/login?next=%2Fsessions%3Fx%3D1')
		const form = await call(deps.app, 'GET', '/login?next=/sessions')
		expect(form.status).toBe(200)
		expect(form.text).toContain('name="token"')

		const bad = await login('token=wrong&next=/sessions')
		expect(bad.status).toBe(401)
		expect(bad.headers.get('set-cookie')).toBeNull()

		const good = await login(`token=${TOKEN}&next=//evil.example`)
		expect(good.status).toBe(303)
		expect(good.headers.get('location')).toBe('/')
		const cookie = good.headers.get('set-cookie')!.split(';')[0]
		expect(cookie).not.toContain(TOKEN)
		const home = await call(deps.app, 'GET', '/', undefined, { cookie })
		expect(home.status).toBe(200)
		const api = await call(deps.app, 'GET', '/api/nope', undefined, { cookie })
		expect(api.status).toBe(404)
	})

	test('with a token set, every page has a sign-out control that clears the cookie; without one, none', async () => {
		const good = await login(`token=${TOKEN}&next=/`)
		const cookie = good.headers.get('set-cookie')!.split(';')[0]
		for (const path of ['/', '/targets', '/sessions', '/metrics']) {
			const page = await call(deps.app, 'GET', path, undefined, { cookie })
			expect(page.status).toBe(200)
			// One in the compact (phone) menu, one in the header.
			expect(page.text.match(/data-sign-out/g)?.length).toBe(2)
			expect(page.text).toContain('action="/logout"')
			expect(page.text).not.toContain('krawall:sign-out')
		}
		const out = await call(deps.app, 'POST', '/logout', undefined, { cookie })
		expect(out.status).toBe(303)
		expect(out.headers.get('set-cookie')).toContain('Max-Age=0')
		const openPage = await call(open.app, 'GET', '/')
		expect(openPage.text).not.toContain('data-sign-out')
		expect(openPage.text).not.toContain('action="/logout"')
	})
})
