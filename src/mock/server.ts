import { startMockGrpc } from './grpc'
import { route } from './router'
import { createMockState, resetMockState } from './state'
import type { MockStats } from './stats'
import { websocketHandlers, type WsData } from './websocket'

/**
 * The mock chatbot (docs/architecture.md §7): a real server speaking each provider's wire format, used by
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
 * Auth is checked when `apiKey` is set (src/mock/auth.ts). The parts: auth.ts, chat.ts (the
 * provider routes, plain and streamed), websocket.ts, grpc.ts, router.ts, with one `MockState`
 * (state.ts) passed to each.
 */
export interface MockOptions {
	port?: number
	host?: string
	/** When set, requests must carry this key (or an OAuth token the mock issued). */
	apiKey?: string
	oauth?: { clientId?: string; clientSecret?: string; tokenTtlSec?: number }
	basicUsername?: string
	/**
	 * Personas applied to every HTTP chat request, before the request's own (which win for the
	 * same persona): how `krawall mock --rate-limit 20 --max-tokens 256 …` turns controls on,
	 * e.g. `'ratelimit:20,max-tokens:256'` (src/mock/personas.ts).
	 */
	personas?: string
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

export async function startMockServer(opts: MockOptions = {}): Promise<MockServer> {
	const host = opts.host ?? '127.0.0.1'
	const state = createMockState(
		{
			apiKey: opts.apiKey,
			basicUser: opts.basicUsername ?? 'mock',
			clientId: opts.oauth?.clientId ?? 'krawall-mock',
			clientSecret: opts.oauth?.clientSecret ?? opts.apiKey ?? 'mock-secret',
			tokenTtlSec: opts.oauth?.tokenTtlSec ?? 3600,
		},
		opts.personas,
	)
	let grpc: Awaited<ReturnType<typeof startMockGrpc>> | undefined
	const server = Bun.serve<WsData>({
		hostname: host,
		port: opts.port ?? 0,
		idleTimeout: 0,
		fetch: (req, srv) => route(state, req, srv, grpc?.address),
		websocket: websocketHandlers(state),
	})
	const grpcPort = opts.grpcPort === false ? 0 : (opts.grpcPort ?? (opts.port ? opts.port + 1 : 0))
	if (opts.grpcPort !== false) grpc = await startMockGrpc({ host, port: grpcPort, state })

	const httpUrl = `http://${host.includes(':') ? `[${host}]` : host}:${server.port}`
	return {
		url: httpUrl,
		wsUrl: httpUrl.replace(/^http/, 'ws') + '/ws',
		grpcAddress: grpc?.address,
		stats: state.stats,
		resetStats: () => resetMockState(state),
		revokeTokens: () => state.tokens.clear(),
		async stop() {
			await grpc?.stop()
			server.stop(true)
		},
	}
}
