import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { Server } from 'bun'
import { createConnector } from '../../src/connectors/index'
import type { AuthType, SendResult, TargetSpec } from '../../src/connectors/types'
import { startMockServer, type MockServer } from '../../src/mock/server'
import { chatSpec, signal } from '../helpers/connector-specs'

/**
 * Redirects are followed by hand (issue 17): each hop is checked again, a hop to another
 * origin carries no credentials (asserted on what the second server received), the number
 * of hops is bounded, and the OAuth client secret never follows a redirect elsewhere.
 */

type Seen = { method: string; url: string; headers: Record<string, string>; body: string }
const REPLY = { response: 'captured', usage: { prompt_tokens: 3, completion_tokens: 1 } }

/** A server that redirects as told (`/to?url=…&status=…`), loops (`/loop`) and records `/capture`. */
function startServer(host = '127.0.0.1') {
	const seen: Seen[] = []
	const server: Server<undefined> = Bun.serve({
		hostname: host,
		port: 0,
		async fetch(req) {
			const u = new URL(req.url)
			const body = await req.text()
			seen.push({ method: req.method, url: req.url, headers: req.headers.toJSON(), body })
			if (u.pathname.endsWith('/to')) {
				// Like a careless server, it echoes the query string into the new location.
				const to = new URL(u.searchParams.get('url')!, req.url)
				for (const [k, v] of u.searchParams)
					if (k !== 'url' && k !== 'status') to.searchParams.set(k, v)
				return new Response(null, {
					status: Number(u.searchParams.get('status') ?? 302),
					headers: { location: to.toString() },
				})
			}
			if (u.pathname === '/loop') return Response.redirect(`${u.origin}/loop`, 302)
			if (u.pathname === '/oauth/token')
				return Response.json({ access_token: 'tok', token_type: 'Bearer', expires_in: 60 })
			return Response.json(REPLY)
		},
	})
	return { url: `http://${host}:${server.port}`, seen, stop: () => server.stop(true) }
}

let redirector: ReturnType<typeof startServer>
let elsewhere: ReturnType<typeof startServer>
let victim: MockServer

beforeAll(async () => {
	redirector = startServer()
	elsewhere = startServer()
	victim = await startMockServer({ host: '127.0.0.2', grpcPort: false })
})
afterAll(async () => {
	redirector.stop()
	elsewhere.stop()
	await victim.stop()
})

/** A target on the redirector: `/to` with `url` (and `status`) as the query, or another path. */
function spec(
	to: string | { path: string },
	status = 302,
	authType: AuthType = 'NONE',
	authConfig: object = {},
): TargetSpec {
	const s = chatSpec(victim, authType, authConfig as Record<string, unknown>)
	s.endpoint = redirector.url
	s.protocolConfig =
		typeof to === 'string'
			? { path: '/to', query: { url: to, status: String(status) } }
			: { path: to.path }
	return s
}

/** `/to?…` as a URL (for token URLs, which take no protocolConfig). */
const via = (base: string, to: string, status: number) =>
	`${base}/to?status=${status}&url=${encodeURIComponent(to)}`

async function send(s: TargetSpec, denyList = ['127.0.0.2']): Promise<SendResult> {
	const connector = createConnector(s, { denyList })
	try {
		const conv = await connector.open(signal())
		return await conv.send('Hello', { history: [], signal: signal(), timeoutMs: 5000 })
	} finally {
		await connector.close()
	}
}

const victimUrl = () => `http://127.0.0.2:${new URL(victim.url).port}/chat`
const mappedUrl = () => `http://[::ffff:7f00:2]:${new URL(victim.url).port}/chat`

describe('each hop is checked', () => {
	test('an allowed host redirecting to a denied address (plain or IPv4-mapped) is refused', async () => {
		victim.resetStats()
		for (const [to, status] of [
			[victimUrl(), 302],
			[mappedUrl(), 307],
		] as const) {
			const r = await send(spec(to, status))
			expect(r.success).toBe(false)
			expect(r.error?.type).toBe('protocol_error')
			expect(r.error?.message).toStartWith('Target URL refused: redirect 1 to http://')
			expect(r.error?.message).toMatch(/127\.0\.0\.2(, which)? is on the outbound deny list/)
		}
		const sse = spec(victimUrl())
		sse.connectorType = 'SSE'
		sse.protocolConfig = { ...sse.protocolConfig, contentPath: 'content' }
		const r = await send(sse)
		expect(r.error?.message).toStartWith('Target URL refused: redirect 1 to http://127.0.0.2')
		expect(victim.stats.requests).toBe(0)
	})

	test('an OAuth token URL redirecting to a denied address is refused', async () => {
		victim.resetStats()
		const s = chatSpec(victim, 'OAUTH2', {
			tokenUrl: via(
				redirector.url,
				`http://127.0.0.2:${new URL(victim.url).port}/oauth/token`,
				302,
			),
			clientId: 'krawall-mock',
			clientSecret: 'mock-secret',
		})
		s.endpoint = elsewhere.url
		const r = await send(s)
		expect(r.error?.type).toBe('auth_error')
		expect(r.error?.message).toStartWith('OAuth token URL refused: redirect 1 to http://127.0.0.2')
		expect(victim.stats.requests).toBe(0)
	})

	test('at most five redirects are followed', async () => {
		const before = redirector.seen.length
		const r = await send(spec({ path: '/loop' }))
		expect(r.error).toEqual({
			type: 'protocol_error',
			// A connection-level failure names the URL it started from (src/connectors/http.ts).
			message: `Redirect not followed: too many redirects (more than 5) (POST ${redirector.url}/loop)`,
		})
		expect(redirector.seen.length - before).toBe(6)
	})
})

describe('credentials never cross origins', () => {
	const CREDENTIALS: [string, AuthType, object, string[]][] = [
		['bearer token', 'BEARER_TOKEN', { token: 'sk-bearer-secret-1' }, ['authorization']],
		['API key, default header', 'API_KEY', { apiKey: 'sk-api-secret-2' }, ['x-api-key']],
		[
			'API key, api-key header',
			'API_KEY',
			{ apiKey: 'sk-azure-3', headerName: 'api-key' },
			['api-key'],
		],
		[
			'basic auth',
			'BASIC_AUTH',
			{ username: 'basic-user', password: 'pw-secret-4' },
			['authorization'],
		],
		[
			'custom headers',
			'CUSTOM_HEADER',
			{ headers: { 'X-Team-Secret': 'team-secret-5', 'X-Org': 'org-6' } },
			['x-team-secret', 'x-org'],
		],
	]

	for (const [label, authType, config, headers] of CREDENTIALS)
		test(`${label}: kept on the same origin, dropped on another`, async () => {
			// Same origin: the credentials go along.
			const same = redirector.seen.length
			const r1 = await send(spec('/capture', 307, authType, config))
			expect(r1.error).toBeUndefined()
			const hopSame = redirector.seen.slice(same).find((s) => s.url.includes('/capture'))!
			for (const h of headers) expect(hopSame.headers[h], h).toBeDefined()
			// Another origin (another port): the request arrives, with its body, without them.
			const other = elsewhere.seen.length
			const r2 = await send(spec(`${elsewhere.url}/capture`, 307, authType, config))
			expect(r2.error).toBeUndefined()
			expect(r2.content).toBe('captured')
			const hop = elsewhere.seen.slice(other)
			expect(hop).toHaveLength(1)
			expect(hop[0]!.method).toBe('POST')
			expect(JSON.parse(hop[0]!.body)).toMatchObject({ message: 'Hello' })
			for (const h of headers) expect(hop[0]!.headers[h], h).toBeUndefined()
			const secrets = Object.values(config as Record<string, unknown>).flatMap((v) =>
				typeof v === 'object' ? Object.values(v as object) : [v],
			)
			const everything = JSON.stringify(hop[0])
			for (const s of secrets) expect(everything).not.toContain(String(s))
		})

	test('an API key in the query string is not carried to another origin', async () => {
		const other = elsewhere.seen.length
		const r = await send(
			spec(`${elsewhere.url}/capture`, 302, 'API_KEY', {
				apiKey: 'sk-query-secret-7',
				queryParam: 'key',
			}),
		)
		expect(r.error).toBeUndefined()
		const first = redirector.seen[redirector.seen.length - 1]!
		expect(new URL(first.url).searchParams.get('key')).toBe('sk-query-secret-7')
		const hop = elsewhere.seen.slice(other)
		expect(hop).toHaveLength(1)
		expect(hop[0]!.method).toBe('GET') // 302 after a POST
		expect(hop[0]!.url).not.toContain('sk-query-secret-7')
	})

	test('the OAuth client secret (the token request body) is not redirected to another origin', async () => {
		const other = elsewhere.seen.length
		const s = chatSpec(victim, 'OAUTH2', {
			tokenUrl: via(redirector.url, `${elsewhere.url}/oauth/token`, 307),
			clientId: 'krawall-mock',
			clientSecret: 'oauth-client-secret-8',
		})
		s.endpoint = elsewhere.url
		const r = await send(s)
		expect(r.error?.type).toBe('auth_error')
		expect(r.error?.message).toBe(
			`OAuth token request: redirect not followed: redirect 1 to another origin (${elsewhere.url}) would carry the credentials in the body`,
		)
		expect(elsewhere.seen.length).toBe(other)
		// On the same origin the token request follows the redirect and the run goes on.
		const same = chatSpec(victim, 'OAUTH2', {
			tokenUrl: via(elsewhere.url, '/oauth/token', 307),
			clientId: 'krawall-mock',
			clientSecret: 'oauth-client-secret-8',
		})
		same.endpoint = elsewhere.url
		const ok = await send(same)
		expect(ok.error).toBeUndefined()
		expect(elsewhere.seen.at(-1)!.headers.authorization).toBe('Bearer tok')
	})
})
