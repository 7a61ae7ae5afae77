import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createConnector } from '../../src/connectors/index'
import { validateProtocolConfig } from '../../src/connectors/protocol-config'
import type { ChatTurn } from '../../src/connectors/types'
import { startMockServer, type MockServer } from '../../src/mock/server'
import { eventually, presetSpec, signal } from '../helpers/connector-specs'

const KEY = 'grpc-secret-key-42'
let mock: MockServer

beforeAll(async () => {
	mock = await startMockServer({ apiKey: KEY })
})
afterAll(async () => {
	await mock.stop()
})

const grpcSpec = (
	auth: { type: 'BEARER_TOKEN' | 'API_KEY' | 'NONE' | 'OAUTH2'; config: Record<string, unknown> },
	method = 'Chat',
	persona = '',
) => {
	const spec = presetSpec('custom-grpc', mock, {})
	spec.authType = auth.type
	spec.authConfig = auth.config as never
	spec.protocolConfig.method = method
	if (persona) spec.requestTemplate.structure = { ...spec.requestTemplate.structure, persona }
	return spec
}

describe('gRPC connector', () => {
	test('unary call with bearer metadata: content, usage, history sent as repeated turns', async () => {
		const connector = createConnector(grpcSpec({ type: 'BEARER_TOKEN', config: { token: KEY } }))
		const conv = await connector.open(signal())
		const r1 = await conv.send('Hello gRPC', { history: [], signal: signal(), timeoutMs: 5000 })
		expect(r1.error).toBeUndefined()
		expect(r1.content).toBe('Mock reply to "Hello gRPC" (turn 1). This is a short, helpful answer.')
		expect(r1.usage.estimated).toBe(false)
		expect(r1.ttftMs).toBeUndefined()
		const history: ChatTurn[] = [
			{ role: 'user', content: 'Hello gRPC' },
			{ role: 'assistant', content: r1.content! },
		]
		const r2 = await conv.send('More', { history, signal: signal(), timeoutMs: 5000 })
		expect(r2.content).toContain('(turn 2)')
		expect(r2.usage.promptTokens).toBeGreaterThan(r1.usage.promptTokens)
		await connector.close()
	})

	test('server-streaming call: chunks concatenated, TTFT before the end; API key and OAuth2 as metadata', async () => {
		for (const auth of [
			{ type: 'API_KEY' as const, config: { apiKey: KEY } },
			{
				type: 'OAUTH2' as const,
				config: {
					tokenUrl: `${mock.url}/oauth/token`,
					clientId: 'krawall-mock',
					clientSecret: KEY,
				},
			},
		]) {
			const connector = createConnector(grpcSpec(auth, 'ChatStream', 'drip:5'))
			const conv = await connector.open(signal())
			const r = await conv.send('Stream it', { history: [], signal: signal(), timeoutMs: 5000 })
			expect({ auth: auth.type, error: r.error }).toEqual({ auth: auth.type, error: undefined })
			expect(r.content).toBe('Mock reply to "Stream it" (turn 1). This is a short, helpful answer.')
			expect(r.usage.estimated).toBe(false)
			expect(r.ttftMs!).toBeLessThan(r.responseTimeMs)
			await connector.close()
		}
	})

	test('wrong credentials are an authentication error', async () => {
		const connector = createConnector(grpcSpec({ type: 'BEARER_TOKEN', config: { token: 'nope' } }))
		const r = await (
			await connector.open(signal())
		).send('Hi', { history: [], signal: signal(), timeoutMs: 5000 })
		expect(r.error?.type).toBe('auth_error')
		expect(r.error?.message).toContain('UNAUTHENTICATED')
		await connector.close()
	})

	test('the deadline applies to every call', async () => {
		const connector = createConnector(
			grpcSpec({ type: 'BEARER_TOKEN', config: { token: KEY } }, 'Chat', 'hang'),
		)
		const r = await (
			await connector.open(signal())
		).send('Hi', { history: [], signal: signal(), timeoutMs: 150 })
		expect(r.error?.type).toBe('timeout')
		await connector.close()
	})

	test('RESOURCE_EXHAUSTED with retry-after metadata is rate limited', async () => {
		const connector = createConnector(
			grpcSpec({ type: 'BEARER_TOKEN', config: { token: KEY } }, 'Chat', 'rate-limited:1:4'),
		)
		const r = await (
			await connector.open(signal())
		).send('Hi', { history: [], signal: signal(), timeoutMs: 5000 })
		expect(r.error?.type).toBe('rate_limited')
		expect(r.error?.retryAfterMs).toBe(4000)
		await connector.close()
	})

	test('cancel mid-stream cancels the call and the mock sees it', async () => {
		mock.resetStats()
		const connector = createConnector(
			grpcSpec({ type: 'BEARER_TOKEN', config: { token: KEY } }, 'ChatStream', 'verbose,drip:20'),
		)
		const conv = await connector.open(signal())
		const ac = new AbortController()
		const pending = conv.send('Long', { history: [], signal: ac.signal, timeoutMs: 30_000 })
		expect(await eventually(() => mock.stats.inFlight === 1)).toBe(true)
		await Bun.sleep(50)
		ac.abort()
		await expect(pending).rejects.toThrow()
		expect(
			await eventually(() => mock.stats.grpc.cancelled === 1 && mock.stats.disconnects === 1),
		).toBe(true)
		await connector.close()
	})

	test('a closed port is connection refused', async () => {
		const spec = grpcSpec({ type: 'NONE', config: {} })
		spec.endpoint = '127.0.0.1:1'
		const connector = createConnector(spec)
		const r = await (
			await connector.open(signal())
		).send('Hi', { history: [], signal: signal(), timeoutMs: 3000 })
		expect(['connection_refused', 'timeout']).toContain(r.error!.type)
		// The error names the address it tried, like every other connector's (issue 18).
		expect(r.error!.message).toContain('grpc://127.0.0.1:1/')
		await connector.close()
	})

	test('protocolConfig validation parses the .proto source and finds the service and method', () => {
		const good = presetSpec('custom-grpc', mock, {}).protocolConfig
		expect(validateProtocolConfig('GRPC', good)).toEqual([])
		expect(validateProtocolConfig('GRPC', { ...good, method: 'Nope' })[0]).toMatchObject({
			path: ['method'],
		})
		expect(validateProtocolConfig('GRPC', { ...good, service: 'x.Y' })[0]).toMatchObject({
			path: ['service'],
		})
		expect(
			validateProtocolConfig('GRPC', { ...good, protoSource: 'syntax = "proto3"; message {' })[0],
		).toMatchObject({ path: ['protoSource'] })
		expect(validateProtocolConfig('GRPC', {})[0]).toMatchObject({
			code: 'invalid_type',
			path: ['protoSource'],
		})
	})
})
