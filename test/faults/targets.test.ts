import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Server as GrpcServer, ServerCredentials, type ServiceError } from '@grpc/grpc-js'
import { createServer, type Server, type Socket } from 'node:net'
import { loadGrpcService } from '../../src/connectors/grpc-proto'
import { targets } from '../../src/db/schema'
import type { FlowStep } from '../../src/engine/types'
import { MOCK_CHAT_PROTO } from '../../src/mock/proto'
import { call } from '../helpers/deps'
import { createScenario, messageRows, useMockRun, waitForStatus } from '../helpers/mock-run'

/**
 * Misbehaving targets (issue 17, docs/architecture.md §4): each fault is a classified message
 * error, the connection it came on is dropped, and the session goes on — the messages after it
 * succeed and are recorded, one row per request the target saw.
 */
const MB = 1024 * 1024
/** A 2 MiB limit (not the 10 MiB default): reached quickly even on a loaded machine, and proves the setting reaches the connectors. */
const LIMIT = 2 * MB
const run = useMockRun({ env: { KRAWALL_MAX_REPLY_BYTES: String(LIMIT) } })
const END = ['COMPLETED', 'FAILED', 'CANCELLED']

const ok = (text: string) =>
	JSON.stringify({ choices: [{ message: { role: 'assistant', content: text } }] })

/** What the raw HTTP target did, per kind of request. */
const seen: Record<string, number> = {}
const count = (kind: string) => (seen[kind] = (seen[kind] ?? 0) + 1)

/**
 * A raw HTTP/1.1 target over node:net, so a reply can be cut, dripped or made huge:
 * the request's message says which fault to play; anything else is a normal JSON reply.
 */
function handle(socket: Socket, body: string) {
	const kind = /"(malformed|huge-chunked|huge-declared|drip|reset)[^"]*"/.exec(body)?.[1] ?? 'ok'
	count(kind)
	const head = (extra: string) =>
		`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: keep-alive\r\n${extra}\r\n`
	if (kind === 'malformed') {
		const text = '{"choices": [{"message": {"content": "cut'
		socket.write(head(`content-length: ${text.length}\r\n`) + text)
	} else if (kind === 'huge-chunked' || kind === 'huge-declared') {
		// 50 MB, written as the client reads it: the server never holds it whole.
		const total = 50 * MB
		const piece = Buffer.alloc(64 * 1024, 'a')
		const chunked = kind === 'huge-chunked'
		socket.write(head(chunked ? 'transfer-encoding: chunked\r\n' : `content-length: ${total}\r\n`))
		let sent = 0
		const pump = () => {
			while (sent < total && !socket.destroyed) {
				sent += piece.length
				const more = chunked
					? socket.write(`${piece.length.toString(16)}\r\n${piece}\r\n`)
					: socket.write(piece)
				if (!more) return void socket.once('drain', pump)
			}
		}
		pump()
	} else if (kind === 'drip') {
		// One byte a second: never a whole reply within the per-message timeout.
		socket.write(head('content-length: 1000\r\n'))
		const t = setInterval(() => (socket.destroyed ? clearInterval(t) : socket.write('{')), 1000)
		socket.once('close', () => clearInterval(t))
	} else if (kind === 'reset') {
		socket.write(head('content-length: 500\r\n') + '{"choices": [{"mess')
		setTimeout(() => socket.destroy(), 20)
	} else {
		const text = ok(`fine: ${/"(ok \d+)"/.exec(body)?.[1] ?? '?'}`)
		socket.write(head(`content-length: ${Buffer.byteLength(text)}\r\n`) + text)
	}
}

function rawTarget(): Promise<Server> {
	const server = createServer((socket) => {
		let buf = ''
		socket.on('error', () => {})
		socket.on('data', (d) => {
			buf += d.toString('latin1')
			for (;;) {
				const end = buf.indexOf('\r\n\r\n')
				if (end < 0) return
				const len = Number(/content-length:\s*(\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0)
				if (buf.length < end + 4 + len) return
				const body = buf.slice(end + 4, end + 4 + len)
				buf = buf.slice(end + 4 + len)
				handle(socket, body)
			}
		})
	})
	return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)))
}

async function insertTarget(values: Partial<typeof targets.$inferInsert>) {
	const [row] = await run.deps.db
		.insert(targets)
		.values({
			name: 'Misbehaving target',
			connectorType: 'HTTP_REST',
			endpoint: 'http://127.0.0.1:1',
			authType: 'NONE',
			authConfig: run.deps.secrets.encrypt({}),
			requestTemplate: {
				messagePath: 'messages.0.content',
				structure: { messages: [{ role: 'user', content: '' }] },
			},
			responseTemplate: { responsePath: 'choices.0.message.content' },
			protocolConfig: {},
			...values,
		})
		.returning()
	return row!
}

const steps = (messages: string[]): FlowStep[] =>
	messages.map((m, i) => ({ id: `s${i}`, type: 'message', config: { message: m } }))

/** Runs one conversation of `messages` against `targetId` to its end; the session row and its message rows. */
async function runSession(targetId: string, messages: string[]) {
	const scenario = await createScenario(run.deps, { flowConfig: steps(messages) })
	const r = await call(run.deps.app, 'POST', '/api/execute', {
		targetId,
		scenarioId: scenario.id,
	})
	expect(r.status).toBe(202)
	const id = r.json.data.sessionId as string
	const session = await waitForStatus(run.deps, id, END, 30_000)
	return { session, rows: await messageRows(run.deps, id) }
}

let raw: Server
beforeAll(async () => {
	raw = await rawTarget()
})
afterAll(() => {
	raw?.close()
})

describe('misbehaving HTTP targets', () => {
	test('malformed JSON, 50 MB replies, a byte a second, a reset mid-reply: each a classified error, the session goes on', async () => {
		const port = (raw.address() as { port: number }).port
		const target = await insertTarget({
			endpoint: `http://127.0.0.1:${port}`,
			protocolConfig: { path: '/v1/chat', timeoutMs: 2500 },
		})
		const plan = [
			'ok 1',
			'malformed',
			'ok 2',
			'huge-chunked',
			'ok 3',
			'huge-declared',
			'ok 4',
			'drip',
			'ok 5',
			'reset',
			'ok 6',
		]
		for (const k of Object.keys(seen)) delete seen[k]
		Bun.gc(true)
		const rssBefore = process.memoryUsage().rss
		// The peak while the replies stream by, sampled every 10 ms.
		let peak = rssBefore
		const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10)
		const { session, rows } = await runSession(target.id, plan).finally(() =>
			clearInterval(sampler),
		)
		const growth = peak - rssBefore

		expect(session.status).toBe('COMPLETED')
		expect(rows.map((r) => r.requestContent)).toEqual(plan)
		const byRequest = Object.fromEntries(rows.map((r) => [r.requestContent, r]))
		for (const n of [1, 2, 3, 4, 5, 6]) {
			const row = byRequest[`ok ${n}`]!
			expect(row.success).toBe(true)
			expect(row.responseContent).toBe(`fine: ok ${n}`)
		}
		const errorOf = (m: string) => {
			const r = byRequest[m]!
			expect(r.success).toBe(false)
			return { type: r.errorType, message: r.errorMessage ?? '' }
		}
		expect(errorOf('malformed').type).toBe('protocol_error')
		expect(errorOf('malformed').message).toContain('not JSON')
		for (const m of ['huge-chunked', 'huge-declared']) {
			expect(errorOf(m).type).toBe('response_too_large')
			expect(errorOf(m).message).toContain(`${LIMIT} bytes (KRAWALL_MAX_REPLY_BYTES)`)
		}
		expect(errorOf('drip').type).toBe('timeout')
		expect(byRequest.drip!.responseTimeMs).toBeGreaterThanOrEqual(2400)
		expect(byRequest.drip!.responseTimeMs).toBeLessThan(8000)
		expect(errorOf('reset').type).toBe('protocol_error')
		expect(errorOf('reset').message).toContain('Connection closed unexpectedly')

		// One row per request the target saw, no retries, no re-sends.
		expect(seen).toEqual({
			ok: 6,
			malformed: 1,
			'huge-chunked': 1,
			'huge-declared': 1,
			drip: 1,
			reset: 1,
		})
		expect(rows.length).toBe(11)
		const m = session.summaryMetrics as any
		expect(m.requestsSent).toBe(11)
		expect(m.failedMessages).toBe(5)
		console.log(
			`faults/targets: peak RSS growth over two 50 MB replies: ${(growth / MB).toFixed(1)} MB`,
		)
		// Two 50 MB replies went by; at most the 2 MiB limit of one was ever held (107 MB without it).
		expect(growth).toBeLessThan(40 * MB)
	}, 30_000)
})

describe('misbehaving WebSocket and gRPC targets', () => {
	test('a WebSocket closing mid-reply and a reply past the limit: classified errors, the next message opens a fresh socket', async () => {
		const ws = { messages: 0, opened: 0, kinds: {} as Record<string, number> }
		const server = Bun.serve({
			port: 0,
			hostname: '127.0.0.1',
			fetch: (req, srv) =>
				srv.upgrade(req) ? undefined : new Response('upgrade required', { status: 426 }),
			websocket: {
				open: () => void ws.opened++,
				message(socket, data) {
					ws.messages++
					const message = String(JSON.parse(String(data)).message)
					const kind = /^(close-mid|huge)/.exec(message)?.[1] ?? 'ok'
					ws.kinds[kind] = (ws.kinds[kind] ?? 0) + 1
					if (kind === 'close-mid') {
						socket.send(JSON.stringify({ content: 'part of a rep', done: false }))
						setTimeout(() => socket.close(1011, 'server going away'), 20)
					} else if (kind === 'huge') {
						// 3 frames of 1 MiB, none of them done: past the 2 MiB limit at the third.
						const frame = JSON.stringify({ content: 'b'.repeat(MB), done: false })
						for (let i = 0; i < 3; i++) socket.send(frame)
					} else socket.send(JSON.stringify({ content: `fine: ${message}`, done: true }))
				},
			},
		})
		try {
			const target = await insertTarget({
				connectorType: 'WEBSOCKET',
				endpoint: `ws://127.0.0.1:${server.port}`,
				requestTemplate: { messagePath: 'message', structure: { message: '' } },
				responseTemplate: { responsePath: 'content' },
				protocolConfig: {
					path: '/ws',
					frameFormat: 'json',
					doneWhen: { path: 'done', equals: true },
					timeoutMs: 5000,
				},
			})
			const plan = ['ok 1', 'close-mid', 'ok 2', 'huge', 'ok 3']
			const { session, rows } = await runSession(target.id, plan)
			expect(session.status).toBe('COMPLETED')
			expect(rows.map((r) => r.requestContent)).toEqual(plan)
			expect(rows.map((r) => r.errorType)).toEqual([
				null,
				'protocol_error',
				null,
				'response_too_large',
				null,
			])
			expect(rows[1]!.errorMessage).toContain('closed before the reply was complete (code 1011')
			expect(rows[3]!.errorMessage).toContain('KRAWALL_MAX_REPLY_BYTES')
			for (const i of [0, 2, 4]) expect(rows[i]!.responseContent).toBe(`fine: ${plan[i]}`)
			expect(ws.messages).toBe(rows.length)
			expect(ws.kinds).toEqual({ ok: 3, 'close-mid': 1, huge: 1 })
			// The close and the refusal each drop the socket: three connections in all.
			expect(ws.opened).toBe(3)
		} finally {
			server.stop(true)
		}
	}, 20_000)

	test('a gRPC call that never answers hits its deadline (timeout), one past the limit is response_too_large; the session goes on', async () => {
		const calls: Record<string, number> = {}
		const Service = loadGrpcService(MOCK_CHAT_PROTO, 'krawall.mock.ChatService') as any
		const grpc = new GrpcServer()
		grpc.addService(Service.service, {
			Chat(c: { request: { message: string } }, cb: (e: ServiceError | null, r?: unknown) => void) {
				const message = c.request.message
				const kind = /^(hang|huge)/.exec(message)?.[1] ?? 'ok'
				calls[kind] = (calls[kind] ?? 0) + 1
				if (kind === 'hang') return // never answers
				if (kind === 'huge') return cb(null, { content: 'c'.repeat(3 * MB), done: true })
				cb(null, { content: `fine: ${message}`, done: true })
			},
		})
		const port = await new Promise<number>((resolve, reject) =>
			grpc.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) =>
				e ? reject(e) : resolve(p),
			),
		)
		try {
			const grpcTarget = (deadlineMs: number) =>
				insertTarget({
					connectorType: 'GRPC',
					endpoint: `127.0.0.1:${port}`,
					requestTemplate: { messagePath: 'message', structure: { message: '', history: [] } },
					responseTemplate: { responsePath: 'content' },
					protocolConfig: {
						protoSource: MOCK_CHAT_PROTO,
						service: 'krawall.mock.ChatService',
						method: 'Chat',
						tls: false,
						deadlineMs,
					},
				})
			// The deadline: short. The large reply: a long deadline, so a loaded machine's slow
			// HTTP/2 transfer is not mistaken for it.
			const short = await runSession((await grpcTarget(1500)).id, ['ok 1', 'hang', 'ok 2'])
			const long = await runSession((await grpcTarget(20_000)).id, ['ok 3', 'huge', 'ok 4'])
			for (const { session } of [short, long]) expect(session.status).toBe('COMPLETED')
			const rows = [...short.rows, ...long.rows]
			expect(rows.map((r) => r.requestContent)).toEqual([
				'ok 1',
				'hang',
				'ok 2',
				'ok 3',
				'huge',
				'ok 4',
			])
			expect(rows.map((r) => r.errorType)).toEqual([
				null,
				'timeout',
				null,
				null,
				'response_too_large',
				null,
			])
			expect(rows[1]!.errorMessage).toContain('Deadline exceeded')
			expect(rows[1]!.responseTimeMs).toBeGreaterThanOrEqual(1400)
			expect(rows[1]!.responseTimeMs).toBeLessThan(6000)
			expect(rows[4]!.errorMessage).toContain('KRAWALL_MAX_REPLY_BYTES')
			for (const i of [0, 2, 3, 5])
				expect(rows[i]!.responseContent).toBe(`fine: ${rows[i]!.requestContent}`)
			expect(calls).toEqual({ ok: 4, hang: 1, huge: 1 })
		} finally {
			grpc.forceShutdown()
		}
	}, 40_000)
})
