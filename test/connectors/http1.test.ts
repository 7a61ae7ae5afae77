import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createServer, type Server, type Socket } from 'node:net'
import { createHttp1Pool } from '../../src/connectors/http1'

/**
 * The HTTP/1.1 client hands a socket's bytes to its parser after every socket readable in the
 * same turn of the loop has stamped them (the recorded end of a response time, issue 13): what
 * follows the bytes on a socket (its end, its close) must still come after them, and every
 * reply keeps the time its last bytes arrived.
 */
let server: Server
let port = 0
const replies: Record<string, (s: Socket) => void> = {
	// No length, no chunks: the body ends with the connection, in the same write as the close.
	'/close': (s) => s.end('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil the end'),
	'/chunked': (s) =>
		s.write(
			'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n',
		),
	'/length': (s) => s.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'),
	// Half a body, then the connection is cut: an error, not a short reply.
	'/cut': (s) => s.end('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nhalf'),
}

beforeAll(async () => {
	server = createServer((s) => {
		let buf = ''
		s.on('data', (d) => {
			buf += d.toString('latin1')
			const end = buf.indexOf('\r\n\r\n')
			if (end < 0) return
			const path = buf.split(' ')[1]!
			buf = buf.slice(end + 4)
			replies[path]!(s)
		})
		s.on('error', () => {})
	})
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
	port = (server.address() as { port: number }).port
})
afterAll(() => server.close())

const get = (pool: ReturnType<typeof createHttp1Pool>, path: string) =>
	pool.request(
		{ address: '127.0.0.1', port, tls: false },
		{
			method: 'GET',
			target: path,
			headers: { host: `127.0.0.1:${port}` },
			signal: new AbortController().signal,
		},
	)

describe('HTTP/1.1 client: bytes stamped on arrival, handled in order', () => {
	test('a body ended by the close in the same write, chunked and sized bodies, several at once', async () => {
		const pool = createHttp1Pool()
		try {
			const t0 = performance.now()
			const paths = ['/close', '/chunked', '/length', '/close', '/chunked', '/length']
			const texts = await Promise.all(
				paths.map(async (p) => {
					const res = await get(pool, p)
					const text = (await res.body.bytes()).toString('utf8')
					// Stamped when the last bytes came, before the reader got them.
					expect(res.body.endedAt).toBeGreaterThanOrEqual(t0)
					expect(res.body.endedAt).toBeLessThanOrEqual(performance.now())
					return text
				}),
			)
			expect(texts).toEqual([
				'until the end',
				'hello world',
				'ok',
				'until the end',
				'hello world',
				'ok',
			])
		} finally {
			pool.close()
		}
	})

	test('a connection cut mid-body fails the body (the close is not handled before the bytes)', async () => {
		const pool = createHttp1Pool()
		try {
			const res = await get(pool, '/cut')
			expect(res.status).toBe(200)
			const err = await res.body.bytes().then(
				() => undefined,
				(e: unknown) => e as { code?: string },
			)
			expect(err?.code).toBe('ECONNRESET')
			expect(res.body.endedAt).toBeUndefined()
		} finally {
			pool.close()
		}
	})
})
