import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createConnector } from '../../src/connectors/index'
import type { TargetSpec } from '../../src/connectors/types'
import type { Lookup } from '../../src/security/outbound'
import { presetSpec, signal } from '../helpers/connector-specs'

/**
 * Connecting to the checked address must not weaken TLS: the certificate is still verified
 * against the name in the URL (SNI and the altname check), not against the pinned address.
 * A throw-away certificate for `krawall.test` is made with openssl (skipped without it).
 */

const openssl = Bun.which('openssl')
let cert = ''
let server: ReturnType<typeof Bun.serve> | undefined
const lookup: Lookup = async () => [{ address: '127.0.0.1', family: 4 }]

beforeAll(() => {
	if (!openssl) return
	const dir = mkdtempSync(join(tmpdir(), 'krawall-tls-'))
	const made = Bun.spawnSync([
		openssl,
		'req',
		'-x509',
		'-newkey',
		'rsa:2048',
		'-nodes',
		'-days',
		'1',
		'-subj',
		'/CN=krawall.test',
		'-addext',
		'subjectAltName=DNS:krawall.test',
		'-keyout',
		join(dir, 'key.pem'),
		'-out',
		join(dir, 'cert.pem'),
	])
	if (made.exitCode !== 0) return
	cert = readFileSync(join(dir, 'cert.pem'), 'utf8')
	server = Bun.serve({
		hostname: '127.0.0.1',
		port: 0,
		tls: { cert, key: readFileSync(join(dir, 'key.pem'), 'utf8') },
		fetch(req, srv) {
			if (srv.upgrade(req, { data: undefined })) return
			return Response.json({ response: `hello ${req.headers.get('host')}`, usage: {} })
		},
		websocket: {
			message(ws) {
				ws.send(JSON.stringify({ content: 'hello ws', done: true }))
			},
		},
	})
})
afterAll(() => server?.stop(true))

function httpSpec(host: string): TargetSpec {
	return {
		connectorType: 'HTTP_REST',
		endpoint: `https://${host}:${server!.port}`,
		authType: 'NONE',
		authConfig: {},
		requestTemplate: { messagePath: 'message', structure: { message: '' } },
		responseTemplate: { responsePath: 'response' },
		protocolConfig: { path: '/chat' },
	}
}

function wsSpec(host: string): TargetSpec {
	const spec = presetSpec('custom-websocket', { url: 'http://x' } as never, { token: 't' })
	spec.endpoint = `wss://${host}:${server!.port}`
	return spec
}

async function send(spec: TargetSpec) {
	const connector = createConnector(spec, { lookup, ca: cert })
	try {
		const conv = await connector.open(signal())
		return await conv.send('Hi', { history: [], signal: signal(), timeoutMs: 5000 })
	} finally {
		await connector.close()
	}
}

describe.skipIf(!openssl)('TLS to a pinned address', () => {
	test('HTTP: the certificate matches the name; Host carries the name', async () => {
		const r = await send(httpSpec('krawall.test'))
		expect(r.error).toBeUndefined()
		expect(r.content).toBe(`hello krawall.test:${server!.port}`)
	})

	test('HTTP: a name the certificate does not cover is refused, though the address is the same', async () => {
		const r = await send(httpSpec('other.test'))
		expect(r.success).toBe(false)
		expect(r.error?.message).toContain('ERR_TLS_CERT_ALTNAME_INVALID')
	})

	test('WebSocket: the same on the upgrade', async () => {
		const ok = await send(wsSpec('krawall.test'))
		expect(ok.error).toBeUndefined()
		expect(ok.content).toBe('hello ws')
		const bad = await send(wsSpec('other.test'))
		expect(bad.success).toBe(false)
		expect(bad.error?.message).toMatch(/altnames|TLS/)
	})
})
