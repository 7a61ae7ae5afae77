import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createConnector } from '../../src/connectors/index'
import type { ChatTurn, SendResult } from '../../src/connectors/types'
import { startMockServer, type MockServer } from '../../src/mock/server'
import { chatSpec, eventually, presetSpec, signal } from '../helpers/connector-specs'

const KEY = 'sk-test-key-123456'
let mock: MockServer

beforeAll(async () => {
	mock = await startMockServer({ apiKey: KEY, grpcPort: false })
})
afterAll(async () => {
	await mock.stop()
})

const PROVIDERS: [string, Record<string, unknown>][] = [
	['openai-chat', { token: KEY }],
	['azure-openai', { apiKey: KEY }],
	['anthropic-messages', { apiKey: KEY }],
	['google-gemini', { apiKey: KEY }],
	['ollama', {}],
]

async function converse(
	spec: ReturnType<typeof presetSpec>,
	messages: string[],
): Promise<SendResult[]> {
	const connector = createConnector(spec)
	const conv = await connector.open(signal())
	const history: ChatTurn[] = []
	const results: SendResult[] = []
	for (const m of messages) {
		const r = await conv.send(m, { history, signal: signal(), timeoutMs: 10_000 })
		results.push(r)
		history.push({ role: 'user', content: m }, { role: 'assistant', content: r.content ?? '' })
	}
	await conv.close()
	await connector.close()
	return results
}

describe('provider presets against the mock', () => {
	for (const [id, auth] of PROVIDERS) {
		test(`${id}: plain reply, reported usage, history sent`, async () => {
			const [r1, r2] = await converse(presetSpec(id, mock, auth), ['Hello there', 'Tell me more'])
			expect(r1.error).toBeUndefined()
			expect(r1.success).toBe(true)
			expect(r1.content).toBe(
				'Mock reply to "Hello there" (turn 1). This is a short, helpful answer.',
			)
			expect(r1.httpStatus).toBe(200)
			expect(r1.usage.estimated).toBe(false)
			expect(r1.usage.completionTokens).toBeGreaterThan(0)
			expect(r1.usage.totalTokens).toBe(r1.usage.promptTokens + r1.usage.completionTokens)
			expect(r1.ttftMs).toBeUndefined()
			// The second turn carries the first exchange: the mock counts two user turns and more prompt tokens.
			expect(r2.content).toContain('(turn 2)')
			expect(r2.usage.promptTokens).toBeGreaterThan(r1.usage.promptTokens)
		})

		test(`${id}: streamed reply folds into the same content and usage, TTFT before the end`, async () => {
			const [plain] = await converse(presetSpec(id, mock, auth), ['Stream please'])
			const [streamed] = await converse(
				presetSpec(id, mock, auth, { stream: true, persona: 'drip:5' }),
				['Stream please'],
			)
			expect(streamed.error).toBeUndefined()
			expect(streamed.content).toBe(plain.content)
			expect(streamed.usage.estimated).toBe(false)
			expect(streamed.usage.promptTokens).toBe(plain.usage.promptTokens)
			expect(streamed.usage.completionTokens).toBe(plain.usage.completionTokens)
			expect(streamed.ttftMs).toBeGreaterThan(0)
			expect(streamed.ttftMs!).toBeLessThan(streamed.responseTimeMs)
		})

		if (id !== 'ollama') {
			test(`${id}: a wrong key is an authentication error`, async () => {
				const bad = Object.fromEntries(Object.keys(auth).map((k) => [k, 'wrong-key']))
				const [r] = await converse(presetSpec(id, mock, bad), ['Hi'])
				expect(r.success).toBe(false)
				expect(r.error?.type).toBe('auth_error')
				expect(r.error?.message).toMatch(/Authentication failed/)
				expect(r.error?.message).not.toContain('[object Object]')
			})
		}
	}

	test('long conversations report cached prompt tokens (OpenAI prompt_tokens_details, Anthropic cache reads)', async () => {
		const long = 'word '.repeat(1200)
		for (const [id, auth] of [PROVIDERS[0], PROVIDERS[2]]) {
			const [, r2] = await converse(presetSpec(id, mock, auth), [long, 'and now?'])
			expect(r2.usage.cachedTokens).toBeGreaterThan(0)
			expect(r2.usage.cachedTokens).toBeLessThan(r2.usage.promptTokens)
		}
	})
})

describe('auth types on the generic endpoint', () => {
	test('every auth type succeeds with the right credentials and fails with wrong ones', async () => {
		const good = [
			chatSpec(mock, 'BEARER_TOKEN', { token: KEY }),
			chatSpec(mock, 'API_KEY', { apiKey: KEY }),
			chatSpec(mock, 'API_KEY', { apiKey: KEY, headerName: 'api-key' }),
			chatSpec(mock, 'API_KEY', { apiKey: KEY, queryParam: 'key' }),
			chatSpec(mock, 'BASIC_AUTH', { username: 'mock', password: KEY }),
			chatSpec(mock, 'CUSTOM_HEADER', { headers: { 'X-Mock-Auth': KEY } }),
			chatSpec(mock, 'OAUTH2', {
				tokenUrl: `${mock.url}/oauth/token`,
				clientId: 'krawall-mock',
				clientSecret: KEY,
			}),
		]
		for (const spec of good) {
			const [r] = await converse(spec, ['Hi'])
			expect({ auth: spec.authType, error: r.error }).toEqual({
				auth: spec.authType,
				error: undefined,
			})
			expect(r.usage.estimated).toBe(false)
		}
		const bad = [
			chatSpec(mock, 'NONE', {}),
			chatSpec(mock, 'BEARER_TOKEN', { token: 'nope' }),
			chatSpec(mock, 'API_KEY', { apiKey: 'nope' }),
			chatSpec(mock, 'API_KEY', { apiKey: 'nope', queryParam: 'key' }),
			chatSpec(mock, 'BASIC_AUTH', { username: 'mock', password: 'nope' }),
			chatSpec(mock, 'CUSTOM_HEADER', { headers: { 'X-Mock-Auth': 'nope' } }),
			chatSpec(mock, 'OAUTH2', {
				tokenUrl: `${mock.url}/oauth/token`,
				clientId: 'krawall-mock',
				clientSecret: 'nope',
			}),
		]
		for (const spec of bad) {
			const [r] = await converse(spec, ['Hi'])
			expect({ auth: spec.authType, type: r.error?.type }).toEqual({
				auth: spec.authType,
				type: 'auth_error',
			})
		}
	})

	test('OAuth2 caches the token across messages and refreshes once after a 401', async () => {
		mock.resetStats()
		const spec = chatSpec(mock, 'OAUTH2', {
			tokenUrl: `${mock.url}/oauth/token`,
			clientId: 'krawall-mock',
			clientSecret: KEY,
			scope: 'chat',
		})
		const connector = createConnector(spec)
		const conv = await connector.open(signal())
		for (let i = 0; i < 3; i++)
			expect((await conv.send(`m${i}`, { history: [], signal: signal() })).success).toBe(true)
		expect(mock.stats.tokensIssued).toBe(1)
		mock.revokeTokens()
		const r = await conv.send('after revoke', { history: [], signal: signal() })
		expect(r.success).toBe(true)
		expect(mock.stats.tokensIssued).toBe(2)
		expect(mock.stats.authFailures).toBe(1) // the revoked token, once
	})

	test('concurrent conversations share one token request', async () => {
		mock.resetStats()
		const spec = chatSpec(mock, 'OAUTH2', {
			tokenUrl: `${mock.url}/oauth/token`,
			clientId: 'krawall-mock',
			clientSecret: KEY,
		})
		const connector = createConnector(spec)
		const results = await Promise.all(
			[0, 1, 2, 3, 4].map(async (i) =>
				(await connector.open(signal())).send(`c${i}`, { history: [], signal: signal() }),
			),
		)
		expect(results.every((r) => r.success)).toBe(true)
		expect(mock.stats.tokensIssued).toBe(1)
	})

	test('the OAuth token URL is checked against the deny list', async () => {
		const spec = chatSpec(mock, 'OAUTH2', {
			tokenUrl: 'http://169.254.169.254/token',
			clientId: 'a',
			clientSecret: 'b',
		})
		const conv = await createConnector(spec, { denyList: ['169.254.169.254'] }).open(signal())
		const r = await conv.send('Hi', { history: [], signal: signal() })
		expect(r.error?.type).toBe('auth_error')
		expect(r.error?.message).toContain('deny list')
	})
})

describe('errors, timeouts and cancellation', () => {
	test('429 with Retry-After is rate limited with the wait parsed; the retry passes', async () => {
		const spec = presetSpec('openai-chat', mock, { token: KEY }, { persona: 'rate-limited:2:7' })
		const conv = await createConnector(spec).open(signal())
		const first = await conv.send('one', { history: [], signal: signal() })
		expect(first.success).toBe(true)
		const history: ChatTurn[] = [
			{ role: 'user', content: 'one' },
			{ role: 'assistant', content: first.content! },
		]
		const limited = await conv.send('two', { history, signal: signal() })
		expect(limited.success).toBe(false)
		expect(limited.httpStatus).toBe(429)
		expect(limited.error).toEqual({
			type: 'rate_limited',
			message: 'HTTP 429: Rate limit reached for requests. Please try again later.',
			retryAfterMs: 7000,
		})
		const retried = await conv.send('two', { history, signal: signal() })
		expect(retried.success).toBe(true)
	})

	test('a 5xx is an http_error carrying the errorPath message', async () => {
		const [r] = await converse(
			presetSpec('anthropic-messages', mock, { apiKey: KEY }, { persona: 'error:529' }),
			['Hi'],
		)
		expect(r.error?.type).toBe('http_error')
		expect(r.httpStatus).toBe(529)
		expect(r.error?.message).toBe('HTTP 529: Injected error 529 (persona error)')
	})

	test('an empty reply is reported as empty_response', async () => {
		const [r] = await converse(
			presetSpec('openai-chat', mock, { token: KEY }, { persona: 'empty' }),
			['Hi'],
		)
		expect(r.success).toBe(false)
		expect(r.error?.type).toBe('empty_response')
	})

	test('the per-message timeout is a timeout result and the mock sees the disconnect', async () => {
		mock.resetStats()
		const conv = await createConnector(
			presetSpec('openai-chat', mock, { token: KEY }, { persona: 'hang' }),
		).open(signal())
		const r = await conv.send('Hi', { history: [], signal: signal(), timeoutMs: 150 })
		expect(r.success).toBe(false)
		expect(r.error?.type).toBe('timeout')
		expect(await eventually(() => mock.stats.disconnects === 1)).toBe(true)
	})

	test('cancel mid-stream returns what arrived as an aborted result and closes the connection', async () => {
		mock.resetStats()
		const conv = await createConnector(
			presetSpec('openai-chat', mock, { token: KEY }, { stream: true, persona: 'verbose,drip:20' }),
		).open(signal())
		const ac = new AbortController()
		const pending = conv.send('Hi', { history: [], signal: ac.signal, timeoutMs: 30_000 })
		expect(await eventually(() => mock.stats.inFlight === 1)).toBe(true)
		await Bun.sleep(60)
		ac.abort()
		const r = await pending
		expect(r.success).toBe(false)
		expect(r.error?.type).toBe('aborted')
		// Part of the verbose reply arrived (a word every 20 ms for about 60 ms), never all of it.
		expect(r.content).toStartWith('Here is')
		expect(r.content!.length).toBeLessThan(200)
		expect(r.ttftMs).toBeGreaterThan(0)
		// No usage in the stream yet: estimated from what was sent and what arrived.
		expect(r.usage.estimated).toBe(true)
		expect(r.usage.completionTokens).toBe(Math.ceil(r.content!.length / 4))
		expect(mock.stats.served.replies).toBe(0)
		expect(await eventually(() => mock.stats.disconnects === 1)).toBe(true)
		expect(mock.stats.inFlight).toBe(0)
	})

	test('connection refused and unknown hosts are classified', async () => {
		const closed = Bun.serve({ port: 0, fetch: () => new Response('') })
		const port = closed.port
		closed.stop(true)
		const refused = chatSpec(mock, 'NONE', {})
		refused.endpoint = `http://127.0.0.1:${port}`
		const [r1] = await converse(refused, ['Hi'])
		expect(r1.error?.type).toBe('connection_refused')
		const dns = chatSpec(mock, 'NONE', {})
		dns.endpoint = 'http://no-such-host.invalid'
		const [r2] = await converse(dns, ['Hi'])
		expect(r2.error?.type).toBe('dns')
	})

	test('a reply without content at responsePath is a protocol error naming the path', async () => {
		const spec = chatSpec(mock, 'BEARER_TOKEN', { token: KEY })
		spec.responseTemplate.responsePath = 'choices.0.message.content'
		const [r] = await converse(spec, ['Hi'])
		expect(r.error).toEqual({
			type: 'protocol_error',
			message: 'No content at "choices.0.message.content"',
		})
		expect(r.raw).toMatchObject({ response: expect.any(String) })
	})

	test('plain-text replies: "$" takes the body, HTML reduced to text; otherwise a protocol error', async () => {
		const text = Bun.serve({
			port: 0,
			fetch: () =>
				new Response('<p>Hello <b>there</b></p>', { headers: { 'content-type': 'text/html' } }),
		})
		try {
			const spec = chatSpec(mock, 'NONE', {})
			spec.endpoint = `http://127.0.0.1:${text.port}`
			spec.responseTemplate = { responsePath: '$', transform: 'html' }
			const [r] = await converse(spec, ['Hi'])
			expect(r).toMatchObject({ success: true, content: 'Hello there', httpStatus: 200 })
			expect(r.usage.estimated).toBe(true)
			spec.responseTemplate = { responsePath: 'reply' }
			const [r2] = await converse(spec, ['Hi'])
			expect(r2.error?.type).toBe('protocol_error')
			expect(r2.error?.message).toContain('not JSON')
		} finally {
			text.stop(true)
		}
	})

	test('a target on the deny list is refused before sending', async () => {
		const spec = chatSpec(mock, 'NONE', {})
		const conv = await createConnector(spec, { denyList: ['127.0.0.1'] }).open(signal())
		const r = await conv.send('Hi', { history: [], signal: signal() })
		expect(r.error?.type).toBe('protocol_error')
		expect(r.error?.message).toContain('deny list')
	})
})

describe('SSE connector', () => {
	test('folds data events until [DONE], with usage from the final event', async () => {
		const spec = chatSpec(mock, 'BEARER_TOKEN', { token: KEY }, 'drip:5')
		spec.connectorType = 'SSE'
		spec.protocolConfig = { path: '/sse', contentPath: 'content', usagePaths: ['usage'] }
		const [r, r2] = await converse(spec, ['Hello SSE', 'again'])
		expect(r.error).toBeUndefined()
		expect(r.content).toBe('Mock reply to "Hello SSE" (turn 1). This is a short, helpful answer.')
		expect(r.usage.estimated).toBe(false)
		expect(r.ttftMs!).toBeLessThan(r.responseTimeMs)
		expect(r2.content).toContain('(turn 2)')
	})

	test('usage is estimated and flagged when the target reports none', async () => {
		const spec = chatSpec(mock, 'BEARER_TOKEN', { token: KEY })
		spec.connectorType = 'SSE'
		spec.protocolConfig = { path: '/sse', contentPath: 'content', usagePaths: [] }
		const [r] = await converse(spec, ['Hello SSE'])
		expect(r.usage.estimated).toBe(true)
		expect(r.usage.completionTokens).toBe(Math.ceil(r.content!.length / 4))
	})

	test('the SSE preset reads the mock\'s stream as it comes (content path "content")', async () => {
		mock.resetStats()
		const [r] = await converse(presetSpec('custom-sse', mock, { token: KEY }), ['Hello SSE'])
		expect(r.error).toBeUndefined()
		expect(r.content).toBe('Mock reply to "Hello SSE" (turn 1). This is a short, helpful answer.')
		expect(r.usage.estimated).toBe(false)
		expect(r.ttftMs).toBeDefined()
		expect(mock.stats.requests).toBe(1)
	})

	test("no content at the path: the error names the path and setting, the first event's fields and a suggestion", async () => {
		// chatSpec's responsePath is "response", as the Custom HTTP preset has it; the mock's events carry "content".
		const spec = chatSpec(mock, 'BEARER_TOKEN', { token: KEY })
		spec.connectorType = 'SSE'
		spec.protocolConfig = { path: '/sse' }
		const [r] = await converse(spec, ['Hello SSE'])
		expect(r.error?.type).toBe('empty_response')
		expect(r.error?.message).toBe(
			'The stream ended without content at "response" (responseTemplate.responsePath (or protocolConfig.contentPath)); ' +
				'the first event has the fields content; try "content"',
		)
		spec.protocolConfig = { path: '/sse', contentPath: 'text' }
		const [r2] = await converse(spec, ['Hello SSE'])
		expect(r2.error?.message).toStartWith(
			'The stream ended without content at "text" (protocolConfig.contentPath); the first event has the fields content; try "content"',
		)
	})

	test('connection errors and a wrong path name the final URL (method, endpoint + path), credentials masked', async () => {
		const spec = presetSpec('google-gemini', mock, { apiKey: KEY })
		spec.protocolConfig = { ...spec.protocolConfig, path: '/v1beta/nowhere' }
		const [r] = await converse(spec, ['Hi'])
		expect(r.error?.message).toEndWith(`(POST ${mock.url}/v1beta/nowhere?key=***)`)
		expect(JSON.stringify(r)).not.toContain(KEY)
		const down = chatSpec(mock, 'NONE', {})
		down.endpoint = 'http://127.0.0.1:1'
		const [r2] = await converse(down, ['Hi'])
		expect(r2.error?.type).toBe('connection_refused')
		expect(r2.error?.message).toEndWith('(POST http://127.0.0.1:1/chat)')
		// An endpoint that already ends with the path is called as it is.
		const whole = presetSpec('openai-chat', mock, { token: KEY })
		whole.endpoint = `${mock.url}/v1/chat/completions`
		const [r3] = await converse(whole, ['Hi'])
		expect(r3.success).toBe(true)
	})
})
