import { describe, expect, test } from 'bun:test'
import { runHeadless } from '../../src/cli/run'
import { parseRunArgs } from '../../src/cli/run-args'
import { sessionChannel, type BusEvent } from '../../src/sessions/events'
import { capture } from '../helpers/cli'
import { call } from '../helpers/deps'
import {
	startOnPersona,
	MOCK_KEY,
	messageRows,
	useMockRun,
	waitFor,
	waitForStatus,
} from '../helpers/mock-run'
import { readSse } from '../helpers/sse'

// What a load model's run shows while it goes (docs/architecture.md §4, §5 "Live progress", §6):
// the scheduled time of each message, drops as they happen, and the run's clock for a run that
// time ends. Every figure is checked against the rows, the summary and the mock's own counts.
const run = useMockRun({ env: { KRAWALL_MAX_LOAD_DURATION_SEC: '60' } })

const start = (persona: string, executionConfig: Record<string, unknown>) =>
	startOnPersona(run, persona, executionConfig)

const get = async (path: string, headers: Record<string, string> = {}) =>
	call(run.deps.app, 'GET', path, undefined, headers)

describe('load progress', () => {
	test('scheduledAt is in the messages API and in the SSE message events, as recorded', async () => {
		const id = await start('slow:20', {
			load: { type: 'arrival', rate: 10, durationSec: 1, maxInFlight: 20 },
		})
		await waitForStatus(run.deps, id, ['COMPLETED'], 15_000)
		const rows = await messageRows(run.deps, id)
		expect(rows.length).toBe(10)
		expect(run.mock.stats.requests).toBe(10)
		const due = rows.map((r) => r.scheduledAt!.toISOString())
		// 100 ms apart (the k-th start at k / rate from the run's start).
		const ms = due.map((d) => Date.parse(d)).sort((a, b) => a - b)
		expect(ms.slice(1).every((d, i) => Math.abs(d - ms[i] - 100) <= 1)).toBe(true)

		const page = await get(`/api/sessions/${id}/messages?limit=100`)
		expect(page.status).toBe(200)
		expect(page.json.data.map((m: { scheduledAt: string }) => m.scheduledAt)).toEqual(due)
		// The first message of a conversation is sent when it was due, or after (the schedule runs on
		// the monotonic clock, both stamps are the wall clock at ms precision: 1 ms of slack).
		for (const m of page.json.data as { scheduledAt: string; sentAt: string }[])
			expect(Date.parse(m.sentAt)).toBeGreaterThanOrEqual(Date.parse(m.scheduledAt) - 1)

		const res = await run.deps.app.handle(new Request(`http://localhost/api/sessions/${id}/stream`))
		const events = (await readSse(res, (e) => e.data.includes('"complete"')))
			.filter((e) => !e.comment)
			.map((e) => JSON.parse(e.data))
		const msgs = events.filter((e) => e.type === 'message')
		expect(msgs.length).toBe(20)
		for (const direction of ['sent', 'received'])
			expect(
				msgs.filter((e) => e.data.direction === direction).map((e) => e.data.scheduledAt),
			).toEqual(due)
		// The replayed status event carries the run's figures, drops and clock included.
		expect(events[0].progress).toMatchObject({
			conversationsCompleted: 10,
			conversationsTotal: 10,
			droppedConversations: 0,
			durationSec: 1,
		})
		expect(events[0].progress.elapsedSec).toBeGreaterThanOrEqual(0.9)
	}, 20_000)

	test('drops are live: bus progress events, the API, the JSON status event and the tiles', async () => {
		// 20/s of 300 ms conversations needs 6 in flight; 2 are allowed: most due starts drop.
		const id = await start('slow:300', {
			load: { type: 'arrival', rate: 20, durationSec: 3, maxInFlight: 2 },
		})
		const seen: Extract<BusEvent, { type: 'progress' }>['progress'][] = []
		const unsubscribe = await run.deps.bus.subscribe(sessionChannel(id), (e) => {
			const ev = e as BusEvent
			if (ev.type === 'progress') seen.push(ev.progress)
		})
		try {
			await waitForStatus(run.deps, id, ['RUNNING'], 10_000)
			// The session page's stream re-renders the tiles with the drops so far.
			const html = await run.deps.app.handle(
				new Request(`http://localhost/api/sessions/${id}/stream?format=html`),
			)
			const frames = await readSse(
				html,
				(e) => e.event === 'progress' && /[1-9]\d* dropped at the in-flight cap/.test(e.data),
				10_000,
			)
			const tiles = frames.at(-1)!
			expect(tiles.event).toBe('progress')
			expect(tiles.data).toContain('id="progress-time"')
			const shownDropped = Number(/(\d+) dropped at the in-flight cap/.exec(tiles.data)![1])
			expect(shownDropped).toBeGreaterThan(0)

			const mid = await get(`/api/sessions/${id}`)
			expect(mid.json.data.status).toBe('RUNNING')
			const p = mid.json.data.progress
			expect(p.droppedConversations).toBeGreaterThanOrEqual(shownDropped)
			expect(p.durationSec).toBe(3)
			expect(p.elapsedSec).toBeGreaterThan(0)
			expect(p.elapsedSec).toBeLessThan(10)
			expect(p.conversationsTotal).toBe(60)
			// The JSON stream's first event says the same.
			const json = await run.deps.app.handle(
				new Request(`http://localhost/api/sessions/${id}/stream`),
			)
			const [status] = await readSse(json, () => true, 5000)
			const sp = JSON.parse(status.data).progress
			expect(sp.droppedConversations).toBeGreaterThanOrEqual(p.droppedConversations)
			expect(sp.durationSec).toBe(3)
		} finally {
			await waitForStatus(run.deps, id, ['COMPLETED'], 15_000).catch(() => {})
			await unsubscribe()
		}
		const s = await waitForStatus(run.deps, id, ['COMPLETED'])
		const rows = await messageRows(run.deps, id)
		const dropped = s.summaryMetrics!.droppedConversations!
		expect(run.mock.stats.requests).toBe(rows.length)
		expect(rows.length + dropped).toBe(60)
		expect(s.droppedConversations).toBe(dropped)
		// Live events counted up to the final figure, never past it, on the run's clock.
		const live = seen.map((x) => x.droppedConversations)
		expect(live.some((d) => d > 0 && d < dropped)).toBe(true)
		expect(live.every((d, i) => d <= dropped && (i === 0 || d >= live[i - 1]))).toBe(true)
		expect(seen.every((x) => x.durationSec === 3)).toBe(true)
		const clock = seen.map((x) => x.elapsedSec!)
		expect(clock.every((c, i) => i === 0 || c >= clock[i - 1])).toBe(true)
		expect(clock.at(-1)!).toBeGreaterThanOrEqual(2.5)
		const done = await get(`/api/sessions/${id}`)
		expect(done.json.data.progress.droppedConversations).toBe(dropped)
	}, 30_000)

	test('a run that time ends: elapsed of the planned seconds in the API, the home bar and the list', async () => {
		const id = await start('slow:50', {
			concurrency: 2,
			load: { type: 'closed', durationSec: 2 },
		})
		await waitForStatus(run.deps, id, ['RUNNING'], 10_000)
		const live = await waitFor(async () => {
			const r = await get('/api/dashboard/live')
			const s = r.json.data.find((x: { id: string }) => x.id === id)
			return s && s.elapsedSec >= 0.5 ? s : undefined
		})
		expect(live.conversationsTotal).toBe(0)
		expect(live.durationSec).toBe(2)
		expect(live.droppedConversations).toBe(0)
		expect(live.elapsedSec).toBeLessThan(5)
		// The home page's bar: a share of the time, not an unknown total.
		const frag = await get('/api/dashboard/live', { 'hx-request': 'true' })
		const bar = new RegExp(
			`href="/sessions/${id}"[\\s\\S]*?aria-valuenow="(\\d+)"[\\s\\S]*?(\\d+ s / 2 s)`,
		)
		const m = bar.exec(frag.text)
		expect(m).not.toBeNull()
		expect(Number(m![1])).toBeGreaterThanOrEqual(25)
		expect(Number(m![1])).toBeLessThanOrEqual(100)
		// The sessions list's bar too.
		const list = await get('/sessions')
		expect(list.text).toMatch(/\d+ s \/ 2 s · \d+ conv/)

		const s = await waitForStatus(run.deps, id, ['COMPLETED'], 10_000)
		const rows = await messageRows(run.deps, id)
		expect(run.mock.stats.requests).toBe(rows.length)
		const end = (await get(`/api/sessions/${id}`)).json.data.progress
		expect(end.durationSec).toBe(2)
		expect(end.conversationsCompleted).toBe(rows.length)
		// To the run's end: its length, not the time of the read.
		const ran = (s.completedAt!.getTime() - s.startedAt!.getTime()) / 1000
		// elapsedSec is rounded to 0.1 s.
		expect(Math.abs(end.elapsedSec - ran)).toBeLessThan(0.051)
		expect(end.elapsedSec).toBeGreaterThanOrEqual(2)
		// A count-bounded run has no planned duration.
		const fixed = await start('slow:0', { repetitions: 2 })
		await waitForStatus(run.deps, fixed, ['COMPLETED'])
		expect((await get(`/api/sessions/${fixed}`)).json.data.progress.durationSec).toBeNull()
	}, 20_000)

	test("krawall run's progress line: elapsed of the planned seconds, and the drops", async () => {
		run.mock.resetStats()
		const argv = (persona: string, flags: string[]) => [
			...['--preset', 'openai-chat', '--endpoint', `${run.mock.url}/persona/${persona}`],
			...['--api-key-env', 'KEY', '--message', 'Hi', ...flags],
		]
		const closed = await capture((io) =>
			runHeadless(run.deps, parseRunArgs(argv('slow:50', ['--duration', '1s'])), io, {
				KEY: MOCK_KEY,
			}),
		)
		expect(closed.code).toBe(0)
		const last = closed.err.trim().split('\n').at(-1)!
		const n = run.mock.stats.requests
		expect(n).toBeGreaterThan(5)
		expect(last).toContain(`[COMPLETED] ${n} messages`)
		expect(last).toContain(`· ${n} conversations · 1/1 s`)
		expect(last).not.toContain('/0 conversations')

		run.mock.resetStats()
		const open = await capture((io) =>
			runHeadless(
				run.deps,
				parseRunArgs(
					argv('slow:300', ['--rate', '20', '--duration', '1s', '--max-in-flight', '1']),
				),
				io,
				{ KEY: MOCK_KEY },
			),
		)
		expect(open.code).toBe(0)
		const sent = run.mock.stats.requests
		const line = open.err.trim().split('\n').at(-1)!
		expect(line).toContain(`${sent}/20 conversations · 1/1 s · ${20 - sent} dropped`)
		expect(20 - sent).toBeGreaterThan(10)
	}, 20_000)
})
