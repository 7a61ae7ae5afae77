import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createConnector, type CreateConnectorOptions } from '../../src/connectors/index'
import type { SendResult, TargetSpec } from '../../src/connectors/types'
import { startMockServer, type MockServer } from '../../src/mock/server'
import type { Lookup } from '../../src/security/outbound'
import { chatSpec, presetSpec, signal } from '../helpers/connector-specs'
import { SPELLINGS } from './spellings'

/**
 * Issue 17: a deny list that compares strings is bypassed by other spellings of an address,
 * by names that resolve to it and by redirects. Here 127.0.0.2 is denied and a real mock
 * chatbot (HTTP, SSE, WebSocket, gRPC, OAuth) listens there; every spelling is refused by
 * every connector, and the mock confirms that nothing reached it. The same spellings with an
 * empty deny list do reach it, so the refusals are not an accident of an unreachable address.
 */

const KEY = 'sk-victim-key-12345'
let victim: MockServer
let allowed: MockServer

beforeAll(async () => {
	victim = await startMockServer({ host: '127.0.0.2', apiKey: KEY })
	allowed = await startMockServer({ apiKey: KEY })
})
afterAll(async () => {
	await victim.stop()
	await allowed.stop()
})

type Kind = 'HTTP_REST' | 'SSE' | 'WEBSOCKET' | 'GRPC' | 'OAuth token URL'
const KINDS: Kind[] = ['HTTP_REST', 'SSE', 'WEBSOCKET', 'GRPC', 'OAuth token URL']

/** A spec of `kind` whose target (or token URL) is `host` on the mock `m`'s ports. */
function specFor(kind: Kind, host: string, m: MockServer): TargetSpec {
	const httpPort = new URL(m.url).port
	const gPort = m.grpcAddress!.split(':').pop()
	if (kind === 'WEBSOCKET') {
		const spec = presetSpec('custom-websocket', m, { token: KEY })
		spec.endpoint = `ws://${host}:${httpPort}`
		return spec
	}
	if (kind === 'GRPC') {
		const spec = presetSpec('custom-grpc', m, {})
		spec.authType = 'BEARER_TOKEN'
		spec.authConfig = { token: KEY }
		spec.endpoint = `${host}:${gPort}`
		return spec
	}
	if (kind === 'OAuth token URL') {
		// The target itself is allowed; only the token URL points at the denied address.
		return chatSpec(allowed, 'OAUTH2', {
			tokenUrl: `http://${host}:${httpPort}/oauth/token`,
			clientId: 'krawall-mock',
			clientSecret: KEY,
		})
	}
	const spec = chatSpec(m, 'BEARER_TOKEN', { token: KEY })
	spec.endpoint = `http://${host}:${httpPort}`
	if (kind === 'SSE') {
		spec.connectorType = 'SSE'
		spec.protocolConfig = { path: '/sse', contentPath: 'content', usagePaths: ['usage'] }
	}
	return spec
}

async function sendOnce(spec: TargetSpec, opts: CreateConnectorOptions): Promise<SendResult> {
	const connector = createConnector(spec, opts)
	try {
		const conv = await connector.open(signal())
		const r = await conv.send('Hello', { history: [], signal: signal(), timeoutMs: 5000 })
		await conv.close()
		return r
	} finally {
		await connector.close()
	}
}

const reached = (m: MockServer) => m.stats.requests + m.stats.ws.opened + m.stats.grpc.calls

function expectRefused(r: SendResult, kind: Kind, address: string) {
	expect(r.success).toBe(false)
	if (kind === 'OAuth token URL') {
		expect(r.error?.type).toBe('auth_error')
		expect(r.error?.message).toStartWith('OAuth token URL refused: ')
	} else {
		expect(r.error?.type).toBe('protocol_error')
		expect(r.error?.message).toStartWith('Target URL refused: ')
	}
	expect(r.error?.message).toContain(address)
	expect(r.error?.message).toContain('on the outbound deny list')
}

describe('every spelling of a denied address is refused by every connector', () => {
	for (const kind of KINDS)
		test(kind, async () => {
			victim.resetStats()
			allowed.resetStats()
			for (const [label, host] of SPELLINGS) {
				const r = await sendOnce(specFor(kind, host, victim), { denyList: ['127.0.0.2/32'] })
				expect(r.error?.message, `${kind}, ${label}`).toBeDefined()
				expectRefused(r, kind, '127.0.0.2')
			}
			expect(reached(victim)).toBe(0)
			expect(reached(allowed)).toBe(0)
		})
})

describe('control: without the deny list the same spellings reach 127.0.0.2', () => {
	// Linux does not route IPv4-compatible addresses (deprecated, RFC 4291); other stacks may.
	const routable = SPELLINGS.filter(([label]) => label !== 'IPv4-compatible IPv6')
	for (const kind of ['HTTP_REST', 'WEBSOCKET', 'GRPC'] as Kind[])
		test(kind, async () => {
			victim.resetStats()
			for (const [label, host] of routable) {
				const r = await sendOnce(specFor(kind, host, victim), { denyList: [] })
				expect(r.error, `${kind}, ${label}: ${r.error?.message}`).toBeUndefined()
			}
			const count =
				kind === 'WEBSOCKET'
					? victim.stats.ws.opened
					: kind === 'GRPC'
						? victim.stats.grpc.calls
						: victim.stats.requests
			expect(count).toBe(routable.length)
		})
})

describe('names that resolve to a denied address', () => {
	// Loopback as a whole is denied here; the allowed mock listens on 127.0.0.1.
	const loopbackNames = ['localhost', 'chat.localhost', 'LOCALHOST.', '0.0.0.0']
	for (const kind of KINDS)
		test(`${kind}: localhost, *.localhost, trailing dot, 0.0.0.0`, async () => {
			allowed.resetStats()
			for (const host of loopbackNames) {
				const spec = specFor(kind, host, allowed)
				if (kind === 'OAuth token URL') spec.endpoint = victim.url // the token URL is what is refused
				const r = await sendOnce(spec, { denyList: ['127.0.0.0/8'] })
				expectRefused(r, kind, '127.0.0.1')
			}
			expect(reached(allowed)).toBe(0)
		})

	test('a name with one allowed and one denied address is refused (every address is checked)', async () => {
		const lookup: Lookup = async () => [
			{ address: '198.51.100.7', family: 4 },
			{ address: '127.0.0.2', family: 4 },
		]
		victim.resetStats()
		for (const kind of KINDS) {
			const r = await sendOnce(specFor(kind, 'two-faced.test', victim), {
				denyList: ['127.0.0.2'],
				lookup,
			})
			expectRefused(r, kind, 'two-faced.test resolves to 127.0.0.2')
		}
		expect(reached(victim)).toBe(0)
	})

	test('the connection goes to the checked address: no second lookup (DNS rebinding)', async () => {
		// First answer allowed (127.0.0.1), every later one denied (127.0.0.2).
		let lookups = 0
		const lookup: Lookup = async () => [
			{ address: lookups++ === 0 ? '127.0.0.1' : '127.0.0.2', family: 4 },
		]
		victim.resetStats()
		allowed.resetStats()
		for (const kind of ['HTTP_REST', 'SSE', 'WEBSOCKET', 'GRPC'] as Kind[]) {
			lookups = 0
			const spec = specFor(kind, 'rebind.test', allowed)
			const connector = createConnector(spec, { denyList: ['127.0.0.2'], lookup })
			const conv = await connector.open(signal())
			for (let i = 0; i < 3; i++) {
				const r = await conv.send(`Hi ${i}`, { history: [], signal: signal(), timeoutMs: 5000 })
				expect(r.error, `${kind}: ${r.error?.message}`).toBeUndefined()
			}
			await conv.close()
			await connector.close()
			// The name is not in any real DNS: only the checked answer can have been used.
			expect(lookups, kind).toBe(1)
		}
		expect(reached(victim)).toBe(0)
		// Three messages per connector, all answered by the mock at the checked address.
		expect(allowed.stats.requests).toBe(12)
		expect(allowed.stats.ws).toMatchObject({ opened: 1, messages: 3 })
		expect(allowed.stats.grpc.calls).toBe(3)
	})
})
