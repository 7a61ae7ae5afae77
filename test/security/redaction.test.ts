import { afterAll, beforeAll, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { targets } from '../../src/db/schema'
import { call, createTestDeps, type TestDeps } from '../helpers/deps'

/**
 * Credentials a target echoes back are scrubbed (docs/architecture.md §8) even when they were
 * not in the stored config — an OAuth access token fetched at run time — and when they are
 * shorter than 4 characters (replaced where they stand alone, so ordinary words survive).
 */
let deps: TestDeps
let echo: ReturnType<typeof Bun.serve>
let base: string
const issued: string[] = []

beforeAll(async () => {
	echo = Bun.serve({
		port: 0,
		hostname: '127.0.0.1',
		async fetch(req) {
			const url = new URL(req.url)
			if (url.pathname === '/oauth/token') {
				const token = `at-${crypto.randomUUID()}`
				issued.push(token)
				return Response.json({ access_token: token, token_type: 'Bearer', expires_in: 3600 })
			}
			// Quotes the credential back in the clear, as a careless error page would.
			const auth = req.headers.get('authorization') ?? ''
			const [scheme, value = ''] = auth.split(' ')
			const clear = scheme === 'Basic' ? Buffer.from(value, 'base64').toString() : value
			const [user, password] = clear.split(':')
			const quoted =
				scheme === 'Basic'
					? `user ${user} with password ${password} refused`
					: `token ${clear} refused`
			return Response.json({ error: { message: quoted }, echo: quoted }, { status: 401 })
		},
	})
	base = `http://127.0.0.1:${echo.port}`
	deps = await createTestDeps()
})
afterAll(async () => {
	await deps?.close()
	echo?.stop(true)
})

async function connectionTest(auth: Record<string, unknown>) {
	const created = await call(deps.app, 'POST', '/api/targets', {
		name: 'echo',
		connectorType: 'HTTP_REST',
		endpoint: `${base}/v1/chat`,
		...auth,
		requestTemplate: {
			messagePath: 'messages.0.content',
			structure: { messages: [{ role: 'user', content: '' }] },
		},
		responseTemplate: { responsePath: 'choices.0.message.content', errorPath: 'error.message' },
	})
	expect(created.status).toBe(201)
	const id = created.json.data.id as string
	const res = await call(deps.app, 'POST', `/api/targets/${id}/test`, { timeoutMs: 5000 })
	expect(res.status).toBe(200)
	expect(res.json.data.healthy).toBe(false)
	const page = await call(deps.app, 'GET', `/targets/${id}`)
	const [row] = await deps.db.select().from(targets).where(eq(targets.id, id))
	return { res, texts: [res.text, page.text, JSON.stringify(row), deps.logs.join('\n')] }
}

test('an OAuth access token fetched at run time is scrubbed from what the target echoes', async () => {
	const { res, texts } = await connectionTest({
		authType: 'OAUTH2',
		authConfig: {
			tokenUrl: `${base}/oauth/token`,
			clientId: 'client-1',
			clientSecret: 'cs-0123456789',
		},
	})
	expect(issued.length).toBeGreaterThan(0)
	// The echo happened (so the test can fail): the message quotes a redacted token.
	expect(res.json.data.error.message).toContain('HTTP 401: token **** refused')
	for (const text of texts) for (const token of issued) expect(text.includes(token)).toBe(false)
})

test('a password shorter than 4 characters is scrubbed where it stands alone, words containing it are kept', async () => {
	const { res, texts } = await connectionTest({
		authType: 'BASIC_AUTH',
		authConfig: { username: 'alice', password: 'pwd' },
	})
	// "password" contains no standalone "pwd"; the quoted password itself is gone.
	expect(res.json.data.error.message).toContain('user alice with password **** refused')
	for (const text of texts) expect(/(?<![\p{L}\p{N}])pwd(?![\p{L}\p{N}])/u.test(text)).toBe(false)
})

test('a credential put in protocolConfig.headers or variables is saved with a warning, in the API and on the page', async () => {
	const created = await call(deps.app, 'POST', '/api/targets', {
		name: 'leaky',
		connectorType: 'HTTP_REST',
		endpoint: `${base}/v1/chat`,
		authType: 'NONE',
		requestTemplate: {
			messagePath: 'messages.0.content',
			structure: { messages: [{ role: 'user', content: '' }] },
			variables: { apiKey: 'sk-proj-abcdefghijklmnop1234', model: 'gpt-4o' },
		},
		responseTemplate: { responsePath: 'choices.0.message.content' },
		protocolConfig: { headers: { 'x-trace': 'Bearer abcdefgh12345678', 'x-team': 'blue' } },
	})
	expect(created.status).toBe(201)
	expect(created.json.warnings).toEqual([
		expect.stringContaining('protocolConfig.headers.x-trace looks like a credential'),
		expect.stringContaining('requestTemplate.variables.apiKey looks like a credential'),
	])
	const id = created.json.data.id
	const got = await call(deps.app, 'GET', `/api/targets/${id}`)
	expect(got.json.data.credentialWarnings).toHaveLength(2)
	const page = await call(deps.app, 'GET', `/targets/${id}`)
	expect(page.text).toContain('data-credential-warnings')
	expect(page.text).toContain('requestTemplate.variables.apiKey looks like a credential')
	// An ordinary target carries no warning.
	const plain = await call(deps.app, 'PATCH', `/api/targets/${id}`, {
		requestTemplate: {
			messagePath: 'messages.0.content',
			structure: { messages: [{ role: 'user', content: '' }] },
			variables: { model: 'gpt-4o' },
		},
		protocolConfig: { headers: { 'x-team': 'blue' } },
	})
	expect(plain.status).toBe(200)
	expect(plain.json.warnings).toBeUndefined()
	const after = await call(deps.app, 'GET', `/targets/${id}`)
	expect(after.text).not.toContain('data-credential-warnings')
})
