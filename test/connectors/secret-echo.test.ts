import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { targets } from '../../src/db/schema'
import { call, createTestDeps, type TestDeps } from '../helpers/deps'

/**
 * A target that quotes the request back in its error — URL (Gemini's `?key=`), headers, body —
 * is the worst case for leaks: the connection test's result, the recorded `lastTestError`, the
 * target's page and the logs must show none of the credentials, in any encoding.
 */

let deps: TestDeps
let echo: ReturnType<typeof Bun.serve>
let base: string

beforeAll(async () => {
	echo = Bun.serve({
		port: 0,
		hostname: '127.0.0.1',
		async fetch(req) {
			const headers: string[] = []
			req.headers.forEach((v, k) => headers.push(`${k}: ${v}`))
			const quoted = [req.url, ...headers, await req.text()].join(' | ')
			return Response.json(
				{ error: { message: `bad request: ${quoted}` }, echo: quoted },
				{ status: 400 },
			)
		},
	})
	base = `http://127.0.0.1:${echo.port}`
	deps = await createTestDeps()
})
afterAll(async () => {
	await deps?.close()
	echo?.stop(true)
})

// Characters that URL-encoding and base64 change, so only a complete redaction passes.
const SECRET = 'AIza+Sy/secret=value&x y'

const template = {
	requestTemplate: {
		messagePath: 'messages.0.content',
		structure: { messages: [{ role: 'user', content: '' }] },
	},
	responseTemplate: { responsePath: 'choices.0.message.content', errorPath: 'error.message' },
}

async function connectionTest(
	auth: Record<string, unknown>,
	endpoint = `${base}/v1beta/models/gemini:generateContent`,
) {
	const created = await call(deps.app, 'POST', '/api/targets', {
		name: 'echo',
		connectorType: 'HTTP_REST',
		endpoint,
		...auth,
		...template,
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

const forms = (s: string) => [
	s,
	encodeURIComponent(s),
	new URLSearchParams({ s }).toString().slice(2),
]

function expectNoSecret(texts: string[], secrets: string[]) {
	for (const [i, text] of texts.entries())
		for (const s of secrets)
			expect(text.includes(s), `secret ${JSON.stringify(s)} in text #${i}`).toBe(false)
}

describe('connection test with a target that echoes the request', () => {
	test('API key in the query string (Gemini style)', async () => {
		const { res, texts } = await connectionTest({
			authType: 'API_KEY',
			authConfig: { apiKey: SECRET, queryParam: 'key' },
		})
		// The echo did happen (the test can fail): the redacted URL is in the error.
		expect(res.json.data.error.message).toContain('key=****')
		expectNoSecret(texts, forms(SECRET))
	})

	test('API key header, bearer token and custom headers', async () => {
		for (const auth of [
			{ authType: 'API_KEY', authConfig: { apiKey: SECRET, headerName: 'x-goog-api-key' } },
			{ authType: 'BEARER_TOKEN', authConfig: { token: SECRET } },
			{
				authType: 'CUSTOM_HEADER',
				authConfig: { headers: { 'x-secret-one': SECRET, 'x-secret-two': `${SECRET}-2` } },
			},
		]) {
			const { res, texts } = await connectionTest(auth)
			expect(res.json.data.error.message).toContain('****')
			expectNoSecret(texts, forms(SECRET))
		}
	})

	test('Basic auth: neither the password nor the base64 header', async () => {
		const { res, texts } = await connectionTest({
			authType: 'BASIC_AUTH',
			authConfig: { username: 'alice', password: SECRET },
		})
		expect(res.json.data.error.message).toContain('authorization: Basic ****')
		expectNoSecret(texts, [...forms(SECRET), Buffer.from(`alice:${SECRET}`).toString('base64')])
	})

	test('OAuth2: a token endpoint that echoes the form body (client secret URL-encoded)', async () => {
		const { res, texts } = await connectionTest({
			authType: 'OAUTH2',
			authConfig: { tokenUrl: `${base}/oauth/token`, clientId: 'client-1', clientSecret: SECRET },
		})
		expect(res.json.data.error.message).toContain('client_secret=****')
		expectNoSecret(texts, forms(SECRET))
	})

	test('connection refused with the key in the URL', async () => {
		const { res, texts } = await connectionTest(
			{ authType: 'API_KEY', authConfig: { apiKey: SECRET, queryParam: 'key' } },
			'http://127.0.0.1:1/v1?alt=sse',
		)
		expect(res.json.data.error.type).toBe('connection_refused')
		expectNoSecret(texts, forms(SECRET))
	})
})
