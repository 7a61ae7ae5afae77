import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createConnector } from '../../src/connectors/index'
import { startMockServer, type MockServer } from '../../src/mock/server'
import { eventually, presetSpec, signal } from '../helpers/connector-specs'

const KEY = 'ws-secret-key-987'
let mock: MockServer

beforeAll(async () => {
	mock = await startMockServer({ apiKey: KEY, grpcPort: false })
})
afterAll(async () => {
	await mock.stop()
})

describe('WebSocket connector', () => {
	test('one socket per conversation, reply assembled from frames until done, server keeps context', async () => {
		mock.resetStats()
		const connector = createConnector(
			presetSpec('custom-websocket', mock, { token: KEY }, { persona: 'drip:3' }),
		)
		const conv = await connector.open(signal())
		const r1 = await conv.send('Hello socket', { history: [], signal: signal(), timeoutMs: 5000 })
		expect(r1.error).toBeUndefined()
		expect(r1.content).toBe(
			'Mock reply to "Hello socket" (turn 1). This is a short, helpful answer.',
		)
		expect(r1.usage.estimated).toBe(false)
		expect(r1.usage.promptTokens).toBeGreaterThan(0)
		expect(r1.ttftMs!).toBeLessThan(r1.responseTimeMs)
		const r2 = await conv.send('Again', { history: [], signal: signal(), timeoutMs: 5000 })
		expect(r2.content).toContain('(turn 2)')
		expect(r2.usage.promptTokens).toBeGreaterThan(r1.usage.promptTokens)
		expect(mock.stats.ws.opened).toBe(1)
		await conv.close()
		expect(await eventually(() => mock.stats.ws.closed === 1)).toBe(true)
		await connector.close()
	})

	test('the token can go in the query instead of the upgrade headers', async () => {
		const spec = presetSpec('custom-websocket', mock, { token: KEY })
		spec.protocolConfig.tokenQueryParam = 'token'
		const conv = await createConnector(spec).open(signal())
		const r = await conv.send('Hi', { history: [], signal: signal(), timeoutMs: 5000 })
		expect(r.success).toBe(true)
		await conv.close()
	})

	test('wrong credentials are an authentication error', async () => {
		const conv = await createConnector(
			presetSpec('custom-websocket', mock, { token: 'wrong' }),
		).open(signal())
		const r = await conv.send('Hi', { history: [], signal: signal(), timeoutMs: 5000 })
		expect(r.success).toBe(false)
		expect(r.error?.type).toBe('auth_error')
		expect(r.error?.message).toContain('401')
	})

	test('without doneWhen the first frame with content is the reply; text frames work', async () => {
		const spec = presetSpec('custom-websocket', mock, { token: KEY })
		spec.protocolConfig.frameFormat = 'text'
		delete spec.protocolConfig.doneWhen
		const conv = await createConnector(spec).open(signal())
		const r = await conv.send('plain text', { history: [], signal: signal(), timeoutMs: 5000 })
		expect(r.content).toBe('Mock reply to "plain text" (turn 1). This is a short, helpful answer.')
		expect(r.usage.estimated).toBe(true)
		await conv.close()
	})

	test('a rate-limit error frame is rate_limited with the wait', async () => {
		const conv = await createConnector(
			presetSpec('custom-websocket', mock, { token: KEY }, { persona: 'rate-limited:1:3' }),
		).open(signal())
		const r = await conv.send('Hi', { history: [], signal: signal(), timeoutMs: 5000 })
		expect(r.error).toEqual({
			type: 'rate_limited',
			message: 'Rate limit reached for requests. Please try again later.',
			retryAfterMs: 3000,
		})
		await conv.close()
	})

	test('cancel mid-reply closes the socket and the mock sees it', async () => {
		expect(await eventually(() => mock.stats.ws.open === 0)).toBe(true)
		mock.resetStats()
		const conv = await createConnector(
			presetSpec('custom-websocket', mock, { token: KEY }, { persona: 'verbose,drip:20' }),
		).open(signal())
		const ac = new AbortController()
		const pending = conv.send('Long one', { history: [], signal: ac.signal, timeoutMs: 30_000 })
		expect(await eventually(() => mock.stats.inFlight === 1)).toBe(true)
		await Bun.sleep(50)
		ac.abort()
		await expect(pending).rejects.toThrow()
		expect(await eventually(() => mock.stats.ws.closed === 1 && mock.stats.disconnects === 1)).toBe(
			true,
		)
	})

	test('closing the connector closes sockets its conversations left open', async () => {
		expect(await eventually(() => mock.stats.ws.open === 0)).toBe(true)
		const connector = createConnector(presetSpec('custom-websocket', mock, { token: KEY }))
		for (const m of ['a', 'b'])
			await (
				await connector.open(signal())
			).send(m, { history: [], signal: signal(), timeoutMs: 5000 })
		expect(mock.stats.ws.open).toBe(2)
		await connector.close()
		expect(await eventually(() => mock.stats.ws.open === 0)).toBe(true)
	})

	test('a timeout is a result; the next message opens a fresh socket', async () => {
		mock.resetStats()
		const spec = presetSpec('custom-websocket', mock, { token: KEY })
		spec.requestTemplate.structure = { type: 'message', message: '', persona: 'slow:400' }
		const conv = await createConnector(spec).open(signal())
		const r = await conv.send('slow', { history: [], signal: signal(), timeoutMs: 100 })
		expect(r.error?.type).toBe('timeout')
		spec.requestTemplate.structure = { type: 'message', message: '' }
		const r2 = await conv.send('fast', { history: [], signal: signal(), timeoutMs: 5000 })
		expect(r2.success).toBe(true)
		expect(mock.stats.ws.opened).toBe(2)
		await conv.close()
	})

	test('an endpoint that already ends in /ws is not joined into /ws/ws', async () => {
		mock.resetStats()
		const spec = presetSpec('custom-websocket', mock, { token: KEY })
		spec.endpoint = mock.wsUrl // ws://127.0.0.1:port/ws, as the mock prints it
		expect(spec.endpoint).toEndWith('/ws')
		expect(spec.protocolConfig.path).toBe('/ws')
		const conv = await createConnector(spec).open(signal())
		const r = await conv.send('Hi', { history: [], signal: signal(), timeoutMs: 5000 })
		expect(r.error).toBeUndefined()
		expect(r.success).toBe(true)
		expect(mock.stats.ws.opened).toBe(1)
		await conv.close()
	})

	test('a refused upgrade names the final URL, with a query token masked', async () => {
		const spec = presetSpec('custom-websocket', mock, { token: KEY })
		spec.protocolConfig.path = '/nowhere'
		spec.protocolConfig.tokenQueryParam = 'token'
		const conv = await createConnector(spec).open(signal())
		const r = await conv.send('Hi', { history: [], signal: signal(), timeoutMs: 5000 })
		expect(r.success).toBe(false)
		const port = new URL(mock.url).port
		expect(r.error?.message).toBe(
			`The WebSocket upgrade was refused with HTTP 404 (ws://127.0.0.1:${port}/nowhere?token=***)`,
		)
		expect(JSON.stringify(r)).not.toContain(KEY)
		const refused = presetSpec('custom-websocket', mock, { token: KEY })
		refused.endpoint = 'ws://127.0.0.1:1'
		const c2 = await createConnector(refused).open(signal())
		const r2 = await c2.send('Hi', { history: [], signal: signal(), timeoutMs: 5000 })
		expect(r2.error?.type).toBe('connection_refused')
		expect(r2.error?.message).toEndWith('(ws://127.0.0.1:1/ws)')
	})
})
