import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { parseArgs } from '../../src/cli/args'
import { startMockServer, type MockServer } from '../../src/mock/server'
import { startListening, stop } from '../helpers/process'

/**
 * The mock's consumption controls (src/mock/controls.ts), over real HTTP: each refuses at its
 * configured point in each provider's shape, and nothing is refused while it is off. Every
 * test uses its own API key, so buckets, slots and quotas never leak between tests.
 */
let mock: MockServer

beforeAll(async () => {
	mock = await startMockServer({ grpcPort: false })
})
afterAll(async () => {
	await mock.stop()
})

type Provider = 'openai' | 'anthropic' | 'gemini'
let keys = 0
const newKey = () => `sk-controls-${process.pid}-${++keys}`

interface Call {
	personas?: string
	key?: string
	messages?: { role: string; content: string }[]
	content?: string
	stream?: boolean
	extra?: Record<string, unknown>
	headers?: Record<string, string>
	server?: MockServer
}

/** One chat request to `provider`'s route, behind `/persona/<personas>` when given. */
function call(provider: Provider, c: Call): Promise<Response> {
	const base = (c.server ?? mock).url + (c.personas ? `/persona/${c.personas}` : '')
	const key = c.key ?? 'sk-anon'
	const messages = c.messages ?? [{ role: 'user', content: c.content ?? 'Hello' }]
	const headers: Record<string, string> = { 'content-type': 'application/json', ...c.headers }
	let url: string
	let body: Record<string, unknown>
	if (provider === 'openai') {
		url = `${base}/v1/chat/completions`
		headers.authorization = `Bearer ${key}`
		body = { model: 'gpt-4o', messages, stream: c.stream === true }
	} else if (provider === 'anthropic') {
		url = `${base}/v1/messages`
		headers['x-api-key'] = key
		headers['anthropic-version'] = '2023-06-01'
		body = { model: 'claude', max_tokens: 100_000, messages, stream: c.stream === true }
	} else {
		url = `${base}/v1beta/models/gemini-2.0-flash:${c.stream ? 'streamGenerateContent?alt=sse&' : 'generateContent?'}key=${encodeURIComponent(key)}`
		body = {
			contents: messages.map((m) => ({
				role: m.role === 'assistant' ? 'model' : 'user',
				parts: [{ text: m.content }],
			})),
		}
	}
	return fetch(url, {
		method: 'POST',
		headers,
		body: JSON.stringify({ ...body, ...c.extra }),
	})
}

/** A conversation of `turns` user messages of `chars` characters each, alternating with replies. */
function history(turns: number, chars = 40) {
	const messages: { role: string; content: string }[] = []
	for (let i = 0; i < turns; i++) {
		if (i) messages.push({ role: 'assistant', content: 'r'.repeat(chars) })
		messages.push({ role: 'user', content: `${i}`.padEnd(chars, 'u') })
	}
	return messages
}

const PROVIDERS: Provider[] = ['openai', 'anthropic', 'gemini']

/** What each provider's 429/400 body says, reduced to the fields a client reads. */
function shape(provider: Provider, body: any) {
	if (provider === 'openai') return { type: body.error.type, code: body.error.code }
	if (provider === 'anthropic') return { type: body.type, errorType: body.error.type }
	return { code: body.error.code, status: body.error.status }
}

describe('controls off (the default)', () => {
	test('nothing is refused or cut, and no rate-limit headers are sent', async () => {
		const key = newKey()
		const before = structuredClone(mock.stats.refused)
		const statuses: number[] = []
		for (const provider of PROVIDERS)
			for (let i = 0; i < 10; i++) {
				const r = await call(provider, {
					key,
					messages: history(60, 400),
					extra: provider === 'openai' ? { max_tokens: 1 } : {},
					headers: { 'x-mock-persona': 'verbose' },
				})
				expect(r.headers.get('x-ratelimit-limit-requests')).toBeNull()
				const b: any = await r.json()
				if (provider === 'openai') expect(b.choices[0].finish_reason).toBe('stop')
				statuses.push(r.status)
			}
		expect(statuses).toEqual(Array(30).fill(200))
		expect(mock.stats.refused).toEqual(before)
	})
})

describe('ratelimit', () => {
	test('a burst of B passes, then 429 in each provider shape with Retry-After and x-ratelimit-* on every reply', async () => {
		for (const provider of PROVIDERS) {
			const key = newKey()
			const before = mock.stats.refused.rateLimit
			const seen: [number, string | null, string | null, string | null][] = []
			let refusal: any
			for (let i = 0; i < 5; i++) {
				const r = await call(provider, { personas: 'ratelimit:1:3', key })
				const body: any = await r.json()
				if (r.status === 429) refusal ??= body
				seen.push([
					r.status,
					r.headers.get('retry-after'),
					r.headers.get('x-ratelimit-limit-requests'),
					r.headers.get('x-ratelimit-remaining-requests'),
				])
				expect(r.headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+(\.\d+)?(ms|s)$/)
			}
			expect(seen).toEqual([
				[200, null, '3', '2'],
				[200, null, '3', '1'],
				[200, null, '3', '0'],
				[429, '1', '3', '0'],
				[429, '1', '3', '0'],
			])
			expect(mock.stats.refused.rateLimit - before).toBe(2)
			expect(shape(provider, refusal)).toEqual(
				provider === 'openai'
					? { type: 'requests', code: 'rate_limit_exceeded' }
					: provider === 'anthropic'
						? { type: 'error', errorType: 'rate_limit_error' }
						: { code: 429, status: 'RESOURCE_EXHAUSTED' },
			)
		}
	})

	test('refusals by other controls carry the bucket headers too, and spend no token', async () => {
		const key = newKey()
		const big = await call('openai', {
			personas: 'ratelimit:1:3,input-limit:5',
			key,
			content: 'x'.repeat(6),
		})
		expect(big.status).toBe(413)
		expect(big.headers.get('x-ratelimit-remaining-requests')).toBe('2')
		const spent = await call('openai', { personas: 'ratelimit:1:3,quota:0', key })
		expect(spent.status).toBe(429)
		expect(((await spent.json()) as any).error.code).toBe('insufficient_quota')
		expect(spent.headers.get('x-ratelimit-remaining-requests')).toBe('2')
		expect(spent.headers.get('retry-after')).toBeNull()
	})

	test('Retry-After is the wait for the next token, rounded up to whole seconds', async () => {
		const key = newKey()
		await (await call('openai', { personas: 'ratelimit:0.25:1', key })).text()
		const r = await call('openai', { personas: 'ratelimit:0.25:1', key })
		expect(r.status).toBe(429)
		expect(r.headers.get('retry-after')).toBe('4')
		expect(Number(r.headers.get('retry-after-ms'))).toBeGreaterThan(3900)
		expect(r.headers.get('x-ratelimit-reset-requests')).toMatch(/^(3\.9\d*|4)s$/)
	})

	test('one bucket per API key: another key is not limited by the first one', async () => {
		const [a, b] = [newKey(), newKey()]
		const statuses: number[] = []
		for (const key of [a, a, b, a, b, b])
			statuses.push((await call('openai', { personas: 'ratelimit:1:2', key })).status)
		expect(statuses).toEqual([200, 200, 200, 429, 200, 429])
	})

	test('ratelimit-conversation: one bucket per conversation on the same key', async () => {
		const key = newKey()
		const statuses: number[] = []
		for (const conv of ['a', 'a', 'b', 'a', 'b'])
			statuses.push(
				(
					await call('openai', {
						personas: 'ratelimit-conversation:1:2',
						key,
						headers: { 'x-mock-conversation': `${key}-${conv}` },
					})
				).status,
			)
		expect(statuses).toEqual([200, 200, 200, 429, 200])
	})

	test('sustained requests: the bucket admits R per second after its burst (20/s over 2.5 s, within 15 %)', async () => {
		const key = newKey()
		const before = mock.stats.refused.rateLimit
		const started = performance.now()
		let admitted = 0
		let refused = 0
		const pending: Promise<void>[] = []
		// 100 requests/s offered for 2.5 s, each sent on its own schedule (not waiting for replies).
		for (let i = 0; i < 250; i++) {
			const due = started + i * 10
			const wait = due - performance.now()
			if (wait > 0) await Bun.sleep(wait)
			pending.push(
				call('openai', { personas: 'ratelimit:20', key }).then(async (r) => {
					await r.text()
					expect(r.headers.get('x-ratelimit-limit-requests')).toBe('20')
					if (r.status === 200) admitted++
					else if (r.status === 429) refused++
				}),
			)
		}
		await Promise.all(pending)
		const seconds = (performance.now() - started) / 1000
		// The default burst (B = R = 20) is what the bucket started with; the rest were refilled at R.
		const rate = (admitted - 20) / seconds
		expect(rate).toBeGreaterThan(20 * 0.85)
		expect(rate).toBeLessThan(20 * 1.15)
		expect(admitted + refused).toBe(250)
		expect(mock.stats.refused.rateLimit - before).toBe(refused)
	}, 15_000)
})

describe('concurrency', () => {
	test('more than C in flight for one key: 429 at once, saying concurrency; other keys and later requests pass', async () => {
		const [key, other] = [newKey(), newKey()]
		const before = mock.stats.refused.concurrency
		const personas = 'concurrency:2,slow:400'
		const slow = [call('openai', { personas, key }), call('openai', { personas, key })]
		await Bun.sleep(50)
		const t0 = performance.now()
		const refusals = await Promise.all([
			call('openai', { personas, key }),
			call('openai', { personas, key }),
		])
		const refusedMs = performance.now() - t0
		const elsewhere = call('openai', { personas, key: other })
		for (const r of refusals) {
			expect(r.status).toBe(429)
			const body: any = await r.json()
			expect(body.error.message).toContain('concurrent')
			expect(body.error.code).toBe('rate_limit_exceeded')
		}
		expect(refusedMs).toBeLessThan(300)
		expect((await Promise.all(slow)).map((r) => r.status)).toEqual([200, 200])
		expect((await elsewhere).status).toBe(200)
		expect((await call('openai', { personas, key })).status).toBe(200)
		expect(mock.stats.refused.concurrency - before).toBe(2)
	})

	test('a streamed reply holds its slot until its last chunk', async () => {
		const key = newKey()
		const r = await call('openai', { personas: 'concurrency:1,drip:30', key, stream: true })
		expect(r.status).toBe(200)
		const during = await call('openai', { personas: 'concurrency:1', key })
		expect(during.status).toBe(429)
		await r.text()
		expect((await call('openai', { personas: 'concurrency:1', key })).status).toBe(200)
	})
})

describe('max-tokens', () => {
	const unstreamed = async (provider: Provider, personas: string, extra = {}) => {
		const r = await call(provider, { personas, content: 'Tell me about load', extra })
		expect(r.status).toBe(200)
		const b: any = await r.json()
		if (provider === 'openai')
			return {
				text: b.choices[0].message.content as string,
				tokens: b.usage.completion_tokens,
				finish: b.choices[0].finish_reason,
			}
		if (provider === 'anthropic')
			return {
				text: b.content[0].text as string,
				tokens: b.usage.output_tokens,
				finish: b.stop_reason,
			}
		return {
			text: b.candidates[0].content.parts[0].text as string,
			tokens: b.usageMetadata.candidatesTokenCount,
			finish: b.candidates[0].finishReason,
		}
	}

	test('the reply is cut at N tokens, usage says N, the finish reason says length (unstreamed)', async () => {
		const before = mock.stats.capped.maxTokens
		const length = { openai: 'length', anthropic: 'max_tokens', gemini: 'MAX_TOKENS' }
		const natural = { openai: 'stop', anthropic: 'end_turn', gemini: 'STOP' }
		for (const provider of PROVIDERS) {
			const cut = await unstreamed(provider, 'max-tokens:20,verbose')
			expect(cut).toEqual({ text: expect.any(String), tokens: 20, finish: length[provider] })
			expect(cut.text.length).toBe(80)
			const short = await unstreamed(provider, 'max-tokens:200')
			expect(short.finish).toBe(natural[provider])
			expect(short.tokens).toBeLessThan(200)
		}
		expect(mock.stats.capped.maxTokens - before).toBe(3)
	})

	test("the request's own limit wins when lower: max_tokens, generationConfig.maxOutputTokens", async () => {
		expect((await unstreamed('openai', 'max-tokens:50,verbose', { max_tokens: 7 })).tokens).toBe(7)
		expect(
			(await unstreamed('openai', 'max-tokens:50,verbose', { max_completion_tokens: 9 })).tokens,
		).toBe(9)
		expect(
			(await unstreamed('anthropic', 'max-tokens:50,verbose', { max_tokens: 11 })).tokens,
		).toBe(11)
		expect(
			(
				await unstreamed('gemini', 'max-tokens:50,verbose', {
					generationConfig: { maxOutputTokens: 13 },
				})
			).tokens,
		).toBe(13)
		expect((await unstreamed('openai', 'max-tokens:5,verbose', { max_tokens: 500 })).tokens).toBe(5)
	})

	test('streamed: the text adds up to N tokens and the last event carries the length finish reason', async () => {
		const o = await (
			await call('openai', {
				personas: 'max-tokens:16,verbose',
				stream: true,
				extra: { stream_options: { include_usage: true } },
			})
		).text()
		const chunks = o
			.split('\n\n')
			.filter((l) => l.startsWith('data: {'))
			.map((l) => JSON.parse(l.slice(6)))
		const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')
		expect(text.length).toBe(64)
		expect(chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean)).toEqual(['length'])
		expect(chunks.at(-1).usage.completion_tokens).toBe(16)

		const a = await (
			await call('anthropic', { personas: 'max-tokens:16,verbose', stream: true })
		).text()
		const delta = a
			.split('\n\n')
			.map((e) => /data: (.*)/.exec(e)?.[1])
			.filter(Boolean)
			.map((d) => JSON.parse(d!))
			.find((e) => e.type === 'message_delta')
		expect(delta.delta.stop_reason).toBe('max_tokens')
		expect(delta.usage.output_tokens).toBe(16)

		const g = await (
			await call('gemini', { personas: 'max-tokens:16,verbose', stream: true })
		).text()
		const events = g
			.split('\n\n')
			.filter((l) => l.startsWith('data: '))
			.map((l) => JSON.parse(l.slice(6)))
		expect(events.at(-1).candidates[0].finishReason).toBe('MAX_TOKENS')
		expect(events.at(-1).usageMetadata.candidatesTokenCount).toBe(16)
		expect(events.slice(0, -1).some((e) => e.candidates[0].finishReason)).toBe(false)

		const natural = await (
			await call('anthropic', { personas: 'max-tokens:500', stream: true })
		).text()
		expect(natural).toContain('"stop_reason":"end_turn"')
	})
})

describe('context', () => {
	test('a prompt over N tokens is refused with 400 in the provider shape; one within N passes', async () => {
		const before = mock.stats.refused.context
		const expected = {
			openai: { type: 'invalid_request_error', code: 'context_length_exceeded' },
			anthropic: { type: 'error', errorType: 'invalid_request_error' },
			gemini: { code: 400, status: 'INVALID_ARGUMENT' },
		}
		for (const provider of PROVIDERS) {
			// 40-character messages: 10 tokens + 4 framing each, 3 for the request.
			const fits = await call(provider, { personas: 'context:200', messages: history(7) })
			expect(fits.status).toBe(200)
			await fits.text()
			const over = await call(provider, { personas: 'context:200', messages: history(30) })
			expect(over.status).toBe(400)
			const body: any = await over.json()
			expect(shape(provider, body)).toEqual(expected[provider])
			expect(JSON.stringify(body)).toContain('200')
		}
		expect(mock.stats.refused.context - before).toBe(3)
	})

	test('with truncate the oldest history is dropped: reported prompt tokens stop growing at N', async () => {
		const before = mock.stats.capped.context
		const prompts: number[] = []
		for (const turns of [2, 4, 8, 16, 32]) {
			const r = await call('openai', { personas: 'context:150:truncate', messages: history(turns) })
			expect(r.status).toBe(200)
			prompts.push(((await r.json()) as any).usage.prompt_tokens)
		}
		// 2 and 4 turns fit (45 and 101 tokens); from 8 turns on the history is cut to fit 150.
		expect(prompts.slice(0, 2)).toEqual([45, 101])
		for (const p of prompts.slice(2)) {
			expect(p).toBeLessThanOrEqual(150)
			expect(p).toBeGreaterThan(130)
		}
		expect(mock.stats.capped.context - before).toBe(3)
		const huge = await call('gemini', {
			personas: 'context:50:truncate',
			content: 'x'.repeat(4000),
		})
		expect(((await huge.json()) as any).usageMetadata.promptTokenCount).toBeLessThanOrEqual(50)
	})
})

describe('input-limit', () => {
	test('a last user message over N characters is refused with 413 input_too_large; history does not count', async () => {
		const before = mock.stats.refused.inputLimit
		for (const provider of PROVIDERS) {
			const ok = await call(provider, {
				personas: 'input-limit:100',
				messages: [
					...history(5, 500),
					{ role: 'assistant', content: 'r' },
					{ role: 'user', content: 'y'.repeat(100) },
				],
			})
			expect(ok.status).toBe(200)
			await ok.text()
			const big = await call(provider, { personas: 'input-limit:100', content: 'y'.repeat(101) })
			expect(big.status).toBe(413)
			const body: any = await big.json()
			expect(body.error.code).toBe('input_too_large')
			expect(body.error.type).toBe('invalid_request_error')
			expect(body.error.message).toContain('101')
		}
		expect(mock.stats.refused.inputLimit - before).toBe(3)
	})
})

describe('quota', () => {
	test('once a key has been served T tokens every further request is refused: insufficient_quota', async () => {
		const key = newKey()
		const server = await startMockServer({ grpcPort: false })
		try {
			let served = 0
			let admitted = 0
			let status = 200
			for (let i = 0; i < 100 && status === 200; i++) {
				const r = await call('openai', { personas: 'quota:500,verbose', key, server })
				status = r.status
				const b: any = await r.json()
				if (status === 200) {
					admitted++
					served += b.usage.prompt_tokens + b.usage.completion_tokens
				} else {
					expect(b.error).toEqual({
						message: expect.stringContaining('You exceeded your current quota'),
						type: 'insufficient_quota',
						param: null,
						code: 'insufficient_quota',
					})
				}
			}
			expect(status).toBe(429)
			// The last admitted request started below T and took the key to T or past it.
			const one = served / admitted
			expect(served).toBeGreaterThanOrEqual(500)
			expect(served - one).toBeLessThan(500)
			expect(server.stats.served.promptTokens + server.stats.served.completionTokens).toBe(served)
			for (let i = 0; i < 3; i++)
				expect((await call('openai', { personas: 'quota:500', key, server })).status).toBe(429)
			expect(server.stats.refused.quota).toBe(4)
			// Another key has its own quota; Anthropic and Gemini refuse the spent key their way.
			expect((await call('openai', { personas: 'quota:500', key: newKey(), server })).status).toBe(
				200,
			)
			const a = await call('anthropic', { personas: 'quota:500', key, server })
			expect(a.status).toBe(429)
			expect(shape('anthropic', await a.json())).toEqual({
				type: 'error',
				errorType: 'rate_limit_error',
			})
			const g = await call('gemini', { personas: 'quota:500', key, server })
			expect(g.status).toBe(429)
			const gb: any = await g.json()
			expect(gb.error.status).toBe('RESOURCE_EXHAUSTED')
			expect(gb.error.message).toContain('quota')
			const stats: any = await (await fetch(`${server.url}/__mock/stats`)).json()
			expect(stats.refused.quota).toBe(6)
			// A reset forgets what was spent.
			server.resetStats()
			expect((await call('openai', { personas: 'quota:500', key, server })).status).toBe(200)
		} finally {
			await server.stop()
		}
	})
})

describe('obedient', () => {
	const words = async (content: string, personas = 'obedient') => {
		const r = await call('openai', { personas, content })
		const b: any = await r.json()
		return {
			words: (b.choices[0].message.content as string).split(/\s+/).length,
			tokens: b.usage.completion_tokens as number,
			text: b.choices[0].message.content as string,
		}
	}

	test('reply length follows what the prompt asks for, deterministically', async () => {
		const plain = await words('What is a load test?')
		expect(plain.words).toBeLessThan(30)
		const n = await words('Explain load testing in 300 words.')
		expect(n.words).toBeGreaterThanOrEqual(300)
		expect(n.words).toBeLessThan(320)
		const paras = await words('Write 5 paragraphs on latency.')
		expect(paras.words).toBeGreaterThanOrEqual(400)
		expect(paras.words).toBeLessThan(420)
		const list = await words('List 50 cheeses, each with a 3-sentence description.')
		expect(list.words).toBeGreaterThanOrEqual(1000)
		expect(list.words).toBeLessThan(1020)
		const detail = await words('Explain tokens in detail, step by step.')
		expect(detail.words).toBeGreaterThanOrEqual(2000)
		expect(detail.words).toBeLessThan(2020)
		const all = await words('Tell me everything about tokens; be exhaustive.')
		expect(all.words).toBeGreaterThanOrEqual(4000)
		expect(all.words).toBeLessThan(4020)
		expect(all.tokens).toBeGreaterThan(detail.tokens * 1.9)
		expect((await words('Tell me everything about tokens; be exhaustive.')).text).toBe(all.text)
		expect((await words('Write 9,000 words.')).words).toBeLessThan(4020)
		const capped = await words('Be exhaustive.', 'obedient:600')
		expect(capped.words).toBeLessThan(620)
		expect(capped.words).toBeGreaterThanOrEqual(600)
		const cut = await words('Be exhaustive.', 'obedient,max-tokens:100')
		expect(cut.tokens).toBe(100)
	})
})

describe('krawall mock flags apply the controls to every request', () => {
	test('parseArgs maps each flag to its persona and refuses bad values', () => {
		const a = parseArgs([
			'mock',
			'--rate-limit',
			'20:5',
			'--concurrency-limit=3',
			'--max-tokens',
			'256',
			'--context-window',
			'8000:truncate',
			'--input-limit',
			'2000',
			'--quota-tokens',
			'100000',
		])
		expect(a.mockControls).toEqual([
			'ratelimit:20:5',
			'concurrency:3',
			'max-tokens:256',
			'context:8000:truncate',
			'input-limit:2000',
			'quota:100000',
		])
		expect(() => parseArgs(['mock', '--rate-limit', 'fast'])).toThrow('--rate-limit needs R[:B]')
		expect(() => parseArgs(['mock', '--rate-limit', '0'])).toThrow('--rate-limit needs')
		expect(() => parseArgs(['mock', '--max-tokens', '0'])).toThrow('--max-tokens needs')
		expect(() => parseArgs(['mock', '--context-window', '10:cut'])).toThrow('--context-window')
		expect(() => parseArgs(['serve', '--quota-tokens', '5'])).toThrow('`krawall mock` flags')
	})

	test('startMockServer({ personas }) applies to requests that name no persona', async () => {
		const server = await startMockServer({
			grpcPort: false,
			personas: 'ratelimit:1:2,max-tokens:10,input-limit:50',
		})
		try {
			const key = newKey()
			const statuses: number[] = []
			for (const provider of PROVIDERS) {
				const r = await call(provider, { key, server, headers: { 'x-mock-persona': 'verbose' } })
				expect(r.headers.get('x-ratelimit-limit-requests')).toBe('2')
				statuses.push(r.status)
			}
			expect(statuses).toEqual([200, 200, 429])
			const other = newKey()
			const big = await call('anthropic', { key: other, server, content: 'z'.repeat(51) })
			expect(big.status).toBe(413)
			expect(server.stats.refused).toEqual({
				rateLimit: 1,
				concurrency: 0,
				context: 0,
				inputLimit: 1,
				quota: 0,
			})
			expect(server.stats.capped.maxTokens).toBe(2)
		} finally {
			await server.stop()
		}
	})

	test('the krawall mock command: --rate-limit and --max-tokens on every request', async () => {
		const r = await startListening(
			[
				process.execPath,
				'src/main.ts',
				'mock',
				'--port',
				'0',
				'--grpc-port',
				'0',
				'--rate-limit',
				'1:2',
				'--max-tokens',
				'12',
			],
			{ cwd: `${import.meta.dir}/../..` },
		)
		try {
			const url = r.url
			const post = () =>
				fetch(`${url}/persona/verbose/v1/chat/completions`, {
					method: 'POST',
					headers: { 'content-type': 'application/json', authorization: 'Bearer sk-cli' },
					body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
				})
			const first: any = await (await post()).json()
			expect(first.choices[0].finish_reason).toBe('length')
			expect(first.usage.completion_tokens).toBe(12)
			await (await post()).text()
			const third = await post()
			expect(third.status).toBe(429)
			expect(third.headers.get('retry-after')).toBe('1')
			const stats: any = await (await fetch(`${url}/__mock/stats`)).json()
			expect(stats.refused.rateLimit).toBe(1)
			expect(r.stderr()).toContain('ratelimit:1:2')
		} finally {
			expect(await stop(r)).toBe(0)
		}
	}, 30_000)
})
