import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { validateProtocolConfig } from '../../src/connectors/protocol-config'
import { buildRequestBody, extractText } from '../../src/connectors/template'
import { normaliseUsage } from '../../src/connectors/usage'
import { PRESETS } from '../../src/presets/presets'
import { getPath } from '../../src/templates/paths'
import { call, createTestDeps, type TestDeps } from '../helpers/deps'

let deps: TestDeps
beforeAll(async () => {
	deps = await createTestDeps()
})
afterAll(async () => {
	await deps.close()
})

const IDS = [
	'openai-chat',
	'anthropic-messages',
	'google-gemini',
	'azure-openai',
	'ollama',
	'custom-http',
	'custom-websocket',
	'custom-grpc',
	// After the reference's eight: the SSE preset Krawall adds.
	'custom-sse',
]

describe('GET /api/presets', () => {
	test('lists the eight presets of the reference, then custom-sse, with their fields', async () => {
		const res = await call(deps.app, 'GET', '/api/presets')
		expect(res.status).toBe(200)
		expect(res.json.success).toBe(true)
		expect(res.json.data.map((p: { id: string }) => p.id)).toEqual(IDS)
		for (const p of res.json.data) {
			for (const k of [
				'id',
				'name',
				'description',
				'icon',
				'connectorType',
				'defaultEndpoint',
				'authType',
				'authFields',
				'requestTemplate',
				'responseTemplate',
				'documentation',
				'exampleResponse',
			]) {
				expect({ id: p.id, k, present: p[k] !== undefined }).toEqual({ id: p.id, k, present: true })
			}
		}
	})

	test('GET /api/presets/:id returns one preset; unknown ids are 404', async () => {
		const res = await call(deps.app, 'GET', '/api/presets/anthropic-messages')
		expect(res.status).toBe(200)
		expect(res.json.data.name).toBe('Anthropic Messages')
		const missing = await call(deps.app, 'GET', '/api/presets/nope')
		expect(missing.status).toBe(404)
		expect(missing.json).toEqual({ success: false, error: 'Preset not found' })
	})
})

describe('every preset is self-consistent', () => {
	for (const p of PRESETS) {
		test(`${p.id}: paths extract content and usage from its own example response`, () => {
			const content = extractText(p.exampleResponse, p.responseTemplate.responsePath)
			expect(content).toBeTruthy()
			const usage = normaliseUsage(getPath(p.exampleResponse, p.responseTemplate.tokenUsagePath!))
			expect(usage).toBeDefined()
			expect(usage!.promptTokens).toBeGreaterThan(0)
			expect(usage!.completionTokens).toBeGreaterThan(0)
			expect(usage!.totalTokens).toBe(usage!.promptTokens + usage!.completionTokens)
		})

		test(`${p.id}: the message path is writable, history lands in the right place, protocolConfig is valid`, () => {
			const body = buildRequestBody(p.requestTemplate, 'NEW', [
				{ role: 'user', content: 'A' },
				{ role: 'assistant', content: 'B' },
			])
			const serialized = JSON.stringify(body)
			expect(serialized).toContain('"NEW"')
			if (p.requestTemplate.historyPath) {
				const arr = getPath(body, p.requestTemplate.historyPath) as unknown[]
				expect(JSON.stringify(arr)).toContain('"A"')
				expect(JSON.stringify(arr)).toContain('"B"')
			}
			expect(validateProtocolConfig(p.connectorType, p.protocolConfig)).toEqual([])
			if (p.connectorType === 'HTTP_REST') expect(typeof p.protocolConfig.path).toBe('string')
		})
	}

	test('auth placement follows each provider', () => {
		const byId = Object.fromEntries(PRESETS.map((p) => [p.id, p]))
		expect(byId['openai-chat'].authType).toBe('BEARER_TOKEN')
		expect(byId['anthropic-messages']).toMatchObject({
			authType: 'API_KEY',
			authConfigDefaults: { headerName: 'x-api-key' },
		})
		expect(
			(byId['anthropic-messages'].protocolConfig.headers as Record<string, string>)[
				'anthropic-version'
			],
		).toBe('2023-06-01')
		expect(byId['google-gemini']).toMatchObject({
			authType: 'API_KEY',
			authConfigDefaults: { queryParam: 'key' },
		})
		expect(byId['azure-openai']).toMatchObject({
			authType: 'API_KEY',
			authConfigDefaults: { headerName: 'api-key' },
		})
		expect(
			(byId['azure-openai'].protocolConfig.query as Record<string, string>)['api-version'],
		).toMatch(/^\d{4}-\d{2}-\d{2}/)
		expect(byId['openai-chat'].protocolConfig.path).toBe('/v1/chat/completions')
		expect(byId['anthropic-messages'].protocolConfig.path).toBe('/v1/messages')
		expect(byId['ollama'].protocolConfig.path).toBe('/api/chat')
	})
})
