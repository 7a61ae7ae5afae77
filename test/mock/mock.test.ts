import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { startMockServer, type MockServer } from '../../src/mock/server'
import { eventually } from '../helpers/connector-specs'

const KEY = 'sk-mock-openai-client'
let mock: MockServer

beforeAll(async () => {
	mock = await startMockServer({ apiKey: KEY, grpcPort: false })
})
afterAll(async () => {
	await mock.stop()
})

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
	fetch(mock.url + path, {
		method: 'POST',
		headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}`, ...headers },
		body: JSON.stringify(body),
	})

/** The error a promise rejects with (the client's APIPromise is awaited, not inspected). */
async function errorOf(p: PromiseLike<unknown>): Promise<unknown> {
	try {
		await p
	} catch (e) {
		return e
	}
	throw new Error('expected a rejection')
}

describe('the official openai client talks to the mock', () => {
	const client = () => new OpenAI({ apiKey: KEY, baseURL: `${mock.url}/v1`, maxRetries: 0 })

	test('plain chat completion', async () => {
		const r = await client().chat.completions.create({
			model: 'gpt-4o',
			messages: [{ role: 'user', content: 'Hello client' }],
		})
		expect(r.object).toBe('chat.completion')
		expect(r.choices[0].message.content).toBe(
			'Mock reply to "Hello client" (turn 1). This is a short, helpful answer.',
		)
		expect(r.choices[0].finish_reason).toBe('stop')
		expect(r.usage!.total_tokens).toBe(r.usage!.prompt_tokens + r.usage!.completion_tokens)
	})

	test('streamed chat completion with usage in the final chunk', async () => {
		const stream = await client().chat.completions.create({
			model: 'gpt-4o',
			messages: [{ role: 'user', content: 'Hello client' }],
			stream: true,
			stream_options: { include_usage: true },
		})
		let text = ''
		let usage: OpenAI.CompletionUsage | null | undefined
		let chunks = 0
		for await (const chunk of stream) {
			chunks++
			text += chunk.choices[0]?.delta?.content ?? ''
			if (chunk.usage) usage = chunk.usage
		}
		expect(chunks).toBeGreaterThan(3)
		expect(text).toBe('Mock reply to "Hello client" (turn 1). This is a short, helpful answer.')
		expect(usage!.completion_tokens).toBeGreaterThan(0)
	})

	test('a wrong key is an AuthenticationError; a 429 a RateLimitError', async () => {
		const bad = new OpenAI({ apiKey: 'wrong', baseURL: `${mock.url}/v1`, maxRetries: 0 })
		expect(
			await errorOf(
				bad.chat.completions.create({
					model: 'gpt-4o',
					messages: [{ role: 'user', content: 'x' }],
				}),
			),
		).toBeInstanceOf(OpenAI.AuthenticationError)
		const limited = new OpenAI({
			apiKey: KEY,
			baseURL: `${mock.url}/persona/rate-limited:1/v1`,
			maxRetries: 0,
		})
		const e = await errorOf(
			limited.chat.completions.create({
				model: 'gpt-4o',
				messages: [{ role: 'user', content: 'x' }],
			}),
		)
		expect(e).toBeInstanceOf(OpenAI.RateLimitError)
		expect((e as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after')).toBe('1')
	})
})

describe('mock behaviour', () => {
	test('stats count requests per route and conversation, and peak concurrency', async () => {
		mock.resetStats()
		const body = (i: number) => ({
			model: 'gpt-4o',
			messages: [{ role: 'user', content: `conversation ${i}` }],
		})
		await Promise.all(
			[0, 1, 2, 3].map((i) => post('/persona/slow:100/v1/chat/completions', body(i))),
		)
		await post('/v1/chat/completions', body(0))
		expect(mock.stats.requests).toBe(5)
		expect(mock.stats.byRoute).toEqual({ openai: 5 })
		expect(Object.values(mock.stats.byConversation).sort()).toEqual([1, 1, 1, 2])
		expect(mock.stats.maxInFlight).toBe(4)
		expect(mock.stats.inFlight).toBe(0)
		const viaHttp = await (await fetch(`${mock.url}/__mock/stats`)).json()
		expect(viaHttp.requests).toBe(5)
	})

	test('x-mock-conversation names the conversation', async () => {
		mock.resetStats()
		await post(
			'/v1/chat/completions',
			{ model: 'm', messages: [{ role: 'user', content: 'x' }] },
			{ 'x-mock-conversation': 'conv-7' },
		)
		expect(mock.stats.byConversation).toEqual({ 'conv-7': 1 })
	})

	test('rate-limited: 429 on every Nth request of a conversation, with Retry-After; the retry passes', async () => {
		const turns = (n: number) => {
			const messages = []
			for (let i = 1; i <= n; i++)
				messages.push({ role: 'user', content: `t${i}` }, { role: 'assistant', content: 'r' })
			messages.pop()
			return { model: 'm', messages }
		}
		const statuses = []
		for (const n of [1, 2, 3, 3, 4]) {
			const r = await post('/persona/rate-limited:3:9/v1/chat/completions', turns(n))
			statuses.push([r.status, r.headers.get('retry-after')])
		}
		expect(statuses).toEqual([
			[200, null],
			[200, null],
			[429, '9'],
			[200, null],
			[200, null],
		])
	})

	test('limit-conversation: A passes, then N 429s with rate-limit headers, then passes; per conversation', async () => {
		const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }] }
		const seen = []
		for (const conv of ['a', 'a', 'a', 'a', 'b', 'a']) {
			const r = await post('/persona/limit-conversation:2:3:1/v1/chat/completions', body, {
				'x-mock-conversation': `burst-${conv}`,
			})
			await r.text()
			seen.push([
				conv,
				r.status,
				r.headers.get('retry-after'),
				r.headers.get('retry-after-ms'),
				r.headers.get('x-ratelimit-remaining-requests'),
			])
		}
		expect(seen).toEqual([
			['a', 200, null, null, '0'],
			['a', 429, '3', '3000', '0'],
			['a', 429, '3', '3000', '0'],
			['a', 200, null, null, '3'],
			['b', 200, null, null, '0'],
			['a', 200, null, null, '3'],
		])
	})

	test('limit-key counts per credential across conversations; Anthropic gets anthropic-ratelimit-*', async () => {
		await post('/__mock/reset', {})
		const body = (c: string) => ({ model: 'm', messages: [{ role: 'user', content: c }] })
		const statuses = []
		for (const c of ['x', 'y', 'z']) {
			const r = await post('/persona/limit-key:2/v1/chat/completions', body(c))
			await r.text()
			statuses.push(r.status)
		}
		expect(statuses).toEqual([429, 429, 200])
		expect(mock.stats.rateLimited).toBe(2)
		const a = await fetch(`${mock.url}/persona/limit-key:1:5/v1/messages`, {
			method: 'POST',
			headers: {
				'content-type': 'application/json',
				'x-api-key': KEY,
				'anthropic-version': '2023-06-01',
			},
			body: JSON.stringify({ ...body('q'), model: 'claude', max_tokens: 10 }),
		})
		await a.text()
		expect(a.status).toBe(429)
		expect(a.headers.get('anthropic-ratelimit-requests-remaining')).toBe('0')
		expect(a.headers.get('retry-after')).toBe('5')
	})

	test('stats report the usage of replies fully served, plain and streamed, and not of refusals', async () => {
		await post('/__mock/reset', {})
		const plain = await post('/v1/chat/completions', {
			model: 'm',
			messages: [{ role: 'user', content: 'count me' }],
		})
		const pj = (await plain.json()) as {
			usage: { prompt_tokens: number; completion_tokens: number }
		}
		const streamed = await post('/v1/chat/completions', {
			model: 'm',
			stream: true,
			stream_options: { include_usage: true },
			messages: [{ role: 'user', content: 'count me too' }],
		})
		const text = await streamed.text()
		const last = text
			.split('\n')
			.filter((l) => l.startsWith('data: {'))
			.map((l) => JSON.parse(l.slice(6)))
			.find((c) => c.usage)
		const refused = await post('/persona/error:500/v1/chat/completions', {
			model: 'm',
			messages: [{ role: 'user', content: 'no' }],
		})
		await refused.text()
		await eventually(() => mock.stats.served.replies === 2)
		expect(mock.stats.requests).toBe(3)
		expect(mock.stats.served).toEqual({
			replies: 2,
			promptTokens: pj.usage.prompt_tokens + last.usage.prompt_tokens,
			completionTokens: pj.usage.completion_tokens + last.usage.completion_tokens,
			cachedTokens: 0,
		})
	})

	test('flaky cycles through 500, an empty reply and 503', async () => {
		const out = []
		for (let i = 0; i < 6; i++) {
			const r = await post('/chat', { message: `m${i}`, persona: 'flaky:2' })
			const j = (await r.json()) as { response?: string }
			out.push(r.status === 200 ? (j.response ? 'ok' : 'empty') : r.status)
		}
		expect(out).toEqual(['ok', 500, 'ok', 'empty', 'ok', 503])
	})

	test('personas shape replies: verbose is long, xml is XML, repetitive repeats', async () => {
		const reply = async (persona: string, message: string) =>
			(
				(await (await post('/chat', { message }, { 'x-mock-persona': persona })).json()) as {
					response: string
				}
			).response
		expect((await reply('verbose', 'a')).length).toBeGreaterThan(1500)
		expect(await reply('xml', 'a')).toMatch(/^<response>.*<\/response>$/s)
		expect(await reply('repetitive', 'a')).toBe(await reply('repetitive', 'b'))
	})

	test('protocol errors in provider shapes: Anthropic needs anthropic-version, Azure needs api-version', async () => {
		const a = await fetch(`${mock.url}/v1/messages`, {
			method: 'POST',
			headers: { 'x-api-key': KEY },
			body: JSON.stringify({
				model: 'c',
				max_tokens: 5,
				messages: [{ role: 'user', content: 'x' }],
			}),
		})
		expect(a.status).toBe(400)
		expect(await a.json()).toMatchObject({
			type: 'error',
			error: { type: 'invalid_request_error' },
		})
		const z = await fetch(`${mock.url}/openai/deployments/d/chat/completions`, {
			method: 'POST',
			headers: { 'api-key': KEY },
			body: JSON.stringify({ messages: [{ role: 'user', content: 'x' }] }),
		})
		expect(z.status).toBe(404)
	})

	test('a client that goes away mid-stream is seen as a disconnect', async () => {
		mock.resetStats()
		const ac = new AbortController()
		const r = await fetch(`${mock.url}/persona/verbose,drip:20/sse`, {
			method: 'POST',
			headers: { authorization: `Bearer ${KEY}` },
			body: JSON.stringify({ message: 'x' }),
			signal: ac.signal,
		})
		const reader = r.body!.getReader()
		await reader.read()
		ac.abort()
		expect(await eventually(() => mock.stats.disconnects === 1)).toBe(true)
	})

	test('OAuth token endpoint: client credentials in the body or Basic header; wrong secret refused', async () => {
		const ok = await fetch(`${mock.url}/oauth/token`, {
			method: 'POST',
			body: new URLSearchParams({
				grant_type: 'client_credentials',
				client_id: 'krawall-mock',
				client_secret: KEY,
			}),
		})
		expect(ok.status).toBe(200)
		const tok = (await ok.json()) as {
			access_token: string
			expires_in: number
			token_type: string
		}
		expect(tok).toMatchObject({ token_type: 'Bearer', expires_in: 3600 })
		const used = await fetch(`${mock.url}/chat`, {
			method: 'POST',
			headers: { authorization: `Bearer ${tok.access_token}` },
			body: JSON.stringify({ message: 'x' }),
		})
		expect(used.status).toBe(200)
		const basic = await fetch(`${mock.url}/oauth/token`, {
			method: 'POST',
			headers: { authorization: `Basic ${btoa(`krawall-mock:${KEY}`)}` },
			body: new URLSearchParams({ grant_type: 'client_credentials' }),
		})
		expect(basic.status).toBe(200)
		const bad = await fetch(`${mock.url}/oauth/token`, {
			method: 'POST',
			body: new URLSearchParams({
				grant_type: 'client_credentials',
				client_id: 'krawall-mock',
				client_secret: 'x',
			}),
		})
		expect(bad.status).toBe(401)
	})
})

describe('malformed requests', () => {
	test('are answered with a 4xx in the provider’s way, never a 5xx', async () => {
		const paths = [
			'/v1/chat/completions',
			'/openai/deployments/gpt/chat/completions?api-version=2024-06-01',
			'/v1/messages',
			'/v1beta/models/gemini-pro:generateContent',
			'/api/chat',
			'/chat',
			'/oauth/token',
			'/persona/%ZZ/chat',
		]
		const bodies = [
			'{',
			'',
			'null',
			'[]',
			'"x"',
			'{"messages":"x"}',
			'{"messages":[null]}',
			'{"contents":7}',
		]
		const bad: string[] = []
		for (const path of paths) {
			for (const body of bodies) {
				const r = await fetch(mock.url + path, {
					method: 'POST',
					headers: {
						'content-type': 'application/json',
						authorization: `Bearer ${KEY}`,
						'x-api-key': KEY,
					},
					body,
				})
				await r.arrayBuffer()
				if (r.status >= 500) bad.push(`${path} ${body} → ${r.status}`)
			}
		}
		expect(bad).toEqual([])
		const basic = await fetch(`${mock.url}/oauth/token`, {
			method: 'POST',
			headers: { authorization: `Basic ${btoa('%ZZ:%E0%A4')}` },
			body: new URLSearchParams({ grant_type: 'client_credentials' }),
		})
		expect(basic.status).toBe(401)
	})
})
