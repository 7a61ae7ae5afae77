import {
	Metadata,
	Server,
	ServerCredentials,
	status,
	type ServerUnaryCall,
	type ServerWritableStream,
	type sendUnaryData,
} from '@grpc/grpc-js'
import { loadGrpcService } from '../connectors/grpc-proto'
import { tokenValid } from './auth'
import { injectedFailure, latency, MAX_HANG_MS, wait } from './faults'
import { usageFor, type Turn } from './formats'
import { chunksOf, parsePersonas, replyText } from './personas'
import { MOCK_CHAT_PROTO } from './proto'
import type { MockState } from './state'
import { track } from './stats'

interface GrpcOptions {
	host: string
	port: number
	state: MockState
}

type ChatRequest = { message: string; history: Turn[]; persona: string; conversation_id: string }

/** `krawall.mock.ChatService` (src/mock/proto.ts): Chat (unary) and ChatStream (server-streaming). */
export async function startMockGrpc(
	d: GrpcOptions,
): Promise<{ address: string; stop(): Promise<void> }> {
	const { state } = d
	const apiKey = state.auth.apiKey
	const Service = loadGrpcService(MOCK_CHAT_PROTO, 'krawall.mock.ChatService')
	const server = new Server()

	const authOk = (md: Metadata) => {
		if (!apiKey) return true
		const auth = String(md.get('authorization')[0] ?? '')
		const token = /^Bearer\s+(.+)$/i.exec(auth)?.[1]
		if (token && (token === apiKey || tokenValid(state, token))) return true
		for (const k of ['x-api-key', 'api-key', 'x-mock-auth'])
			if (String(md.get(k)[0] ?? '') === apiKey) return true
		const basic = /^Basic\s+(.+)$/i.exec(auth)?.[1]
		return (
			!!basic && Buffer.from(basic, 'base64').toString().split(':').slice(1).join(':') === apiKey
		)
	}

	const grpcStatusOf = (httpStatus: number) =>
		httpStatus === 429
			? status.RESOURCE_EXHAUSTED
			: httpStatus === 503
				? status.UNAVAILABLE
				: status.INTERNAL

	/** Shared preamble: auth, personas, failure injection, latency. Returns the reply or an error to send. */
	async function prepare(
		call: ServerUnaryCall<ChatRequest, unknown> | ServerWritableStream<ChatRequest, unknown>,
		signal: AbortSignal,
	) {
		const req = call.request
		const md = call.metadata
		if (!authOk(md)) {
			state.stats.authFailures++
			return { error: { code: status.UNAUTHENTICATED, details: 'invalid or missing credentials' } }
		}
		const personas = parsePersonas(String(md.get('x-mock-persona')[0] ?? ''), req.persona)
		const turns: Turn[] = [
			...(req.history ?? []).map((t) => ({ role: t.role, content: t.content })),
			{ role: 'user', content: req.message },
		]
		const turn = turns.filter((t) => t.role === 'user').length
		const conversation =
			req.conversation_id ||
			String(md.get('x-mock-conversation')[0] ?? '') ||
			`g-${Bun.hash(turns.find((t) => t.role === 'user')?.content ?? '').toString(36)}`
		const failure = injectedFailure(state, personas, conversation)
		return {
			personas,
			turns,
			turn,
			conversation,
			failure,
			ok: await wait(latency(personas), signal),
		}
	}

	const errorWith = (code: number, details: string, retryAfter?: number) => {
		const metadata = new Metadata()
		if (retryAfter !== undefined) metadata.set('retry-after', String(retryAfter))
		return Object.assign(new Error(details), { code, details, metadata })
	}

	const usageMsg = (turns: Turn[], reply: string) => {
		const u = usageFor(turns, reply)
		return {
			prompt_tokens: u.prompt,
			completion_tokens: u.completion,
			total_tokens: u.prompt + u.completion,
		}
	}

	/** Counts the call and wires the client's cancel to an abort (the tests check the mock sees it). */
	const begin = (
		call: { request: ChatRequest; on(event: 'cancelled', listener: () => void): unknown },
		route: 'grpc' | 'grpc-stream',
	) => {
		state.stats.grpc.calls++
		const abort = new AbortController()
		const t = track(state.stats, route, call.request.conversation_id || 'grpc')
		call.on('cancelled', () => {
			state.stats.grpc.cancelled++
			abort.abort()
			t.disconnected()
		})
		return { abort, t }
	}

	server.addService(Service.service, {
		async Chat(call: ServerUnaryCall<ChatRequest, unknown>, callback: sendUnaryData<unknown>) {
			const { abort, t } = begin(call, 'grpc')
			try {
				const p = await prepare(call, abort.signal)
				if ('error' in p && p.error) return callback(errorWith(p.error.code, p.error.details))
				if (!p.ok || abort.signal.aborted) return
				if (p.personas!.hang) return void (await wait(MAX_HANG_MS, abort.signal))
				if (p.failure && !p.failure.empty)
					return callback(
						errorWith(grpcStatusOf(p.failure.status), p.failure.message, p.failure.retryAfter),
					)
				const reply = p.failure?.empty ? '' : replyText(call.request.message, p.turn!, p.personas!)
				callback(null, { content: reply, done: true, usage: usageMsg(p.turns!, reply) })
			} finally {
				t.end()
			}
		},
		async ChatStream(call: ServerWritableStream<ChatRequest, unknown>) {
			const { abort, t } = begin(call, 'grpc-stream')
			try {
				const p = await prepare(call, abort.signal)
				if ('error' in p && p.error) return call.destroy(errorWith(p.error.code, p.error.details))
				if (!p.ok || abort.signal.aborted) return
				if (p.personas!.hang) return void (await wait(MAX_HANG_MS, abort.signal))
				if (p.failure && !p.failure.empty)
					return call.destroy(
						errorWith(grpcStatusOf(p.failure.status), p.failure.message, p.failure.retryAfter),
					)
				const reply = p.failure?.empty ? '' : replyText(call.request.message, p.turn!, p.personas!)
				for (const [i, c] of chunksOf(reply).entries()) {
					if (i > 0 && p.personas!.dripMs > 0 && !(await wait(p.personas!.dripMs, abort.signal)))
						return
					if (abort.signal.aborted) return
					call.write({ content: c, done: false })
				}
				call.write({ content: '', done: true, usage: usageMsg(p.turns!, reply) })
				call.end()
			} finally {
				t.end()
			}
		},
	})

	const port = await new Promise<number>((resolve, reject) =>
		server.bindAsync(`${d.host}:${d.port}`, ServerCredentials.createInsecure(), (err, p) =>
			err ? reject(err) : resolve(p),
		),
	)
	return {
		address: `${d.host}:${port}`,
		stop: () =>
			new Promise<void>((resolve) => {
				const timer = setTimeout(() => {
					server.forceShutdown()
					resolve()
				}, 2000)
				server.tryShutdown(() => {
					clearTimeout(timer)
					resolve()
				})
			}),
	}
}
