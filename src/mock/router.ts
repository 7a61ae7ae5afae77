import type { Server } from 'bun'
import { genericAuthOk, oauthToken } from './auth'
import { serveChat } from './chat'
import { anthropic, azure, gemini, generic, genericSse, ollama, openai } from './formats'
import { json, safeDecode } from './http'
import { resetMockState, type MockState } from './state'
import { upgradeWebSocket, type WsData } from './websocket'

/** `GET /`: what the mock serves. */
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
		'limit-conversation:N[:S[:A]]',
		'limit-key:N[:S[:A]]',
		'flaky[:N]',
		'slow[:MS|MIN-MAX]',
		'drip[:MS]',
		'hang',
		'error[:STATUS]',
		'empty',
		'cache-write[:N]',
		'thinking[:N]',
		'obedient[:MAX]',
		'ratelimit:R[:B]',
		'ratelimit-conversation:R[:B]',
		'concurrency:C',
		'max-tokens:N',
		'context:N[:truncate]',
		'input-limit:N',
		'quota:T',
	],
	personaSelection: [
		'/persona/<a,b>/… path prefix',
		'x-mock-persona header',
		'persona body field',
		'?persona= query',
	],
}

const unauthorized = () =>
	json(generic.error(401, 'Unauthorized: missing or invalid credentials'), 401)

/**
 * Every HTTP route of the mock (listed in src/mock/server.ts), any of them behind a
 * `/persona/<list>` prefix. Undefined once a WebSocket upgrade has taken the request.
 */
export async function route(
	state: MockState,
	req: Request,
	server: Server<WsData>,
	grpcAddress: string | undefined,
): Promise<Response | undefined> {
	const url = new URL(req.url)
	let path = url.pathname
	let personaPath: string | undefined
	const m = /^\/persona\/([^/]+)(\/.*)?$/.exec(path)
	if (m) {
		personaPath = safeDecode(m[1]!)
		path = m[2] ?? '/'
	}
	const post = req.method === 'POST'
	if (path === '/ws') return upgradeWebSocket(state, req, url, server, personaPath)
	if (post && path === '/v1/chat/completions')
		return serveChat(state, req, url, 'openai', openai, personaPath)
	if (post && /^\/openai\/deployments\/[^/]+\/chat\/completions$/.test(path))
		return serveChat(state, req, url, 'azure', azure, personaPath)
	if (post && path === '/v1/messages')
		return serveChat(state, req, url, 'anthropic', anthropic, personaPath)
	if (post && /^\/v1(beta)?\/models\/[^/:]+:(stream)?[gG]enerateContent$/.test(path)) {
		const streamed = path.endsWith(':streamGenerateContent')
		return serveChat(
			state,
			req,
			new URL(path + url.search, url),
			streamed ? 'gemini-stream' : 'gemini',
			gemini,
			personaPath,
		)
	}
	if (post && path === '/api/chat') return serveChat(state, req, url, 'ollama', ollama, personaPath)
	if (post && (path === '/chat' || path === '/sse')) {
		if (!genericAuthOk(state, req, url)) {
			state.stats.authFailures++
			return unauthorized()
		}
		return path === '/chat'
			? serveChat(state, req, url, 'chat', generic, personaPath)
			: serveChat(state, req, url, 'sse', genericSse, personaPath)
	}
	if (post && path === '/oauth/token') return oauthToken(state, req)
	if (path === '/__mock/stats') return json(state.stats)
	if (post && path === '/__mock/reset') {
		resetMockState(state)
		return json({ ok: true })
	}
	if (req.method === 'GET' && path === '/')
		return json({
			...INFO,
			grpc: grpcAddress
				? {
						address: grpcAddress,
						service: 'krawall.mock.ChatService',
						methods: ['Chat', 'ChatStream'],
					}
				: null,
		})
	return json({ error: { message: `No mock route for ${req.method} ${url.pathname}` } }, 404)
}
