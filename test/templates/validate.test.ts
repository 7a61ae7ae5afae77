import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { PRESETS } from '../../src/presets/presets'
import { getPath } from '../../src/templates/paths'
import { call, createTestDeps, form, type TestDeps } from '../helpers/deps'

let deps: TestDeps
beforeAll(async () => {
	deps = await createTestDeps()
})
afterAll(async () => {
	await deps.close()
})

const validate = (body: unknown) => call(deps.app, 'POST', '/api/templates/validate', body)
const sample = {
	choices: [{ message: { role: 'assistant', content: 'Hello!' } }],
	usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
}

describe('POST /api/templates/validate', () => {
	test('the reference example: valid, with the reference messages', async () => {
		const r = await validate({
			requestTemplate: {
				messagePath: 'messages.0.content',
				structure: { model: 'gpt-4', messages: [{ role: 'user', content: '' }] },
			},
			responseTemplate: { responsePath: 'choices.0.message.content', tokenUsagePath: 'usage' },
			sampleResponse: sample,
		})
		expect(r.status).toBe(200)
		expect(r.json.success).toBe(true)
		expect(r.json.data.valid).toBe(true)
		expect(r.json.data.results).toEqual([
			{
				field: 'requestTemplate.messagePath',
				valid: true,
				message: 'Path "messages.0.content" is valid and writable',
			},
			{
				field: 'responseTemplate.responsePath',
				valid: true,
				message: 'Found content at "choices.0.message.content": Hello!',
			},
			{
				field: 'responseTemplate.tokenUsagePath',
				valid: true,
				message:
					'Found token usage at "usage": {"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}',
			},
		])
	})

	test('both path styles give the same answers', async () => {
		const r = await validate({
			requestTemplate: {
				messagePath: '$.messages[0].content',
				structure: { messages: [{ role: 'user', content: '' }] },
			},
			responseTemplate: {
				responsePath: '$.choices[0].message.content',
				tokenUsagePath: '$.usage',
				errorPath: '$.error.message',
			},
			sampleResponse: sample,
		})
		expect(r.json.data.valid).toBe(true)
		expect(r.json.data.results[1].message).toContain('Hello!')
		expect(r.json.data.results[3]).toMatchObject({
			field: 'responseTemplate.errorPath',
			valid: true,
		})
	})

	test('failures carry suggestion arrays of available paths', async () => {
		const r = await validate({
			requestTemplate: {
				messagePath: 'messages',
				structure: { messages: [{ role: 'user', content: '' }] },
			},
			responseTemplate: { responsePath: 'choices.0.text', tokenUsagePath: 'usage.total_tokens' },
			sampleResponse: sample,
		})
		expect(r.status).toBe(200)
		expect(r.json.data.valid).toBe(false)
		const [msg, resp, usage] = r.json.data.results
		expect(msg.valid).toBe(false)
		expect(msg.message).toContain('not at a text field')
		expect(msg.suggestion).toContain('messages.0.content')
		expect(resp).toMatchObject({ field: 'responseTemplate.responsePath', valid: false })
		expect(resp.suggestion[0]).toBe('choices.0.message.content')
		expect(usage.valid).toBe(false)
		expect(usage.suggestion).toContain('usage')
	})

	test('unwritable message paths: wildcards, holes in arrays, crossing a value', async () => {
		for (const [messagePath, structure, words] of [
			['messages[*].content', { messages: [] }, 'concrete'],
			['messages.3.content', { messages: [{ content: '' }] }, 'past the end'],
			['model.name', { model: 'gpt-4' }, 'not writable'],
			['$..[?(@.x)]', {}, 'not allowed'],
		] as const) {
			const r = await validate({ requestTemplate: { messagePath, structure } })
			expect(r.json.data.results[0].valid, messagePath).toBe(false)
			expect(r.json.data.results[0].message, messagePath).toContain(words)
		}
	})

	test('without a sample only syntax is checked; error paths absent from a success sample are fine', async () => {
		const r = await validate({ responseTemplate: { responsePath: 'reply', errorPath: 'error' } })
		expect(r.json.data.valid).toBe(true)
		const s = await validate({
			responseTemplate: { responsePath: 'reply', errorPath: 'error' },
			sampleResponse: { reply: 'x' },
		})
		expect(s.json.data.results[1].message).toContain('expected for a successful response')
	})

	test('400 with details for an invalid schema', async () => {
		const r = await validate({
			requestTemplate: { structure: {} },
			responseTemplate: { responsePath: 5 },
			sampleResponse: 'nope',
		})
		expect(r.status).toBe(400)
		expect(r.json.error).toBe('Validation error')
		const paths = r.json.details.map((d: any) => d.path.join('.'))
		expect(paths).toContain('requestTemplate.messagePath')
		expect(paths).toContain('responseTemplate.responsePath')
	})

	test('htmx form post gets an escaped result fragment', async () => {
		const r = await form(
			deps.app,
			'/api/templates/validate',
			{
				'requestTemplate.messagePath': 'messages.0.content',
				'requestTemplate.structure:json': '{"messages":[{"content":""}]}',
				'responseTemplate.responsePath': 'reply',
				'sampleResponse:json': JSON.stringify({ reply: '<script>alert(1)</script>' }),
			},
			{ htmx: true },
		)
		expect(r.status).toBe(200)
		expect(r.headers.get('content-type')).toContain('text/html')
		expect(r.text).toContain('data-template-valid="true"')
		expect(r.text).not.toContain('<script>alert')
		expect(r.text).toContain('&lt;script&gt;')
	})
})

describe('every preset', () => {
	test.each(PRESETS.map((p) => [p.id, p] as const))(
		'%s: its templates extract content and usage from its own example response',
		async (_id, p) => {
			const r = await validate({
				requestTemplate: p.requestTemplate,
				responseTemplate: p.responseTemplate,
				sampleResponse: p.exampleResponse,
			})
			expect(r.status).toBe(200)
			expect(r.json.data.results.filter((x: any) => !x.valid)).toEqual([])
			expect(r.json.data.results.map((x: any) => x.field)).toContain(
				'responseTemplate.tokenUsagePath',
			)
			const content = getPath(p.exampleResponse, p.responseTemplate.responsePath)
			expect(typeof content === 'string' && content.length > 0).toBe(true)
		},
	)

	test.each(PRESETS.map((p) => [p.id, p] as const))(
		'%s: a target created from it is accepted as is',
		async (_id, p) => {
			const auth: Record<string, Record<string, unknown>> = {
				NONE: {},
				BEARER_TOKEN: { token: 'preset-test-token-123' },
				API_KEY: { apiKey: 'preset-test-key-12345', ...(p.authConfigDefaults ?? {}) },
			}
			const r = await call(deps.app, 'POST', '/api/targets', {
				name: p.name,
				connectorType: p.connectorType,
				endpoint: p.defaultEndpoint,
				authType: p.authType,
				authConfig: auth[p.authType],
				requestTemplate: p.requestTemplate,
				responseTemplate: p.responseTemplate,
				protocolConfig: p.protocolConfig,
				pricing: p.pricing,
				presetId: p.id,
			})
			expect(r.status, r.text).toBe(201)
		},
	)
})
