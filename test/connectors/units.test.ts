import { describe, expect, test } from 'bun:test'
import { parseRetryAfter, httpStatusError } from '../../src/connectors/errors'
import { applyTransform, buildRequestBody, compileRequestBody } from '../../src/connectors/template'
import { mergeUsage, normaliseUsage } from '../../src/connectors/usage'
import { findPreset } from '../../src/presets/presets'

const history = [
	{ role: 'user' as const, content: 'A' },
	{ role: 'assistant' as const, content: 'B' },
]

describe('request bodies', () => {
	test('chat history goes before the new user turn, after a system prompt', () => {
		const body = buildRequestBody(
			{
				messagePath: '$.messages[1].content',
				structure: {
					model: 'm',
					messages: [
						{ role: 'system', content: 'S' },
						{ role: 'user', content: '' },
					],
				},
				historyPath: 'messages',
			},
			'NEW',
			history,
		)
		expect(body).toEqual({
			model: 'm',
			messages: [
				{ role: 'system', content: 'S' },
				{ role: 'user', content: 'A' },
				{ role: 'assistant', content: 'B' },
				{ role: 'user', content: 'NEW' },
			],
		})
	})

	test('Gemini history uses user/model roles and parts', () => {
		const body = buildRequestBody(findPreset('google-gemini')!.requestTemplate, 'NEW', history)
		expect(body.contents).toEqual([
			{ role: 'user', parts: [{ text: 'A' }] },
			{ role: 'model', parts: [{ text: 'B' }] },
			{ role: 'user', parts: [{ text: 'NEW' }] },
		])
	})

	test('a separate history field receives earlier turns only; variables are substituted', () => {
		const body = buildRequestBody(
			{
				messagePath: 'message',
				structure: { message: '', history: [], user: '{{who}}', keep: '{{unknown}}' },
				variables: { who: 'bob' },
				historyPath: 'history',
			},
			'NEW',
			history,
		)
		expect(body).toEqual({ message: 'NEW', history, user: 'bob', keep: '{{unknown}}' })
	})

	test('without a history path only the message is written', () => {
		expect(buildRequestBody({ messagePath: 'q', structure: {} }, 'NEW', history)).toEqual({
			q: 'NEW',
		})
	})
})

describe('compiled request bodies (one per target, shared template)', () => {
	const history = [
		{ role: 'user' as const, content: 'first' },
		{ role: 'assistant' as const, content: 'reply' },
	]
	test('each call is independent and the template is never written', () => {
		for (const preset of ['openai-chat', 'anthropic-messages', 'google-gemini']) {
			const tpl = findPreset(preset)!.requestTemplate
			const before = structuredClone(tpl)
			const build = compileRequestBody(tpl)
			const a = build('A', history)
			const b = build('B', [])
			expect(a).toEqual(buildRequestBody(tpl, 'A', history))
			expect(b).toEqual(buildRequestBody(tpl, 'B', []))
			expect(JSON.stringify(a)).toContain('"A"')
			expect(JSON.stringify(a)).not.toContain('"B"')
			expect(JSON.stringify(b)).not.toContain('first')
			expect(tpl).toEqual(before)
		}
	})
	test('variables are substituted once, nested paths copied on write', () => {
		const tpl = {
			messagePath: 'input.deep.text',
			structure: { model: '{{m}}', input: { deep: { text: '', keep: 1 }, other: [1, 2] } },
			variables: { m: 'x-1' },
		}
		const build = compileRequestBody(tpl)
		const one = build('one', []) as any
		const two = build('two', []) as any
		expect(one).toEqual({ model: 'x-1', input: { deep: { text: 'one', keep: 1 }, other: [1, 2] } })
		expect(two.input.deep.text).toBe('two')
		expect(tpl.structure.input.deep.text).toBe('')
		// What is not on the path is shared, not copied.
		expect(one.input.other).toBe(two.input.other)
	})
	test('a path that cannot be written throws on each call, as before', () => {
		const build = compileRequestBody({ messagePath: 'a.b', structure: { a: 'text' } })
		expect(() => build('x', [])).toThrow('crosses a non-object value')
		expect(() =>
			buildRequestBody({ messagePath: 'a.b', structure: { a: 'text' } }, 'x', []),
		).toThrow('"a.b" crosses a non-object value at "a"')
	})
})

describe('usage normalisation', () => {
	test('OpenAI with cached prompt tokens', () => {
		expect(
			normaliseUsage({
				prompt_tokens: 2000,
				completion_tokens: 50,
				total_tokens: 2050,
				prompt_tokens_details: { cached_tokens: 1920 },
			}),
		).toEqual({
			promptTokens: 2000,
			completionTokens: 50,
			totalTokens: 2050,
			cachedTokens: 1920,
		})
	})
	test('Anthropic: cache reads and writes are part of the prompt, writes kept apart for pricing', () => {
		expect(
			normaliseUsage({
				input_tokens: 10,
				cache_read_input_tokens: 1000,
				cache_creation_input_tokens: 5,
				output_tokens: 20,
			}),
		).toEqual({
			promptTokens: 1015,
			completionTokens: 20,
			totalTokens: 1035,
			cachedTokens: 1000,
			cacheWriteTokens: 5,
		})
	})
	test('Gemini usageMetadata, thoughts count as output', () => {
		expect(
			normaliseUsage({
				promptTokenCount: 8,
				candidatesTokenCount: 10,
				thoughtsTokenCount: 4,
				totalTokenCount: 22,
				cachedContentTokenCount: 2,
			}),
		).toEqual({
			promptTokens: 8,
			completionTokens: 14,
			totalTokens: 22,
			cachedTokens: 2,
		})
	})
	test('Ollama counts and camelCase shapes', () => {
		expect(
			normaliseUsage({ model: 'x', prompt_eval_count: 26, eval_count: 10, done: true }),
		).toEqual({ promptTokens: 26, completionTokens: 10, totalTokens: 36, cachedTokens: 0 })
		expect(normaliseUsage({ promptTokens: 3, completionTokens: 4, cachedTokens: 1 })).toEqual({
			promptTokens: 3,
			completionTokens: 4,
			totalTokens: 7,
			cachedTokens: 1,
		})
		expect(normaliseUsage({ inputTokens: 3, outputTokens: 4 })).toEqual({
			promptTokens: 3,
			completionTokens: 4,
			totalTokens: 7,
			cachedTokens: 0,
		})
	})
	test('nothing recognisable is undefined; streamed parts merge', () => {
		expect(normaliseUsage({ foo: 1 })).toBeUndefined()
		expect(normaliseUsage(null)).toBeUndefined()
		const start = normaliseUsage({ input_tokens: 12, cache_read_input_tokens: 0, output_tokens: 1 })
		const delta = normaliseUsage({ output_tokens: 30 })
		expect(mergeUsage(start, delta)).toEqual({
			promptTokens: 12,
			completionTokens: 30,
			totalTokens: 42,
			cachedTokens: 0,
		})
	})
})

describe('errors', () => {
	test('Retry-After in seconds and as an HTTP date', () => {
		const now = new Date('2026-01-01T00:00:00Z')
		expect(parseRetryAfter('7', now)).toBe(7000)
		expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000)
		expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0)
		expect(parseRetryAfter('soon', now)).toBeUndefined()
		expect(parseRetryAfter(null, now)).toBeUndefined()
	})
	test('status classification', () => {
		expect(httpStatusError(429, 'slow down', 1000)).toEqual({
			type: 'rate_limited',
			message: 'HTTP 429: slow down',
			retryAfterMs: 1000,
		})
		expect(httpStatusError(401, 'bad key').type).toBe('auth_error')
		expect(httpStatusError(400, 'API key not valid. Please pass a valid API key.').type).toBe(
			'auth_error',
		)
		expect(httpStatusError(400, 'max_tokens: Field required').type).toBe('http_error')
		expect(httpStatusError(503, undefined, 2000)).toEqual({
			type: 'http_error',
			message: 'HTTP 503',
			retryAfterMs: 2000,
		})
	})
})

describe('transforms', () => {
	test('html and markdown are reduced to text', () => {
		expect(applyTransform('<p>Hello <b>world</b> &amp; you</p><script>x()</script>', 'html')).toBe(
			'Hello world & you',
		)
		expect(applyTransform('# Title\n**bold** and [link](http://x) `code`', 'markdown')).toBe(
			'Title\nbold and link code',
		)
		expect(applyTransform('*kept*', 'none')).toBe('*kept*')
	})
})
