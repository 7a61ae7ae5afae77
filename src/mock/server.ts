import type { Server, ServerWebSocket } from 'bun'
import {
	anthropic,
	azure,
	gemini,
	generic,
	genericSse,
	ollama,
	openai,
	usageFor,
	type Format,
	type Turn,
} from './formats'
import { startMockGrpc } from './grpc'
import { chunksOf, parsePersonas, replyText, type Personas } from './personas'
import { emptyStats, track, type MockStats } from './stats'

/**
 * The mock chatbot (DESIGN.md §7): a real server speaking each provider's wire format, used by
 * tests, the demo (`krawall mock`) and benchmarks.
 *
 * HTTP routes (any of them may be prefixed with `/persona/<list>`):
 * - `POST /v1/chat/completions` — OpenAI (plain, `stream: true`, `stream_options.include_usage`)
 * - `POST /openai/deployments/:deployment/chat/completions?api-version=…` — Azure OpenAI (`api-key`)
 * - `POST /v1/messages` — Anthropic (`x-api-key`, `anthropic-version`; plain and event stream)
 * - `POST /v1beta/models/:model:generateContent` and `:streamGenerateContent?alt=sse` — Gemini (`?key=`)
 * - `POST /api/chat` — Ollama (NDJSON unless `stream: false`)
 * - `POST /chat` — generic JSON `{ message, history? }` → `{ response, usage }`
 * - `POST /sse` — generic event stream `data: {"content"}` … `data: [DONE]`
 * - `GET /ws` — WebSocket: `{ message, stream? }` frames → `{ type, content, done, usage? }` frames
 * - `POST /oauth/token` — OAuth2 client-credentials grant
 * - `GET /__mock/stats`, `POST /__mock/reset`, `GET /` (this list)
 * plus a gRPC `krawall.mock.ChatService` (Chat unary, ChatStream server-streaming) on `grpcPort`.
 *
 * Auth is checked when `apiKey` is set: each provider route in its provider's way, the generic
 * routes accept `Bearer <apiKey|oauth token>`, Basic with the key as password, an `x-api-key` /
 * `api-key` / `x-mock-auth` header or a `key` / `token` query parameter.
 */
export interface MockOptions {
	port?: number
	host?: string
	/** When set, requests must carry this key (or an OAuth token the mock issued). */
	apiKey?: string
	oauth?: { clientId?: string; clientSecret?: string; tokenTtlSec?: number }
	basicUsername?: string
	/** Port for the gRPC service (default: the HTTP port + 1, or a free one when the HTTP port is 0); `false` disables it. */
	grpcPort?: number | false
}

export interface MockServer {
	url: string
	wsUrl: string
	/** `host:port` of the gRPC service, when enabled. */
	grpcAddress?: string
	stats: MockStats
	resetStats(): void
	/** Invalidates every OAuth token issued so far (to test refresh on 401). */
	revokeTokens(): void
	stop(): Promise<void>
}

type WsData = {
	id: string
	personas: Personas
	turns: Turn[]
	conversation: string
	busy: Set<() => void>
}

const MAX_HANG_MS = 10 * 60_000

/** `decodeURIComponent` that keeps malformed escapes (`%ZZ`) as they are instead of throwing. */
const safeDecode = (s: string) => {
	try {
		return decodeURIComponent(s)
	} catch {
		return s
	}
}

export async function startMockServer(opts: MockOptions = {}): Promise<MockServer> {
	const host = opts.host ?? '127.0.0.1'
	const stats = emptyStats()
	const tokens = new Map<string, number>()
	const clientId = opts.oauth?.clientId ?? 'krawall-mock'
	const clientSecret = opts.oauth?.clientSecret ?? opts.apiKey ?? 'mock-secret'
	const basicUser = opts.basicUsername ?? 'mock'
	/** Requests seen per conversation, for rate limiting. */
	const attempts = new Map<string, number>()
	let flakyCounter = 0

	const tokenValid = (t: string | null | undefined) => !!t && (tokens.get(t) ?? 0) > Date.now()
	const keyOk = (v: string | null | undefined) => !!v && (v === opts.apiKey || tokenValid(v))
	const bearer = (h: Headers) => /^Bearer\s+(.+)$/i.exec(h.get('authorization') ?? '')?.[1]

	function genericAuthOk(req: Request, url: URL): boolean {
		if (!opts.apiKey) return true
		const h = req.headers
		if (keyOk(bearer(h))) return true
		const basic = /^Basic\s+(.+)$/i.exec(h.get('authorization') ?? '')?.[1]
		if (basic) {
			const [user, ...rest] = Buffer.from(basic, 'base64').toString().split(':')
			if (user === basicUser && rest.join(':') === opts.apiKey) return true
		}
		for (const name of ['x-api-key', 'api-key', 'x-mock-auth'])
			if (h.get(name) === opts.apiKey) return true
		for (const name of ['key', 'api_key', 'token', 'access_token'])
			if (keyOk(url.searchParams.get(name))) return true
		return false
	}

	function providerAuthOk(format: Format, req: Request, url: URL): boolean {
		if (!opts.apiKey) return true
		const h = req.headers
		switch (format.name) {
			case 'openai':
				return keyOk(bearer(h))
			case 'azure':
				// Azure takes the key in `api-key`, or an Entra ID bearer token.
				return h.get('api-key') === opts.apiKey || keyOk(bearer(h))
			case 'ollama':
				// Ollama has no auth of its own.
				return true
			case 'anthropic':
				return h.get('x-api-key') === opts.apiKey
			case 'gemini':
				return (
					url.searchParams.get('key') === opts.apiKey || h.get('x-goog-api-key') === opts.apiKey
				)
			default:
				return genericAuthOk(req, url)
		}
	}

	const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
		new Response(JSON.stringify(body), {
			status,
			headers: { 'content-type': 'application/json', ...headers },
		})

	function conversationKey(req: Request, body: any, turns: Turn[]): string {
		const explicit = req.headers.get('x-mock-conversation') ?? body?.conversation_id ?? body?.user
		if (typeof explicit === 'string' && explicit) return explicit
		const first = turns.find((t) => t.role === 'user')?.content ?? ''
		return `c-${Bun.hash(first).toString(36)}`
	}

	/** The rule that decides a persona's failure for this request, before any reply is produced. */
	function injectedFailure(
		p: Personas,
		conversation: string,
	): { status: number; message: string; retryAfter?: number; empty?: boolean } | undefined {
		if (p.errorStatus)
			return { status: p.errorStatus, message: `Injected error ${p.errorStatus} (persona error)` }
		if (p.rateLimitEvery) {
			// Every Nth request of a conversation is refused; a retry is the next request, so it passes (unless N is 1).
			const n = (attempts.get(conversation) ?? 0) + 1
			if (attempts.size > 100_000) attempts.clear()
			attempts.set(conversation, n)
			if (n % p.rateLimitEvery === 0) {
				stats.rateLimited++
				return {
					status: 429,
					message: 'Rate limit reached for requests. Please try again later.',
					retryAfter: p.rateLimitRetryAfterSec,
				}
			}
		}
		if (p.flakyEvery) {
			flakyCounter++
			if (flakyCounter % p.flakyEvery === 0) {
				const mode = (flakyCounter / p.flakyEvery) % 3
				if (mode === 1)
					return { status: 500, message: 'The server had an error while processing your request.' }
				if (mode === 2) return { status: 200, message: '', empty: true }
				return {
					status: 503,
					message: 'The engine is currently overloaded, please try again later.',
					retryAfter: 1,
				}
			}
		}
		return undefined
	}

	/** Waits `ms`, or until the client goes away (then resolves false). */
	function wait(ms: number, signal: AbortSignal): Promise<boolean> {
		if (signal.aborted) return Promise.resolve(false)
		if (ms <= 0) return Promise.resolve(true)
		return new Promise((resolve) => {
			const timer = setTimeout(() => {
				signal.removeEventListener('abort', onAbort)
				resolve(true)
			}, ms)
			const onAbort = () => {
				clearTimeout(timer)
				resolve(false)
			}
			signal.addEventListener('abort', onAbort, { once: true })
		})
	}

	const latency = (p: Personas) =>
		p.slow ? p.slow.min + Math.floor(Math.random() * (p.slow.max - p.slow.min + 1)) : 0

	async function serveChat(
		req: Request,
		url: URL,
		route: string,
		format: Format,
		personaPath: string | undefined,
	): Promise<Response> {
		let body: any
		try {
			body = await req.json()
		} catch {
			return json(format.error(400, 'We could not parse the JSON body of your request.'), 400)
		}
		const personas = parsePersonas(
			personaPath,
			req.headers.get('x-mock-persona'),
			url.searchParams.get('persona'),
			typeof body?.persona === 'string' ? body.persona : undefined,
		)
		if (!providerAuthOk(format, req, url)) {
			stats.authFailures++
			const status = format.name === 'gemini' ? 400 : 401
			const message =
				format.name === 'gemini'
					? 'API key not valid. Please pass a valid API key.'
					: format.name === 'anthropic'
						? 'invalid x-api-key'
						: format.name === 'azure'
							? 'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.'
							: 'Incorrect API key provided.'
			return json(
				format.error(status, message),
				status,
				status === 401 ? { 'www-authenticate': 'Bearer' } : {},
			)
		}
		if (format.name === 'azure' && !url.searchParams.get('api-version')) {
			return json({ error: { code: '404', message: 'Resource not found' } }, 404)
		}
		const parsed = format.parse(body, url, req.headers)
		if (typeof parsed === 'string') return json(format.error(400, parsed), 400)
		const { turns, model } = parsed
		const stream = parsed.stream
		const conversation = conversationKey(req, body, turns)
		const turn = turns.filter((t) => t.role === 'user').length
		const t = track(stats, route, conversation)
		const signal = req.signal
		signal.addEventListener('abort', t.disconnected, { once: true })
		let streaming = false
		try {
			const failure = injectedFailure(personas, conversation)
			if (!(await wait(latency(personas), signal))) return new Response(null, { status: 499 })
			if (personas.hang) {
				await wait(MAX_HANG_MS, signal)
				return new Response(null, { status: 504 })
			}
			if (failure && !failure.empty) {
				const headers: Record<string, string> =
					failure.retryAfter !== undefined ? { 'retry-after': String(failure.retryAfter) } : {}
				return json(format.error(failure.status, failure.message), failure.status, headers)
			}
			const text = failure?.empty ? '' : replyText(turns[turns.length - 1].content, turn, personas)
			const usage = usageFor(turns, text)
			if (!stream || !format.stream) return json(format.json(text, usage, model), 200)
			streaming = true
			const parts = [
				...format.stream(chunksOf(text), usage, model, {
					includeUsage: (parsed as any).includeUsage === true,
				}),
			]
			return streamResponse(
				parts,
				personas.dripMs,
				signal,
				t,
				format.contentType ?? 'text/event-stream',
			)
		} finally {
			if (!streaming) t.end()
		}
	}

	function streamResponse(
		parts: string[],
		dripMs: number,
		signal: AbortSignal,
		t: ReturnType<typeof track>,
		contentType: string,
	) {
		const enc = new TextEncoder()
		let i = 0
		const stream = new ReadableStream<Uint8Array>({
			async pull(controller) {
				if (i > 0 && dripMs > 0 && !(await wait(dripMs, signal))) {
					t.disconnected()
					controller.close()
					return
				}
				if (i >= parts.length) {
					t.end()
					controller.close()
					return
				}
				controller.enqueue(enc.encode(parts[i++]))
			},
			cancel() {
				t.disconnected()
			},
		})
		return new Response(stream, {
			headers: {
				'content-type': contentType,
				'cache-control': 'no-cache',
				connection: 'keep-alive',
			},
		})
	}

	async function oauthToken(req: Request): Promise<Response> {
		let fields: Record<string, string> = {}
		const ctype = req.headers.get('content-type') ?? ''
		try {
			if (ctype.includes('application/json')) fields = (await req.json()) as Record<string, string>
			else fields = Object.fromEntries(new URLSearchParams(await req.text()))
		} catch {
			return json({ error: 'invalid_request', error_description: 'unreadable body' }, 400)
		}
		if (fields === null || typeof fields !== 'object' || Array.isArray(fields))
			return json(
				{ error: 'invalid_request', error_description: 'the body must be an object' },
				400,
			)
		const basic = /^Basic\s+(.+)$/i.exec(req.headers.get('authorization') ?? '')?.[1]
		if (basic) {
			const [id, ...secret] = Buffer.from(basic, 'base64').toString().split(':')
			fields.client_id ??= safeDecode(id ?? '')
			fields.client_secret ??= safeDecode(secret.join(':'))
		}
		if (fields.grant_type !== 'client_credentials')
			return json({ error: 'unsupported_grant_type' }, 400)
		if (fields.client_id !== clientId || fields.client_secret !== clientSecret) {
			stats.authFailures++
			return json(
				{ error: 'invalid_client', error_description: 'Client authentication failed' },
				401,
			)
		}
		const ttl = opts.oauth?.tokenTtlSec ?? 3600
		const token = `mock-oauth-${crypto.randomUUID()}`
		tokens.set(token, Date.now() + ttl * 1000)
		stats.tokensIssued++
		return json({
			access_token: token,
			token_type: 'Bearer',
			expires_in: ttl,
			...(fields.scope ? { scope: fields.scope } : {}),
		})
	}

	const INFO = {
		name: 'krawall mock chatbot',
		routes: [
			'POST /v1/chat/completions',
			'POST /openai/deployments/:deployment/chat/completions?api-version=…',
			'POST /v1/messages',
			'POST /v1beta/models/:model:generateContent',
			'POST /v1beta/models/:model:streamGenerateContent?alt=sse',
			'POST /api/chat',
			'POST /chat',
			'POST /sse',
			'GET /ws (WebSocket)',
			'POST /oauth/token',
			'GET /__mock/stats',
			'POST /__mock/reset',
		],
		personas: [
			'verbose',
			'xml',
			'repetitive',
			'rate-limited[:N[:S]]',
			'flaky[:N]',
			'slow[:MS|MIN-MAX]',
			'drip[:MS]',
			'hang',
			'error[:STATUS]',
			'empty',
		],
		personaSelection: [
			'/persona/<a,b>/… path prefix',
			'x-mock-persona header',
			'persona body field',
			'?persona= query',
		],
	}

	async function route(req: Request, server: Server<WsData>): Promise<Response | undefined> {
		const url = new URL(req.url)
		let path = url.pathname
		let personaPath: string | undefined
		const m = /^\/persona\/([^/]+)(\/.*)?$/.exec(path)
		if (m) {
			personaPath = safeDecode(m[1]!)
			path = m[2] ?? '/'
		}
		const post = req.method === 'POST'
		if (path === '/ws') {
			if (!genericAuthOk(req, url)) {
				stats.authFailures++
				return json({ error: { message: 'Unauthorized' } }, 401)
			}
			const personas = parsePersonas(
				personaPath,
				req.headers.get('x-mock-persona'),
				url.searchParams.get('persona'),
			)
			const data: WsData = {
				id: crypto.randomUUID(),
				personas,
				turns: [],
				conversation: req.headers.get('x-mock-conversation') ?? '',
				busy: new Set(),
			}
			if (server.upgrade(req, { data })) return undefined
			return json({ error: { message: 'Expected a WebSocket upgrade' } }, 426)
		}
		if (post && path === '/v1/chat/completions')
			return serveChat(req, url, 'openai', openai, personaPath)
		if (post && /^\/openai\/deployments\/[^/]+\/chat\/completions$/.test(path))
			return serveChat(req, url, 'azure', azure, personaPath)
		if (post && path === '/v1/messages')
			return serveChat(req, url, 'anthropic', anthropic, personaPath)
		if (post && /^\/v1(beta)?\/models\/[^/:]+:(stream)?[gG]enerateContent$/.test(path)) {
			const streamed = path.endsWith(':streamGenerateContent')
			return serveChat(
				req,
				new URL(path + url.search, url),
				streamed ? 'gemini-stream' : 'gemini',
				gemini,
				personaPath,
			)
		}
		if (post && path === '/api/chat') return serveChat(req, url, 'ollama', ollama, personaPath)
		if (post && path === '/chat') {
			if (!genericAuthOk(req, url)) {
				stats.authFailures++
				return json(generic.error(401, 'Unauthorized: missing or invalid credentials'), 401)
			}
			return serveChat(req, url, 'chat', generic, personaPath)
		}
		if (post && path === '/sse') {
			if (!genericAuthOk(req, url)) {
				stats.authFailures++
				return json(generic.error(401, 'Unauthorized: missing or invalid credentials'), 401)
			}
			return serveChat(req, url, 'sse', genericSse, personaPath)
		}
		if (post && path === '/oauth/token') return oauthToken(req)
		if (path === '/__mock/stats') return json(stats)
		if (post && path === '/__mock/reset') {
			resetStats()
			return json({ ok: true })
		}
		if (req.method === 'GET' && path === '/')
			return json({
				...INFO,
				grpc: grpc
					? {
							address: grpc.address,
							service: 'krawall.mock.ChatService',
							methods: ['Chat', 'ChatStream'],
						}
					: null,
			})
		return json({ error: { message: `No mock route for ${req.method} ${url.pathname}` } }, 404)
	}

	async function wsMessage(ws: ServerWebSocket<WsData>, raw: string | Buffer) {
		const d = ws.data
		const text = typeof raw === 'string' ? raw : raw.toString()
		let frame: any
		let asText = false
		try {
			frame = JSON.parse(text)
			if (frame === null || typeof frame !== 'object') throw new Error('not an object')
		} catch {
			frame = { message: text }
			asText = true
		}
		const message = typeof frame.message === 'string' ? frame.message : textOf(frame.content)
		const personas =
			typeof frame.persona === 'string'
				? parsePersonas(d.personas.names.join(','), frame.persona)
				: d.personas
		d.turns.push({ role: 'user', content: message })
		const turn = d.turns.filter((t) => t.role === 'user').length
		const conversation = d.conversation || `ws-${d.id}`
		stats.ws.messages++
		const t = track(stats, 'ws', conversation)
		const abort = new AbortController()
		const onClose = () => {
			abort.abort()
			t.disconnected()
		}
		d.busy.add(onClose)
		try {
			const failure = injectedFailure(personas, conversation)
			if (!(await wait(latency(personas), abort.signal))) return
			if (personas.hang) return void (await wait(MAX_HANG_MS, abort.signal))
			if (failure && !failure.empty) {
				d.turns.pop()
				ws.send(
					JSON.stringify({
						type: 'error',
						error: failure.message,
						status: failure.status,
						retry_after: failure.retryAfter,
						done: true,
					}),
				)
				return
			}
			const reply = failure?.empty ? '' : replyText(message, turn, personas)
			const usage = usageFor(d.turns, reply)
			d.turns.push({ role: 'assistant', content: reply })
			const usageJson = {
				prompt_tokens: usage.prompt,
				completion_tokens: usage.completion,
				total_tokens: usage.prompt + usage.completion,
			}
			if (asText) return void ws.send(reply)
			if (frame.stream === false)
				return void ws.send(
					JSON.stringify({ type: 'message', content: reply, done: true, usage: usageJson }),
				)
			for (const [i, c] of chunksOf(reply).entries()) {
				if (i > 0 && personas.dripMs > 0 && !(await wait(personas.dripMs, abort.signal))) return
				if (ws.readyState !== 1) return
				ws.send(JSON.stringify({ type: 'delta', content: c, done: false }))
			}
			ws.send(JSON.stringify({ type: 'done', content: '', done: true, usage: usageJson }))
		} finally {
			d.busy.delete(onClose)
			t.end()
		}
	}

	const server = Bun.serve<WsData>({
		hostname: host,
		port: opts.port ?? 0,
		idleTimeout: 0,
		fetch: (req, srv) => route(req, srv),
		websocket: {
			open() {
				stats.ws.opened++
				stats.ws.open++
				stats.ws.maxOpen = Math.max(stats.ws.maxOpen, stats.ws.open)
			},
			message(ws, raw) {
				void wsMessage(ws, raw)
			},
			close(ws) {
				stats.ws.open--
				stats.ws.closed++
				for (const onClose of ws.data.busy) onClose()
			},
		},
	})

	const grpcPort = opts.grpcPort === false ? 0 : (opts.grpcPort ?? (opts.port ? opts.port + 1 : 0))
	const grpc =
		opts.grpcPort === false
			? undefined
			: await startMockGrpc({
					host,
					port: grpcPort,
					stats,
					apiKey: opts.apiKey,
					tokenValid,
					injectedFailure,
					latency,
					wait,
				})

	function resetStats() {
		const fresh = emptyStats()
		const inFlight = stats.inFlight
		const wsOpen = stats.ws.open
		Object.assign(stats, fresh)
		stats.inFlight = inFlight
		stats.ws.open = wsOpen
		attempts.clear()
		flakyCounter = 0
	}

	const httpUrl = `http://${host.includes(':') ? `[${host}]` : host}:${server.port}`
	return {
		url: httpUrl,
		wsUrl: httpUrl.replace(/^http/, 'ws') + '/ws',
		grpcAddress: grpc?.address,
		stats,
		resetStats,
		revokeTokens: () => tokens.clear(),
		async stop() {
			await grpc?.stop()
			server.stop(true)
		},
	}
}

function textOf(content: unknown): string {
	if (typeof content === 'string') return content
	if (Array.isArray(content))
		return content.map((p) => (typeof p === 'string' ? p : (p?.text ?? ''))).join('')
	return ''
}
