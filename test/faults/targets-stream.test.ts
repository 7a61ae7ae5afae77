import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { gzipSync } from 'node:zlib'
import { createConnector } from '../../src/connectors'
import type { TargetSpec } from '../../src/connectors/types'
import { signal } from '../helpers/connector-specs'

/**
 * The maximum reply size on the paths the session-level fault tests do not take
 * (docs/architecture.md §4): a streamed SSE reply that grows past it, and a small gzip body that
 * inflates past it. Each is `response_too_large`, and the next message on the same connector works.
 */
const LIMIT = 64 * 1024
let server: ReturnType<typeof Bun.serve>
const served: string[] = []

beforeAll(() => {
	server = Bun.serve({
		port: 0,
		hostname: '127.0.0.1',
		async fetch(req) {
			const body = (await req.json()) as { message: string }
			served.push(body.message)
			if (body.message === 'endless') {
				// 1 KiB deltas without end: only the limit stops it.
				const delta = `data: ${JSON.stringify({ delta: 'x'.repeat(1024) })}\n\n`
				const stream = new ReadableStream({
					pull: (c) => c.enqueue(new TextEncoder().encode(delta)),
				})
				return new Response(stream, { headers: { 'content-type': 'text/event-stream' } })
			}
			if (body.message === 'bomb') {
				// 40 KiB on the wire, 4 MiB once decoded.
				const json = JSON.stringify({ reply: 'y'.repeat(4 * 1024 * 1024) })
				return new Response(gzipSync(json), {
					headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
				})
			}
			if (req.headers.get('accept') === 'text/event-stream')
				return new Response(`data: {"delta":"fine"}\n\ndata: [DONE]\n\n`, {
					headers: { 'content-type': 'text/event-stream' },
				})
			return Response.json({ reply: `fine: ${body.message}` })
		},
	})
})
afterAll(() => {
	server?.stop(true)
})

const spec = (type: 'SSE' | 'HTTP_REST'): TargetSpec => ({
	connectorType: type,
	endpoint: `http://127.0.0.1:${server.port}`,
	authType: 'NONE',
	authConfig: {},
	requestTemplate: { messagePath: 'message', structure: { message: '' } },
	responseTemplate: { responsePath: type === 'SSE' ? 'delta' : 'reply' },
	protocolConfig: { path: '/chat' },
})

async function exchange(type: 'SSE' | 'HTTP_REST', messages: string[]) {
	const connector = createConnector(spec(type), { maxReplyBytes: LIMIT })
	try {
		const conv = await connector.open(signal())
		const out = []
		for (const m of messages) out.push(await conv.send(m, { history: [], signal: signal() }))
		return out
	} finally {
		await connector.close()
	}
}

describe('maximum reply size on streamed and compressed replies', () => {
	test('an SSE stream past the limit is response_too_large; the next message streams fine', async () => {
		served.length = 0
		const [big, next] = await exchange('SSE', ['endless', 'after'])
		expect(big!.success).toBe(false)
		expect(big!.error?.type).toBe('response_too_large')
		expect(big!.error?.message).toContain(`more than ${LIMIT} bytes (KRAWALL_MAX_REPLY_BYTES)`)
		expect(big!.httpStatus).toBe(200)
		expect(next!.success).toBe(true)
		expect(next!.content).toBe('fine')
		expect(served).toEqual(['endless', 'after'])
	})

	test('a gzip body that inflates past the limit is response_too_large; the next message works', async () => {
		served.length = 0
		const [bomb, next] = await exchange('HTTP_REST', ['bomb', 'after'])
		expect(bomb!.success).toBe(false)
		expect(bomb!.error?.type).toBe('response_too_large')
		expect(next!.success).toBe(true)
		expect(next!.content).toBe('fine: after')
		expect(served).toEqual(['bomb', 'after'])
	})
})
