import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { and, eq, inArray } from 'drizzle-orm'
import { sessionMessages } from '../../src/db/schema'
import { getSharedSessionSeries } from '../../src/metrics/series'
import { sharedPage } from '../../src/sessions/pages'
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

	test('the whole page is rendered once for the pages loaded together while the run goes', async () => {
		const id = await startSession('slow:100', 4, 2)
		await waitFor(async () => (await messageRows(run.deps, id)).length >= 2, 10_000, 'two rows')
		const statements: string[] = []
		const stop = run.deps.database.observe((q) => statements.push(q))
		let pages: string[]
		try {
			pages = await Promise.all(
				Array.from({ length: 4 }, async () => {
					const res = await fetch(`${server.url}sessions/${id}`, {
						headers: { accept: 'text/html' },
					})
					expect(res.status).toBe(200)
					expect(res.headers.get('content-type')).toContain('text/html')
					return res.text()
				}),
			)
		} finally {
			stop()
		}
		// One render: the same bytes, and one read each of the session with its target and
		// scenario, of its stored seconds and of the compare candidates (each page read a status).
		expect(new Set(pages).size).toBe(1)
		expect(pages[0]).toContain('sse-connect=')
		const count = (re: RegExp) => statements.filter((q) => re.test(q)).length
		expect(count(/left join "targets" .* where "sessions"\."id" = \$1$/)).toBe(1)
		expect(count(/from "session_timeseries"/)).toBe(1)
		// (The candidates' list may come from listSessions' own cache: none then.)
		expect(count(/^select count\(\*\) from "sessions"/)).toBeLessThanOrEqual(1)
		expect(count(/^select "status" from "sessions"/)).toBeGreaterThanOrEqual(4)
		await waitForStatus(run.deps, id, ['COMPLETED'])
		// Ended: its page at once (no live stream), every message on it.
		const done = await (await fetch(`${server.url}sessions/${id}`)).text()
		expect(done).not.toContain('sse-connect=')
		expect(done.match(/data-event-id="/g)?.length).toBe(2 * run.mock.stats.served.replies)
	})

	test('a shared page serves only its status, within its second; a failed or stale render is nobody’s', async () => {
		const bytes = (s: string) => new TextEncoder().encode(s)
		let renders = 0
		const render = (status: string, body: string) => async () => {
			renders++
			return { status, bytes: bytes(body) }
		}
		const text = async (p: Promise<Uint8Array>) => new TextDecoder().decode(await p)
		const id = 'unit-shared-page'
		const t0 = performance.now() + 1e6
		expect(await text(sharedPage(id, 'RUNNING', t0, render('RUNNING', 'a')))).toBe('a')
		expect(await text(sharedPage(id, 'RUNNING', t0 + 500, render('RUNNING', 'b')))).toBe('a')
		expect(renders).toBe(1)
		// The run ended within the second: the running page is not served.
		expect(await text(sharedPage(id, 'COMPLETED', t0 + 600, render('COMPLETED', 'c')))).toBe('c')
		expect(await text(sharedPage(id, 'COMPLETED', t0 + 700, render('COMPLETED', 'd')))).toBe('c')
		// After its second, rendered again.
		expect(await text(sharedPage(id, 'COMPLETED', t0 + 1700, render('COMPLETED', 'e')))).toBe('e')
		expect(renders).toBe(3)
		// A render that found the session ended is not kept for the running status it was asked for.
		const other = 'unit-shared-page-2'
		expect(await text(sharedPage(other, 'RUNNING', t0, render('COMPLETED', 'f')))).toBe('f')
		await Bun.sleep(0)
		expect(await text(sharedPage(other, 'RUNNING', t0 + 10, render('RUNNING', 'g')))).toBe('g')
		// A failed render: the next page renders again.
		const failed = sharedPage('unit-shared-page-3', 'RUNNING', t0, async () => {
			throw new Error('no')
		})
		expect(failed).rejects.toThrow('no')
		await failed.catch(() => {})
		expect(
			await text(sharedPage('unit-shared-page-3', 'RUNNING', t0 + 10, render('RUNNING', 'h'))),
		).toBe('h')
	})

	test('chart polls together compute the series once; an ended session is never served from a running one', async () => {
		const id = await startSession('slow:100', 4, 2)
		await waitFor(async () => (await messageRows(run.deps, id)).length >= 2, 10_000, 'two rows')
		const statements: string[] = []
		const stop = run.deps.database.observe((q) => statements.push(q))
		let fragments: string[]
		try {
			fragments = await Promise.all(
				Array.from({ length: 10 }, async () => {
					const res = await fetch(`${server.url}api/metrics/sessions/${id}/series`, {
						headers: { 'hx-request': 'true' },
					})
					expect(res.status).toBe(200)
					return res.text()
				}),
			)
		} finally {
			stop()
		}
		expect(new Set(fragments).size).toBe(1)
		// The per-turn aggregate is one of the series' reads: once for the ten polls.
		expect(statements.filter((q) => /^select "turn_index", count\(\*\)/.test(q)).length).toBe(1)
		// With the clock stopped a kept series never ages out: only the status change makes it stale.
		const frozen = { ...run.deps, clock: { ...run.deps.clock, perf: () => 0 } }
		const running = await getSharedSessionSeries(frozen, id)
		expect(running.status).toBe('RUNNING')
		expect(await getSharedSessionSeries(frozen, id)).toBe(running)
		await waitForStatus(run.deps, id, ['COMPLETED'])
		const ended = await getSharedSessionSeries(frozen, id)
		expect(ended.status).toBe('COMPLETED')
		expect(ended.messageCount).toBe(run.mock.stats.served.replies)
		// Ended series are not kept: computed for each request.
		expect(await getSharedSessionSeries(frozen, id)).not.toBe(ended)
	})

	test('the replay skips seqs no row has (as a sharded run leaves them), every other row sent', async () => {
		const id = await startSession('echo', 20, 4)
		await waitForStatus(run.deps, id, ['COMPLETED'])
		// Rows 3, 4 and 17 gone: the seqs are no longer every integer between the first and last.
		await run.deps.db
			.delete(sessionMessages)
			.where(and(eq(sessionMessages.sessionId, id), inArray(sessionMessages.seq, [3, 4, 17])))
		const rows = await messageRows(run.deps, id)
		expect(rows.length).toBe(3 * 20 - 3)
		for (const renderer of [jsonRenderer, htmlRenderer]) {
			const text = await new Response(await openSessionStream(run.deps, id, { renderer })).text()
			const ids = text
				.split('\n\n')
				.filter((b) => /^id: \d+\n(event: message\n|data: \{"type":"message")/.test(b))
				.map((b) => Number(/^id: (\d+)/.exec(b)![1]))
			expect(ids).toEqual(rows.flatMap((r) => [2 * r.seq - 1, 2 * r.seq]))
		}
	})

	test('each viewer reads the session and its replay page once at its start (or shares a read)', async () => {
		const id = await startSession('echo', 10, 5)
		await waitForStatus(run.deps, id, ['COMPLETED'])
		const statements: string[] = []
		const stop = run.deps.database.observe((q) => statements.push(q))
		let texts: string[]
		try {
			texts = await Promise.all(
				Array.from({ length: 10 }, async () => (await open(id, 'html')).text()),
			)
		} finally {
			stop()
		}
		const count = (re: RegExp) => statements.filter((q) => re.test(q)).length
		// At most one read each (a drizzle query handed to a shared read would run once per `then`).
		expect(count(/^select "id", "target_id", .* from "sessions"/)).toBeLessThanOrEqual(10)
		expect(count(/^select min\("seq"\)/)).toBeLessThanOrEqual(10)
		for (const t of texts) {
			expect(t.match(/event: message\n/g)?.length).toBe(2 * 30)
			expect(t).toContain('event: complete')
		}
	})

	test('a viewer resuming mid-message gets exactly the frames after its cursor, the same bytes', async () => {
		const id = await startSession('echo', 10, 5)
		await waitForStatus(run.deps, id, ['COMPLETED'])
		const stream = async (lastEventId: number) =>
			new Response(
				await openSessionStream(run.deps, id, { renderer: htmlRenderer, lastEventId }),
			).text()
		/** The message frames of a stream's text, by id. */
		const messages = (text: string) =>
			text
				.split('\n\n')
				.filter((b) => /^id: \d+\nevent: message\n/.test(b))
				.map((b) => ({ id: Number(/^id: (\d+)/.exec(b)![1]), frame: b }))
		const all = messages(await stream(0))
		expect(all.map((m) => m.id)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1))
		for (const cursor of [1, 2, 7, 58, 59, 60]) {
			const got = messages(await stream(cursor))
			expect(got).toEqual(all.slice(cursor))
		}
	})
})
