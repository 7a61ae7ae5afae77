import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startMockServer, type MockServer } from '../../src/mock/server'
import { PRESETS } from '../../src/presets/presets'
import { call, createTestDeps, form, type TestDeps } from '../helpers/deps'

const KEY = 'sk-conn-test-secret-7f3a9c'
let mock: MockServer
let deps: TestDeps

beforeAll(async () => {
	mock = await startMockServer({ apiKey: KEY })
	deps = await createTestDeps()
})
afterAll(async () => {
	await deps.close()
	await mock.stop()
})

/** A target created through the API from a preset, unchanged but for endpoint and credentials. */
async function targetFromPreset(presetId: string, secret = KEY, persona?: string) {
	const p = PRESETS.find((x) => x.id === presetId)!
	const base = persona ? `${mock.url}/persona/${persona}` : mock.url
	const endpoint =
		p.connectorType === 'GRPC'
			? mock.grpcAddress!
			: p.connectorType === 'WEBSOCKET'
				? base.replace(/^http/, 'ws')
				: base
	const authConfig: Record<string, unknown> = { ...p.authConfigDefaults }
	for (const f of p.authFields) authConfig[f.key] = secret
	// The gRPC preset has no auth of its own; the mock asks for the key, so send it as a bearer token.
	const grpcAuth =
		p.connectorType === 'GRPC' ? { authType: 'BEARER_TOKEN', authConfig: { token: secret } } : {}
	const res = await call(deps.app, 'POST', '/api/targets', {
		name: `${p.name} on the mock`,
		connectorType: p.connectorType,
		endpoint,
		authType: p.authType,
		authConfig,
		requestTemplate: p.requestTemplate,
		responseTemplate: p.responseTemplate,
		protocolConfig: p.protocolConfig,
		...grpcAuth,
	})
	expect({ status: res.status, body: res.status === 201 ? null : res.json }).toEqual({
		status: 201,
		body: null,
	})
	return res.json.data.id as string
}

describe('POST /api/targets/:id/test', () => {
	for (const preset of PRESETS) {
		test(`preset ${preset.id} passes the connection test end to end against the mock`, async () => {
			const id = await targetFromPreset(preset.id)
			const res = await call(deps.app, 'POST', `/api/targets/${id}/test`, {})
			expect(res.status).toBe(200)
			expect(res.json.success).toBe(true)
			const d = res.json.data
			expect({ healthy: d.healthy, error: d.error }).toEqual({ healthy: true, error: null })
			expect(d.response).toContain('Mock reply to')
			expect(d.latencyMs).toBeGreaterThan(0)
			expect(d.tokenUsage.estimated).toBe(false)
			expect(d.tokenUsage.totalTokens).toBeGreaterThan(0)
			expect(typeof d.rawResponse).toBe('string')
			const target = await call(deps.app, 'GET', `/api/targets/${id}`)
			expect(target.json.data.lastTestSuccess).toBe(true)
			expect(target.json.data.lastTestAt).toBeTruthy()
		})
	}

	test('streaming presets report time to first token', async () => {
		const id = await targetFromPreset('openai-chat', KEY, 'drip:5')
		await call(deps.app, 'PATCH', `/api/targets/${id}`, {
			protocolConfig: { ...PRESETS[0].protocolConfig, stream: true },
		})
		const res = await call(deps.app, 'POST', `/api/targets/${id}/test`, {
			message: 'Stream a greeting',
		})
		expect(res.json.data.healthy).toBe(true)
		expect(res.json.data.ttftMs).toBeGreaterThan(0)
		expect(res.json.data.ttftMs).toBeLessThan(res.json.data.latencyMs)
	})

	test('wrong credentials: unhealthy, an auth error, recorded on the target; no secret anywhere', async () => {
		const wrong = 'sk-wrong-credential-value-1234'
		const id = await targetFromPreset('anthropic-messages', wrong)
		const res = await call(deps.app, 'POST', `/api/targets/${id}/test`, { timeoutMs: 5000 })
		expect(res.status).toBe(200)
		expect(res.json.data.healthy).toBe(false)
		expect(res.json.data.error.type).toBe('auth_error')
		const target = await call(deps.app, 'GET', `/api/targets/${id}`)
		expect(target.json.data.lastTestSuccess).toBe(false)
		expect(target.json.data.lastTestError).toContain('Authentication failed')
		for (const text of [res.text, target.text, deps.logs.join('\n')]) {
			expect(text).not.toContain(wrong)
			expect(text).not.toContain(KEY)
		}
	})

	test('a rate-limited target reports the wait', async () => {
		const id = await targetFromPreset('google-gemini', KEY, 'rate-limited:1:30')
		const res = await call(deps.app, 'POST', `/api/targets/${id}/test`, {})
		expect(res.json.data.healthy).toBe(false)
		expect(res.json.data.error).toMatchObject({ type: 'rate_limited', retryAfterMs: 30_000 })
		expect(res.json.data.httpStatus).toBe(429)
	})

	test('a timeout is reported as such', async () => {
		const id = await targetFromPreset('custom-http', KEY, 'hang')
		const res = await call(deps.app, 'POST', `/api/targets/${id}/test`, { timeoutMs: 200 })
		expect(res.json.data.healthy).toBe(false)
		expect(res.json.data.error.type).toBe('timeout')
	})

	test('the body is optional (the dashboard button posts none)', async () => {
		const id = await targetFromPreset('ollama')
		const bare = await deps.app.handle(
			new Request(`http://localhost/api/targets/${id}/test`, { method: 'POST' }),
		)
		expect(bare.status).toBe(200)
		expect(((await bare.json()) as { data: { healthy: boolean } }).data.healthy).toBe(true)
		const emptyForm = await form(deps.app, `/api/targets/${id}/test`, {}, { htmx: true })
		expect(emptyForm.status).toBe(200)
		expect(emptyForm.text).toContain('data-healthy="true"')
	})

	test('404 for an unknown target', async () => {
		const res = await call(deps.app, 'POST', '/api/targets/nope/test', {})
		expect(res.status).toBe(404)
		expect(res.json).toEqual({ success: false, error: 'Target not found' })
	})

	test('400 with details for a bad body', async () => {
		const id = await targetFromPreset('custom-http')
		const res = await call(deps.app, 'POST', `/api/targets/${id}/test`, {
			timeoutMs: 5,
			message: '',
		})
		expect(res.status).toBe(400)
		expect(res.json.error).toBe('Validation error')
		const paths = res.json.details.map((d: { path: string[] }) => d.path.join('.'))
		expect(paths).toContain('timeoutMs')
	})

	test('htmx gets the result fragment, with the reply escaped', async () => {
		const id = await targetFromPreset('custom-http')
		const res = await form(
			deps.app,
			`/api/targets/${id}/test`,
			{ message: '<script>alert(1)</script>' },
			{ htmx: true },
		)
		expect(res.status).toBe(200)
		expect(res.headers.get('content-type')).toContain('text/html')
		expect(res.text).toContain('data-healthy="true"')
		expect(res.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
		expect(res.text).not.toContain('<script>alert(1)</script>')
		expect(res.text).not.toContain('<html')
	})
})
