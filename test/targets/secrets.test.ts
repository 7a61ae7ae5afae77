import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { randomBytes } from 'node:crypto'
import { eq, sql } from 'drizzle-orm'
import { createApp } from '../../src/app'
import { targets } from '../../src/db/schema'
import { createSecrets } from '../../src/secrets/crypto'
import { getTarget, loadTargetSpec, recordTestResult } from '../../src/targets/service'
import { call, createTestDeps, form, type TestDeps } from '../helpers/deps'
import { targetBody } from '../helpers/targets'

let deps: TestDeps
beforeAll(async () => {
	deps = await createTestDeps()
})
afterAll(async () => {
	await deps.close()
})

// Distinct, unguessable plaintexts, so a hit anywhere is a real leak.
const SECRETS = {
	token: `tok-${randomBytes(12).toString('hex')}`,
	apiKey: `key-${randomBytes(12).toString('hex')}`,
	password: `pw-${randomBytes(12).toString('hex')}`,
	header: `hdr-${randomBytes(12).toString('hex')}`,
	clientSecret: `cs-${randomBytes(12).toString('hex')}`,
}
const PLAIN = Object.values(SECRETS)
const storedRow = async (id: string) =>
	(await deps.db.select().from(targets).where(eq(targets.id, id)))[0]!

describe('secrets never leave in plaintext', () => {
	test('database rows, API responses, fragments, pages and logs', async () => {
		const bodies = [
			targetBody({ authType: 'BEARER_TOKEN', authConfig: { token: SECRETS.token } }),
			targetBody({
				authType: 'API_KEY',
				authConfig: { apiKey: SECRETS.apiKey, headerName: 'x-api-key' },
			}),
			targetBody({
				authType: 'BASIC_AUTH',
				authConfig: { username: 'alice', password: SECRETS.password },
			}),
			targetBody({
				authType: 'CUSTOM_HEADER',
				authConfig: { headers: { 'X-Secret': SECRETS.header } },
			}),
			targetBody({
				authType: 'OAUTH2',
				authConfig: {
					tokenUrl: 'https://auth.example.com/token',
					clientId: 'cid',
					clientSecret: SECRETS.clientSecret,
					scope: 'chat',
				},
			}),
		]
		const seen: string[] = []
		const ids: string[] = []
		for (const body of bodies) {
			const r = await call(deps.app, 'POST', '/api/targets', body)
			expect(r.status, r.text).toBe(201)
			ids.push(r.json.data.id)
			seen.push(r.text)
		}
		// A form post too (htmx), as the dashboard sends it.
		const f = await form(
			deps.app,
			'/api/targets',
			{
				name: 'from form',
				connectorType: 'HTTP_REST',
				endpoint: 'https://api.example.com',
				authType: 'BEARER_TOKEN',
				'authConfig.token': SECRETS.token,
				'requestTemplate.messagePath': 'message',
				'responseTemplate.responsePath': 'reply',
			},
			{ htmx: true },
		)
		expect(f.status, f.text).toBe(201)
		seen.push(f.text, String(f.headers.get('hx-location')))
		for (const id of ids) {
			for (const path of [
				`/api/targets/${id}`,
				`/targets/${id}`,
				`/targets/${id}/edit`,
				`/targets/${id}/delete`,
			]) {
				seen.push((await call(deps.app, 'GET', path)).text)
			}
			seen.push(
				(await call(deps.app, 'GET', `/api/targets/${id}`, undefined, { 'hx-request': 'true' }))
					.text,
			)
			seen.push((await call(deps.app, 'PATCH', `/api/targets/${id}`, { name: 'renamed' })).text)
		}
		seen.push(
			(await call(deps.app, 'GET', '/api/targets')).text,
			(await call(deps.app, 'GET', '/targets')).text,
		)

		const rows = await deps.database.rows(sql`select t::text as row from targets t`)
		expect(rows.length).toBeGreaterThanOrEqual(6)
		const haystacks = {
			rows: rows.map((r) => String(r.row)).join('\n'),
			responses: seen.join('\n'),
			logs: deps.logs.join('\n'),
		}
		for (const [where, text] of Object.entries(haystacks)) {
			for (const secret of PLAIN)
				expect(text.includes(secret), `${secret} found in ${where}`).toBe(false)
		}
		// ...yet the stored envelopes hold them: decrypting gives the originals back.
		const spec = await loadTargetSpec(deps, ids[4]!)
		expect(spec.authConfig).toEqual({
			tokenUrl: 'https://auth.example.com/token',
			clientId: 'cid',
			clientSecret: SECRETS.clientSecret,
			scope: 'chat',
		})
		expect((await storedRow(ids[0]!)).authConfig).toMatchObject({
			v: 1,
			iv: expect.any(String),
			tag: expect.any(String),
			data: expect.any(String),
		})
	})
})

describe('updates and secrets', () => {
	test('an update that does not touch secrets keeps them (verified by decrypting); masked values sent back too', async () => {
		const r = await call(
			deps.app,
			'POST',
			'/api/targets',
			targetBody({
				authType: 'CUSTOM_HEADER',
				authConfig: { headers: { 'X-A': SECRETS.header, 'X-B': 'short' } },
			}),
		)
		const id = r.json.data.id
		const before = await storedRow(id)
		await call(deps.app, 'PATCH', `/api/targets/${id}`, {
			name: 'no secrets touched',
			endpoint: 'https://api.example.com/v2',
		})
		const after = await storedRow(id)
		expect(after.authConfig).toEqual(before.authConfig) // not even re-encrypted
		expect((await loadTargetSpec(deps, id)).authConfig).toEqual({
			headers: { 'X-A': SECRETS.header, 'X-B': 'short' },
		})

		// The detail's masked config, sent back with one header added and one changed.
		const masked = (await call(deps.app, 'GET', `/api/targets/${id}`)).json.data.authConfig
		expect(masked).toEqual({ headers: { 'X-A': expect.stringContaining('...'), 'X-B': '****' } })
		const p = await call(deps.app, 'PATCH', `/api/targets/${id}`, {
			authConfig: { headers: { ...masked.headers, 'X-B': 'changed', 'X-C': 'new-one' } },
		})
		expect(p.status, p.text).toBe(200)
		expect((await loadTargetSpec(deps, id)).authConfig).toEqual({
			headers: { 'X-A': SECRETS.header, 'X-B': 'changed', 'X-C': 'new-one' },
		})
	})

	test('the edit form posts masked values back and the secret survives (form route)', async () => {
		const r = await call(
			deps.app,
			'POST',
			'/api/targets',
			targetBody({ authConfig: { token: SECRETS.token } }),
		)
		const id = r.json.data.id
		const page = await call(deps.app, 'GET', `/targets/${id}/edit`)
		const masked =
			/name="authConfig\.token"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="authConfig\.token"/.exec(
				page.text,
			)
		const value = masked?.[1] ?? masked?.[2]
		expect(value).toBe(`${SECRETS.token.slice(0, 4)}...${SECRETS.token.slice(-4)}`)
		const f = await form(deps.app, `/api/targets/${id}`, {
			name: 'edited',
			'authConfig.token': value!,
			authType: 'BEARER_TOKEN',
		})
		expect(f.status).toBe(303)
		expect(f.headers.get('location')).toBe(`/targets/${id}`)
		expect((await loadTargetSpec(deps, id)).authConfig).toEqual({ token: SECRETS.token })
	})
})

describe('tampering and wrong keys are detected, never garbage', () => {
	test('tampered ciphertext: a clear 500 error on the API, a visible problem on the page, re-entry fixes it', async () => {
		const r = await call(
			deps.app,
			'POST',
			'/api/targets',
			targetBody({ authConfig: { token: SECRETS.token } }),
		)
		const id = r.json.data.id
		const env = (await storedRow(id)).authConfig!
		const data = Buffer.from(env.data, 'base64')
		data[0] = data[0]! ^ 0xff
		await deps.db
			.update(targets)
			.set({ authConfig: { ...env, data: data.toString('base64') } })
			.where(eq(targets.id, id))

		const got = await call(deps.app, 'GET', `/api/targets/${id}`)
		expect(got.status).toBe(500)
		expect(got.json.error).toBe('Failed to decrypt target credentials')
		expect(got.json.message).toContain('wrong KRAWALL_ENCRYPTION_KEY or tampered data')
		await expect(loadTargetSpec(deps, id)).rejects.toThrow('could not be decrypted')
		const page = await call(deps.app, 'GET', `/targets/${id}`)
		expect(page.status).toBe(200)
		expect(page.text).toContain('could not be decrypted')
		// Sending a masked value cannot be resolved; sending a new secret fixes the row.
		const masked = await call(deps.app, 'PATCH', `/api/targets/${id}`, {
			authConfig: { token: 'tok-...abcd' },
		})
		expect(masked.status).toBe(500)
		const fixed = await call(deps.app, 'PATCH', `/api/targets/${id}`, {
			authConfig: { token: 'a-fresh-token-0123456789' },
		})
		expect(fixed.status).toBe(200)
		expect((await loadTargetSpec(deps, id)).authConfig).toEqual({
			token: 'a-fresh-token-0123456789',
		})
	})

	test('another key: same clear error, from the service and the API', async () => {
		const r = await call(
			deps.app,
			'POST',
			'/api/targets',
			targetBody({ authConfig: { token: SECRETS.token } }),
		)
		const id = r.json.data.id
		const other = { ...deps, secrets: createSecrets(Uint8Array.from(randomBytes(32))) }
		await expect(getTarget(other, id)).rejects.toThrow('Re-enter the credentials')
		const app = createApp(other)
		const got = await call(app, 'GET', `/api/targets/${id}`)
		expect(got.status).toBe(500)
		expect(got.text).not.toContain(SECRETS.token)
		expect(deps.logs.some((l) => l.includes('could not be decrypted') && l.includes(id))).toBe(true)
	})
})

describe('recordTestResult', () => {
	test('sets lastTestAt/Success/Error, shown in list and details', async () => {
		const id = (await call(deps.app, 'POST', '/api/targets', targetBody())).json.data.id
		await recordTestResult(deps, id, { success: false, error: 'HTTP 401: invalid key' })
		const d = (await call(deps.app, 'GET', `/api/targets/${id}`)).json.data
		expect(d).toMatchObject({ lastTestSuccess: false, lastTestError: 'HTTP 401: invalid key' })
		expect(d.lastTestAt).toBeString()
		await recordTestResult(deps, id, { success: true })
		const l = (await call(deps.app, 'GET', '/api/targets')).json.data.find((t: any) => t.id === id)
		expect(l).toMatchObject({ lastTestSuccess: true, lastTestError: null })
		await expect(recordTestResult(deps, 'nope', { success: true })).rejects.toThrow(
			'Target not found',
		)
	})
})
