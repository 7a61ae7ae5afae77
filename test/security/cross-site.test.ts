import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { count } from 'drizzle-orm'
import { LOGIN_FAILURES } from '../../src/auth/sessions'
import { safeNext } from '../../src/auth/token'
import { dashboardSessions, targets } from '../../src/db/schema'
import { call, createTestDeps, type TestDeps } from '../helpers/deps'
import { targetBody } from '../helpers/targets'

/**
 * Who may ask (docs/architecture.md §8): foreign Host names (DNS rebinding) and cross-site
 * state changes are refused with or without a token; with a token, sessions are server-side,
 * logout ends them, sign-ins are rate-limited, and `next=` cannot leave the site.
 */
const TOKEN = 'cross-site-token-123456'
let open: TestDeps
let locked: TestDeps

beforeAll(async () => {
	open = await createTestDeps()
	locked = await createTestDeps({ env: { KRAWALL_API_TOKEN: TOKEN } })
})
afterAll(async () => {
	await open.close()
	await locked.close()
})

const targetCount = async (deps: TestDeps) =>
	(await deps.db.select({ n: count() }).from(targets))[0].n

const post = (deps: TestDeps, url: string, headers: Record<string, string>, body = 'name=x') =>
	deps.app.handle(
		new Request(url, {
			method: 'POST',
			body,
			headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
		}),
	)

describe('without a token', () => {
	test('a form posted from another site is refused and changes nothing', async () => {
		const before = await targetCount(open)
		const form = new URLSearchParams(
			Object.entries(targetBody()).flatMap(([k, v]) =>
				typeof v === 'string' ? [[k, v]] : [[`${k}:json`, JSON.stringify(v)]],
			),
		).toString()
		const cases: Record<string, string>[] = [
			{ origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
			{ origin: 'https://evil.example' },
			{ 'sec-fetch-site': 'cross-site' },
			{ 'sec-fetch-site': 'same-site', origin: 'http://other.localhost' },
			{ origin: 'null' },
			{ origin: 'http://localhost:4000' }, // another port is another origin
		]
		for (const headers of cases) {
			const r = await post(open, 'http://localhost/api/targets', headers, form)
			expect({ headers, status: r.status }).toEqual({ headers, status: 403 })
			const body = await r.json()
			expect(body).toMatchObject({ success: false, error: 'Forbidden' })
			expect(body.message).toContain('Cross-site request refused')
		}
		for (const method of ['PUT', 'PATCH', 'DELETE']) {
			const r = await call(
				open.app,
				method,
				'/api/targets/x',
				{},
				{ origin: 'https://evil.example' },
			)
			expect({ method, status: r.status }).toEqual({ method, status: 403 })
		}
		expect(await targetCount(open)).toBe(before)
	})

	test('same-origin posts (the dashboard) and posts without browser headers (curl) pass', async () => {
		const before = await targetCount(open)
		const same = await call(open.app, 'POST', '/api/targets', targetBody({ name: 'same' }), {
			origin: 'http://localhost',
			'sec-fetch-site': 'same-origin',
		})
		expect(same.status).toBe(201)
		const curl = await call(open.app, 'POST', '/api/targets', targetBody({ name: 'curl' }))
		expect(curl.status).toBe(201)
		// Typing the URL (Sec-Fetch-Site: none) is the user, not a site.
		const typed = await call(open.app, 'POST', '/api/targets', targetBody({ name: 'typed' }), {
			'sec-fetch-site': 'none',
		})
		expect(typed.status).toBe(201)
		expect(await targetCount(open)).toBe(before + 3)
		// Reads are not state changes: a GET with a foreign Origin is answered (CORS keeps it unreadable).
		const read = await call(open.app, 'GET', '/api/targets', undefined, {
			origin: 'https://evil.example',
		})
		expect(read.status).toBe(200)
	})

	test('a foreign Host (DNS rebinding) is refused, reads too; loopback names pass; health stays open', async () => {
		for (const host of ['evil.example', 'evil.example:3000', '127.0.0.1.nip.io', '0.0.0.0:3000']) {
			const r = await open.app.handle(
				new Request('http://localhost/api/targets', { headers: { host } }),
			)
			expect({ host, status: r.status }).toEqual({ host, status: 403 })
			expect((await r.json()).message).toContain('KRAWALL_ALLOWED_HOSTS')
		}
		for (const host of [
			'localhost:3000',
			'127.0.0.1:3000',
			'[::1]:3000',
			'app.localhost',
			'127.1.2.3',
		]) {
			const r = await open.app.handle(
				new Request('http://localhost/api/targets', { headers: { host } }),
			)
			expect({ host, status: r.status }).toEqual({ host, status: 200 })
		}
		const health = await open.app.handle(
			new Request('http://localhost/api/health', { headers: { host: 'lb-probe.internal' } }),
		)
		expect(health.status).toBe(200)
	})

	test('KRAWALL_ALLOWED_HOSTS admits a configured name (Host and Origin), * turns the check off', async () => {
		const deps = await createTestDeps({ env: { KRAWALL_ALLOWED_HOSTS: 'krawall.example.com' } })
		try {
			const ok = await deps.app.handle(
				new Request('https://krawall.example.com/api/targets', {
					headers: { host: 'krawall.example.com' },
				}),
			)
			expect(ok.status).toBe(200)
			const other = await deps.app.handle(
				new Request('https://x.example.com/api/targets', { headers: { host: 'x.example.com' } }),
			)
			expect(other.status).toBe(403)
		} finally {
			await deps.close()
		}
		const any = await createTestDeps({ env: { KRAWALL_ALLOWED_HOSTS: '*' } })
		try {
			const r = await any.app.handle(
				new Request('http://anything.example/api/targets', {
					headers: { host: 'anything.example' },
				}),
			)
			expect(r.status).toBe(200)
		} finally {
			await any.close()
		}
	})
})

describe('with a token', () => {
	const login = (
		body: string,
		headers: Record<string, string> = {},
		url = 'http://localhost/login',
	) => post(locked, url, headers, body)
	const cookieOf = (r: Response) => r.headers.get('set-cookie')!.split(';')[0]

	test('the same cross-site and Host checks apply, before the token is even looked at', async () => {
		const r = await call(locked.app, 'POST', '/api/targets', targetBody(), {
			authorization: `Bearer ${TOKEN}`,
			origin: 'https://evil.example',
		})
		expect(r.status).toBe(403)
		const loginCsrf = await login(`token=${TOKEN}`, { origin: 'https://evil.example' })
		expect(loginCsrf.status).toBe(403)
		const rebind = await locked.app.handle(
			new Request('http://localhost/api/targets', {
				headers: { host: 'evil.example', authorization: `Bearer ${TOKEN}` },
			}),
		)
		expect(rebind.status).toBe(403)
	})

	test('the cookie is a server-side session: random per login, never the token, ended by logout', async () => {
		const a = await login(`token=${TOKEN}`)
		const b = await login(`token=${TOKEN}`)
		expect(a.status).toBe(303)
		const ca = cookieOf(a)
		const cb = cookieOf(b)
		expect(ca).not.toBe(cb)
		expect(ca).not.toContain(TOKEN)
		expect(a.headers.get('set-cookie')).toContain('HttpOnly')
		expect(a.headers.get('set-cookie')).not.toContain('Secure') // plain http, not configured
		const rows = await locked.db.select().from(dashboardSessions)
		expect(JSON.stringify(rows)).not.toContain(ca.split('=')[1]) // only the hash is stored
		expect((await call(locked.app, 'GET', '/api/targets', undefined, { cookie: ca })).status).toBe(
			200,
		)

		const out = await locked.app.handle(
			new Request('http://localhost/logout', { method: 'POST', headers: { cookie: ca } }),
		)
		expect(out.status).toBe(303)
		expect(out.headers.get('set-cookie')).toContain('Max-Age=0')
		// The copied cookie is dead; the other browser's session lives on.
		expect((await call(locked.app, 'GET', '/api/targets', undefined, { cookie: ca })).status).toBe(
			401,
		)
		expect((await call(locked.app, 'GET', '/api/targets', undefined, { cookie: cb })).status).toBe(
			200,
		)
		// A forged id of the right shape is nobody's session.
		const forged = `krawall_session=${'A'.repeat(43)}`
		expect(
			(await call(locked.app, 'GET', '/api/targets', undefined, { cookie: forged })).status,
		).toBe(401)
	})

	test('the cookie is Secure over HTTPS, behind a TLS proxy, or when configured', async () => {
		const https = await login(`token=${TOKEN}`, {}, 'https://localhost/login')
		expect(https.headers.get('set-cookie')).toContain('; Secure')
		const proxied = await login(`token=${TOKEN}`, { 'x-forwarded-proto': 'https' })
		expect(proxied.headers.get('set-cookie')).toContain('; Secure')
		const deps = await createTestDeps({
			env: { KRAWALL_API_TOKEN: TOKEN, KRAWALL_SECURE_COOKIE: 'true' },
		})
		try {
			const r = await post(deps, 'http://localhost/login', {}, `token=${TOKEN}`)
			expect(r.headers.get('set-cookie')).toContain('; Secure')
		} finally {
			await deps.close()
		}
	})

	test(`sign-ins are rate-limited after ${LOGIN_FAILURES} failures, and even the right token waits`, async () => {
		const deps = await createTestDeps({ env: { KRAWALL_API_TOKEN: TOKEN } })
		try {
			for (let i = 0; i < LOGIN_FAILURES; i++) {
				const r = await post(deps, 'http://localhost/login', {}, 'token=wrong')
				expect(r.status).toBe(401)
			}
			const limited = await post(deps, 'http://localhost/login', {}, 'token=wrong')
			expect(limited.status).toBe(429)
			expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
			const right = await post(deps, 'http://localhost/login', {}, `token=${TOKEN}`)
			expect(right.status).toBe(429)
			expect(right.headers.get('set-cookie')).toBeNull()
		} finally {
			await deps.close()
		}
	})

	test('next= never leaves the site', async () => {
		const evil = [
			'//evil.example',
			'/\\evil.example',
			'/\\/evil.example',
			'/\t/evil.example',
			'/\n/evil.example',
			'/\r\n/evil.example',
			'/ /evil.example',
			'https://evil.example',
			'javascript:alert(1)',
			'evil.example',
			'/%09/evil.example',
		]
		for (const next of evil) {
			const r = await login(`token=${TOKEN}&next=${encodeURIComponent(next)}`)
			const location = r.headers.get('location')!
			// Resolved as a browser would, the redirect stays on this origin.
			expect({ next, origin: new URL(location, 'http://localhost').origin }).toEqual({
				next,
				origin: 'http://localhost',
			})
		}
		expect(safeNext('/sessions?x=1#y')).toBe('/sessions?x=1#y')
		expect(safeNext('/\\evil.example')).toBe('/')
		expect(safeNext('/\t/evil.example')).toBe('/')
	})
})
