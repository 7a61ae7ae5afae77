import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { openSessionStream, jsonRenderer } from '../../src/sessions/stream'
import { htmlRenderer } from '../../src/sessions/sse-html'
import {
	messageRows,
	startOnPersona,
	useMockRun,
	waitFor,
	waitForStatus,
} from '../helpers/mock-run'
import { readSse, type SseEvent } from '../helpers/sse'

/**
 * Live viewers of one session (issue 13, "200 live viewers"): every viewer gets the frames that
 * were rendered once for all of them, and they are the frames a single viewer got before (the
 * replay after the run renders every message from the database: the same bytes); a viewer that
 * does not read is ended instead of holding memory, and the run does not notice.
 */
const run = useMockRun()
let server: ReturnType<typeof Bun.serve>
beforeAll(() => {
	server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: (r) => run.deps.app.handle(r) })
})
afterAll(() => server?.stop(true))

const MESSAGES = ['Hello there', 'Tell me more about that', 'And what else?']
const isComplete = (e: SseEvent) =>
	e.event === 'complete' || (!e.event && e.data.startsWith('{"type":"complete"'))
const frames = (events: SseEvent[]) => events.filter((e) => !e.comment)
/** Message frames: json ones carry `"type":"message"`, html ones are `event: message`. */
const messagesOf = (events: SseEvent[]) =>
	frames(events).filter((e) => e.event === 'message' || e.data.startsWith('{"type":"message"'))

const startSession = (persona: string, repetitions: number, concurrency: number) =>
	startOnPersona(run, persona, { customMessages: MESSAGES, repetitions, concurrency })

const open = (id: string, format: 'json' | 'html') =>
	fetch(`${server.url}api/sessions/${id}/stream${format === 'html' ? '?format=html' : ''}`)

describe('live viewers of one session', () => {
	test('every viewer gets the same frames, the replay’s bytes, and every message the mock served', async () => {
		// 200 ms per reply: the viewers are subscribed before the first message is recorded.
		const id = await startSession('slow:200', 10, 10)
		const viewers = (['json', 'html'] as const).flatMap((format) =>
			Array.from({ length: 4 }, () => ({ format, res: open(id, format) })),
		)
		const connected: number[] = []
		const reads = viewers.map(async (v, i) => {
			const res = await v.res
			expect(res.status).toBe(200)
			expect(res.headers.get('content-type')).toContain('text/event-stream')
			return readSse(
				res,
				(e) => {
					if (!e.comment) connected[i] = 1
					return isComplete(e)
				},
				30_000,
			)
		})
		await waitFor(() => connected.filter(Boolean).length === viewers.length, 10_000, 'viewers')
		expect((await messageRows(run.deps, id)).length).toBe(0)
		const got = await Promise.all(reads)
		const s = await waitForStatus(run.deps, id, ['COMPLETED', 'FAILED', 'CANCELLED'])
		expect(s.status).toBe('COMPLETED')
		const rows = await messageRows(run.deps, id)
		expect(rows.length).toBe(MESSAGES.length * 10)
		expect(run.mock.stats.requests).toBe(rows.length)

		for (const format of ['json', 'html'] as const) {
			const mine = got.filter((_, i) => viewers[i]!.format === format)
			// The status frames before the first message are the state at connect (the connect-time
			// clock; QUEUED then RUNNING, or RUNNING already, as the worker took the job before or after).
			const isStatus = (e: SseEvent) =>
				e.event === 'status' || e.data.startsWith('{"type":"status"')
			const rest = mine.map((events) => {
				const f = frames(events)
				const first = f.findIndex((e) => !isStatus(e))
				expect(first).toBeGreaterThan(0)
				return f.slice(first)
			})
			for (const r of rest.slice(1)) expect(r).toEqual(rest[0]!)
			for (const events of mine) {
				const ids = messagesOf(events).map((e) => Number(e.id))
				expect(ids).toEqual(Array.from({ length: 2 * rows.length }, (_, k) => k + 1))
				expect(isComplete(frames(events).at(-1)!)).toBe(true)
			}
			const progress = rest[0]!.filter(
				(e) => e.event === 'progress' || e.data.startsWith('{"type":"progress"'),
			)
			if (format === 'html') expect(progress.length).toBeGreaterThan(0)
			// The same messages as a viewer arriving after the run, whose frames come from the rows
			// (JSON: as values, the stored jsonb orders an attempt's keys its own way).
			const replay = messagesOf(await readSse(await open(id, format), isComplete))
			const live = messagesOf(mine[0]!)
			if (format === 'html') expect(live).toEqual(replay)
			else {
				const parsed = (es: SseEvent[]) => es.map((e) => ({ ...e, data: JSON.parse(e.data) }))
				expect(parsed(live)).toEqual(parsed(replay))
			}
		}
		// The JSON form's messages are the mock's exchanges, counted by the mock.
		const received = messagesOf(got[0]!)
			.map((e) => JSON.parse(e.data).data)
			.filter((d) => d.direction === 'received')
		expect(received.length).toBe(run.mock.stats.requests)
		expect(received.every((d) => d.success === true)).toBe(true)
		expect(received.reduce((a, d) => a + d.totalTokens, 0)).toBe(s.tokensTotal)
	})

	test('a viewer that does not read is ended at its bound; the run and the other viewers go on', async () => {
		const id = await startSession('slow:5', 100, 10)
		// Opened directly: no socket buffer between the stream and a reader that never reads.
		const stalled = await openSessionStream(run.deps, id, {
			renderer: htmlRenderer,
			maxBufferedBytes: 64 * 1024,
		})
		const reader = readSse(await open(id, 'json'), isComplete, 60_000)
		const s = await waitForStatus(run.deps, id, ['COMPLETED', 'FAILED', 'CANCELLED'], 60_000)
		expect(s.status).toBe('COMPLETED')
		const rows = await messageRows(run.deps, id)
		expect(rows.length).toBe(300)
		expect(run.mock.stats.requests).toBe(300)
		const events = await reader
		expect(messagesOf(events).map((e) => Number(e.id))).toEqual(
			Array.from({ length: 600 }, (_, k) => k + 1),
		)
		await waitFor(
			() => run.deps.logs.some((l) => l.includes('slow stream viewer ended') && l.includes(id)),
			10_000,
			'the stalled viewer ended',
		)
		// What it held is its bound and the one chunk past it; then the stream ends.
		const r = stalled.getReader()
		let bytes = 0
		const held: string[] = []
		for (;;) {
			const { value, done } = await r.read()
			if (done) break
			bytes += value.byteLength
			held.push(new TextDecoder().decode(value))
		}
		expect(bytes).toBeGreaterThan(64 * 1024)
		expect(bytes).toBeLessThan(64 * 1024 + 256 * 1024)
		expect(held.join('')).not.toContain('event: complete')
	})

	test('a slow reader of the replay is waited for, not ended', async () => {
		const id = await startSession('slow:1', 100, 10)
		await waitForStatus(run.deps, id, ['COMPLETED'], 60_000)
		const stream = await openSessionStream(run.deps, id, {
			renderer: jsonRenderer,
			maxBufferedBytes: 16 * 1024,
		})
		const slowly = new ReadableStream<Uint8Array>({
			async start(c) {
				const r = stream.getReader()
				for (;;) {
					await Bun.sleep(2)
					const { value, done } = await r.read()
					if (done) break
					c.enqueue(value)
				}
				c.close()
			},
		})
		const events = await readSse(new Response(slowly), isComplete, 60_000)
		expect(messagesOf(events).map((e) => Number(e.id))).toEqual(
			Array.from({ length: 600 }, (_, k) => k + 1),
		)
		expect(isComplete(events.at(-1)!)).toBe(true)
	})

	test('viewers joining at once read each recorded row once, not once each', async () => {
		// 1,200 messages (three replay pages); the viewers all join after the run, at the same time.
		const id = await startSession('echo', 400, 10)
		await waitForStatus(run.deps, id, ['COMPLETED'])
		expect(run.mock.stats.served.replies).toBe(1200)
		const statements: string[] = []
		const stop = run.deps.database.observe((q) => statements.push(q))
		let texts: string[]
		try {
			texts = await Promise.all(
				Array.from({ length: 20 }, async () =>
					new Response(await openSessionStream(run.deps, id, { renderer: htmlRenderer })).text(),
				),
			)
		} finally {
			stop()
		}
		// Whole rows are read at most once per page (none when live viewers left them cached).
		const wholeRows = statements.filter((q) => /^select "id", "session_id", "seq"/.test(q))
		expect(wholeRows.length).toBeLessThanOrEqual(3)
		// Every viewer got the same bytes, with both events of every message the mock served.
		expect(new Set(texts).size).toBe(1)
		expect(texts[0]!.match(/event: message\n/g)?.length).toBe(2 * 1200)
	})

	test('the page list is shared while the run goes, and never stale once it ended', async () => {
		const id = await startSession('slow:100', 4, 2)
		await waitFor(async () => (await messageRows(run.deps, id)).length >= 2, 10_000, 'two rows')
		/** Pages loaded together, the list reads they caused, and each one's message bubbles. */
		const pages = async (n: number) => {
			const statements: string[] = []
			const stop = run.deps.database.observe((q) => statements.push(q))
			try {
				const bubbles = await Promise.all(
					Array.from({ length: n }, async () => {
						const res = await fetch(`${server.url}sessions/${id}`, {
							headers: { accept: 'text/html' },
						})
						expect(res.status).toBe(200)
						return ((await res.text()).match(/data-event-id="/g) ?? []).length
					}),
				)
				const reads = statements.filter((q) => /^select "id", "session_id", "seq"/.test(q)).length
				return { bubbles, reads }
			} finally {
				stop()
			}
		}
		// Three pages loaded together while it runs: one read of the list between them.
		const running = await pages(3)
		expect(running.reads).toBe(1)
		expect(new Set(running.bubbles).size).toBe(1)
		await waitForStatus(run.deps, id, ['COMPLETED'])
		// Right after the end (within the sharing window): read again, every message shown.
		const done = await pages(1)
		expect(done.reads).toBe(1)
		expect(run.mock.stats.served.replies).toBe(12)
		expect(done.bubbles).toEqual([2 * 12])
		// Ended: two pages together share one read (or none, within the window of the last).
		const again = await pages(2)
		expect(again.bubbles).toEqual([24, 24])
		expect(again.reads).toBeLessThanOrEqual(1)
	})
})
