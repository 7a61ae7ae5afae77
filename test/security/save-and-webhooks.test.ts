import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { webhooks } from '../../src/db/schema'
import { findPreset } from '../../src/presets/presets'
import { attemptDelivery, createDeliveries } from '../../src/webhooks/delivery'
import { call, createTestDeps, type TestDeps } from '../helpers/deps'
import { targetBody } from '../helpers/targets'
import { SPELLINGS } from './spellings'

/**
 * Save time: a URL whose host is, in any spelling, an address on the deny list is a 400 (the
 * built-in list here: cloud metadata). Send time, for webhooks: the delivery resolves, checks
 * and connects to the checked address, refuses for good (no retry), and never follows a 3xx.
 */

let deps: TestDeps
let strict: TestDeps
let listener: ReturnType<typeof Bun.serve>
let hits = 0

beforeAll(async () => {
	deps = await createTestDeps()
	// Loopback denied as a whole: spellings of 127.0.0.2 and the names that resolve to loopback.
	strict = await createTestDeps({ env: { KRAWALL_URL_DENYLIST: '127.0.0.0/8' } })
	listener = Bun.serve({
		hostname: '127.0.0.2',
		port: 0,
		fetch: () => {
			hits++
			return new Response('ok')
		},
	})
})
afterAll(async () => {
	listener.stop(true)
	await deps.close()
	await strict.close()
})

const METADATA = [
	'169.254.169.254',
	'[::ffff:169.254.169.254]',
	'[::ffff:a9fe:a9fe]',
	'2852039166',
	'0xa9.0xfe.0xa9.0xfe',
	'0251.0376.0251.0376',
	'169.254.169.254.',
	'169.254.%31%36%39.254',
	'metadata.google.internal.',
]

describe('save time: literal spellings of a denied address', () => {
	test('webhook URLs: 400 on url, nothing stored', async () => {
		const before = (await call(deps.app, 'GET', '/api/webhooks')).json.data.length
		for (const host of METADATA) {
			const r = await call(deps.app, 'POST', '/api/webhooks', {
				url: `http://${host}/latest/meta-data`,
				events: ['session.completed'],
			})
			expect(r.status, host).toBe(400)
			expect(r.json.details[0].path).toEqual(['url'])
			expect(r.json.details[0].message).toContain('on the outbound deny list')
		}
		expect((await call(deps.app, 'GET', '/api/webhooks')).json.data.length).toBe(before)
	})

	test('target endpoints (HTTP, SSE, WebSocket, gRPC) and OAuth token URLs: 400 on the field', async () => {
		const grpc = findPreset('custom-grpc')!.protocolConfig
		for (const host of METADATA) {
			const cases: [Record<string, unknown>, string][] = [
				[{ endpoint: `http://${host}/v1/chat` }, 'endpoint'],
				[{ connectorType: 'SSE', endpoint: `https://${host}/stream` }, 'endpoint'],
				[{ connectorType: 'WEBSOCKET', endpoint: `ws://${host}/ws` }, 'endpoint'],
				[
					{
						authType: 'OAUTH2',
						authConfig: { tokenUrl: `http://${host}/token`, clientId: 'c', clientSecret: 's' },
					},
					'authConfig.tokenUrl',
				],
			]
			if (!host.includes('%'))
				cases.push([
					{ connectorType: 'GRPC', endpoint: `${host}:80`, protocolConfig: grpc },
					'endpoint',
				])
			for (const [over, path] of cases) {
				const r = await call(deps.app, 'POST', '/api/targets', targetBody(over))
				expect(r.status, `${host} ${JSON.stringify(over)}`).toBe(400)
				const d = r.json.details.find((x: any) => x.path.join('.') === path)
				expect(d?.message, `${host} ${path}: ${r.text}`).toContain('on the outbound deny list')
			}
		}
	})

	test('a configured CIDR refuses localhost and loopback spellings at save time too', async () => {
		for (const url of [
			'http://localhost:8080/hook',
			'http://[::ffff:7f00:2]/hook',
			'http://0x7f.1/',
		]) {
			const r = await call(strict.app, 'POST', '/api/webhooks', {
				url,
				events: ['session.completed'],
			})
			expect(r.status, url).toBe(400)
			expect(r.json.details[0].message).toContain('(127.0.0.0/8)')
		}
	})
})

/** A webhook stored before the deny list changed: the row is inserted as it was. */
async function storedHook(d: TestDeps, url: string) {
	const [hook] = await d.db
		.insert(webhooks)
		.values({
			url,
			events: ['session.completed'],
			secret: d.secrets.encrypt('whsec_test_secret_value'),
			retryPolicy: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 20 },
		})
		.returning()
	const [row] = await createDeliveries(d, [
		{ webhookId: hook!.id, event: 'session.completed', data: { sessionId: 'x' } },
	])
	return row!
}

describe('webhook delivery is checked at the socket', () => {
	test('every spelling of 127.0.0.2, localhost and *.localhost: failed for good, nothing sent', async () => {
		hits = 0
		const port = listener.port
		const hosts = [...SPELLINGS.map(([, h]) => h), 'localhost', 'hooks.localhost', '0.0.0.0']
		for (const host of hosts) {
			const row = await storedHook(strict, `http://${host}:${port}/hook`)
			const done = await attemptDelivery(strict, row.id)
			expect(done?.status, host).toBe('FAILED')
			expect(done?.attempts).toBe(1)
			expect(done?.error, host).toMatch(/refused: .*127\.0\.0\.\d.* on the outbound deny list/)
		}
		expect(hits).toBe(0)
	})

	test('a redirect from the receiver is not followed', async () => {
		let redirected = 0
		const target = Bun.serve({
			hostname: '127.0.0.1',
			port: 0,
			fetch: () => {
				redirected++
				return new Response('ok')
			},
		})
		const receiver = Bun.serve({
			hostname: '127.0.0.1',
			port: 0,
			fetch: () => Response.redirect(`http://127.0.0.1:${target.port}/elsewhere`, 307),
		})
		try {
			const row = await storedHook(deps, `http://127.0.0.1:${receiver.port}/hook`)
			const done = await attemptDelivery(deps, row.id)
			expect(done?.status).toBe('PENDING') // retried later, like any non-2xx
			expect(done?.statusCode).toBe(307)
			expect(done?.error).toStartWith('HTTP 307')
			expect(redirected).toBe(0)
		} finally {
			receiver.stop(true)
			target.stop(true)
		}
	})
})
