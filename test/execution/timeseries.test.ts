import { describe, expect, test } from 'bun:test'
import { asc, eq } from 'drizzle-orm'
import { sessions, sessionTimeseries } from '../../src/db/schema'
import { createSessionRecorder } from '../../src/execution/recorder'
import { Sketch, SKETCH_RELATIVE_ERROR } from '../../src/metrics/sketch'
import { htmlRenderer } from '../../src/sessions/sse-html'
import { jsonRenderer, openSessionStream } from '../../src/sessions/stream'
import { call } from '../helpers/deps'
import { ok, usage } from '../helpers/engine-fakes'
import { createPresetTarget, messageRows, useMockRun, waitForStatus } from '../helpers/mock-run'
import { readSse } from '../helpers/sse'
import { unrunSnapshot } from '../helpers/seed'

/**
 * docs/architecture.md §5 "Time series": per-second buckets kept by the recorder, stored in
 * `session_timeseries`, sent on the SSE stream, served by GET /api/sessions/:id/timeseries. Their
 * counts are the mock's and the rows'; their percentiles are within the stated error of the rows'.
 */
const run = useMockRun()

/** The value at rank ⌊q·(n−1)⌋: what a DDSketch quantile approximates (src/metrics/sketch.ts). */
const lowerRank = (sorted: number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))]!
const within = (got: number | null, exact: number) => {
	expect(got).not.toBeNull()
	// The stated relative error, plus the 0.001 ms the API rounds to.
	expect(Math.abs(got! - exact)).toBeLessThanOrEqual(exact * SKETCH_RELATIVE_ERROR + 0.0011)
}

describe('per-second time series of a real run', () => {
	test('bucket counts equal the mock and the rows; percentiles within the stated error', async () => {
		// Replies take 10–60 ms; every 4th request of a conversation is a 429 (recorded as a failure).
		const target = await createPresetTarget(
			run.deps,
			'openai-chat',
			`${run.mock.url}/persona/slow:10-60,rate-limited:4:0`,
			// Streamed replies, so every successful message has a TTFT too.
			{ protocolConfig: { stream: true } },
		)
		run.mock.resetStats()
		const r = await call(run.deps.app, 'POST', '/api/execute', {
			targetId: target.id,
			executionConfig: {
				customMessages: Array.from({ length: 40 }, (_, i) => `Message ${i}: tell me more`),
				repetitions: 4,
				concurrency: 4,
			},
		})
		expect(r.status).toBe(202)
		const id = r.json.data.sessionId as string
		// The JSON stream, opened before the run starts, carries every second as it closes.
		const stream = await openSessionStream(run.deps, id, { renderer: jsonRenderer })
		const htmlStream = await openSessionStream(run.deps, id, { renderer: htmlRenderer })
		const [events, htmlEvents] = await Promise.all([
			readSse(new Response(stream), (e) => JSON.parse(e.data).type === 'complete', 30_000),
			readSse(new Response(htmlStream), (e) => e.event === 'complete', 30_000),
		])
		const s = await waitForStatus(run.deps, id, ['COMPLETED', 'FAILED', 'CANCELLED'])
		expect(s.status).toBe('COMPLETED')
		const rows = await messageRows(run.deps, id)
		expect(rows.length).toBe(160)
		const stats = run.mock.stats
		expect(stats.requests).toBe(160)

		const res = await call(run.deps.app, 'GET', `/api/sessions/${id}/timeseries`)
		expect(res.status).toBe(200)
		const ts = res.json.data
		expect(ts.relativeError).toBe(SKETCH_RELATIVE_ERROR)
		expect(ts.bucketSeconds).toBe(1)
		const buckets = ts.buckets as any[]
		// Replies of 10–60 ms, 40 in a row per conversation: more than one second of run.
		expect(buckets.length).toBeGreaterThan(1)
		const sum = (k: string) => buckets.reduce((a, b) => a + b[k], 0)
		expect(sum('completed')).toBe(stats.requests)
		expect(sum('started')).toBe(rows.length)
		expect(sum('dropped')).toBe(0)
		expect(sum('errors')).toBe(rows.filter((m) => !m.success).length)
		expect(sum('errors')).toBe(stats.rateLimited)
		expect(sum('rateLimited')).toBe(stats.rateLimited)
		expect(stats.rateLimited).toBeGreaterThan(0)
		expect(sum('promptTokens')).toBe(stats.served.promptTokens)
		expect(sum('completionTokens')).toBe(stats.served.completionTokens)
		expect(sum('costUsd')).toBeCloseTo(
			rows.reduce((a, m) => a + (m.costUsd ?? 0), 0),
			8,
		)
		expect(Math.max(...buckets.map((b) => b.inFlight))).toBeLessThanOrEqual(4)
		expect(Math.max(...buckets.map((b) => b.inFlight))).toBeGreaterThan(0)

		// Each second's percentiles against the exact ones of the rows received in it.
		for (const b of buckets) {
			const second = Date.parse(b.ts)
			const times = rows
				.filter((m) => Math.floor(m.receivedAt!.getTime() / 1000) * 1000 === second)
				.map((m) => m.responseTimeMs!)
				.sort((x, y) => x - y)
			expect(b.completed).toBe(times.length)
			expect(b.responseTimeMs.count).toBe(times.length)
			if (!times.length) continue
			within(b.responseTimeMs.p50, lowerRank(times, 0.5))
			within(b.responseTimeMs.p95, lowerRank(times, 0.95))
			within(b.responseTimeMs.p99, lowerRank(times, 0.99))
			const ttfts = rows
				.filter((m) => Math.floor(m.receivedAt!.getTime() / 1000) * 1000 === second)
				.flatMap((m) => (m.ttftMs === null ? [] : [m.ttftMs]))
				.sort((x, y) => x - y)
			expect(b.ttftMs.count).toBe(ttfts.length)
			if (ttfts.length) within(b.ttftMs.p95, lowerRank(ttfts, 0.95))
		}

		// The session's own sketch, stored beside its rollup at the end, against all its rows.
		const all = rows.map((m) => m.responseTimeMs!).sort((x, y) => x - y)
		const sketches = s.rollupSketches!
		expect(sketches.relativeError).toBe(SKETCH_RELATIVE_ERROR)
		// Not inside the rollup: its sums are read without them (docs/architecture.md §5).
		expect(s.rollup).not.toHaveProperty('sketches')
		const sk = Sketch.fromBase64(sketches.responseTimeMs)
		expect(sk.count).toBe(160)
		for (const q of [0.5, 0.95, 0.99]) within(sk.quantile(q), lowerRank(all, q))
		const allTtft = rows.flatMap((m) => (m.ttftMs === null ? [] : [m.ttftMs])).sort((x, y) => x - y)
		expect(allTtft.length).toBe(rows.filter((m) => m.success).length)
		const skTtft = Sketch.fromBase64(sketches.ttftMs)
		expect(skTtft.count).toBe(allTtft.length)
		for (const q of [0.5, 0.95, 0.99]) within(skTtft.quantile(q), lowerRank(allTtft, q))

		// The live events carried the same seconds (published once each, after their rows).
		const live = events.map((e) => JSON.parse(e.data)).filter((e) => e.type === 'timeseries')
		expect(live.length).toBeGreaterThan(0)
		const liveCompleted = live.flatMap((e) => e.buckets).reduce((a, b) => a + b.completed, 0)
		expect(liveCompleted).toBe(160)
		// The dashboard's form: the charts of every second so far, rendered.
		const charts = htmlEvents.filter((e) => e.event === 'timeseries')
		expect(charts.length).toBeGreaterThan(0)
		const lastPoints = Number(/data-timeseries-points="(\d+)"/.exec(charts.at(-1)!.data)?.[1])
		expect(lastPoints).toBe(buckets.length)
		expect(charts.at(-1)!.data).toContain('id="ts-rate"')
		// The reference's events are unchanged: still status, messages, complete.
		expect(events.filter((e) => JSON.parse(e.data).type === 'message').length).toBe(320)
	})

	test('GET /api/sessions/:id/timeseries: 404 for an unknown session', async () => {
		const r = await call(run.deps.app, 'GET', '/api/sessions/nope/timeseries')
		expect(r.status).toBe(404)
		expect(r.json).toMatchObject({ success: false, error: 'Session not found' })
	})
})

describe('bounded memory', () => {
	test('3,000 messages over 30 s: only the open seconds are in memory', async () => {
		const deps = run.deps
		const target = await createPresetTarget(deps, 'openai-chat', run.mock.url)
		const [row] = await deps.db
			.insert(sessions)
			.values({ targetId: target.id, executionConfig: unrunSnapshot(), status: 'RUNNING' })
			.returning()
		const id = row!.id
		// The recorder's clock moves 10 ms per message: 3,000 messages span 30 seconds.
		let now = Date.UTC(2026, 0, 1)
		const clock = { ...deps.clock, now: () => new Date(now) }
		const rec = createSessionRecorder(
			{ ...deps, clock },
			{
				sessionId: id,
				workerId: 'w',
				conversationsTotal: 1,
				target: { requestTemplate: {}, pricing: null, presetId: null },
			},
		)
		let most = 0
		const seconds = new Set<number>()
		for (let i = 0; i < 3000; i++) {
			seconds.add(Math.floor(now / 1000))
			seconds.add(Math.floor((now + 5 + (i % 50)) / 1000))
			rec.sending(0, 'hi')
			await rec.record({
				conversationIndex: 0,
				turnIndex: i,
				stepId: null,
				request: 'hi',
				sentAt: new Date(now),
				result: ok('hello', { responseTimeMs: 5 + (i % 50), usage: usage(10) }),
				retries: 0,
				attempts: [],
				totalTimeMs: 5,
			})
			rec.answered(0)
			now += 10
			if (i % 100 === 99) await rec.flush()
			most = Math.max(most, rec.timeseries.size)
		}
		await rec.close()
		// Open: the current second and the one closing (1 s after its end), never the run's 30.
		expect(most).toBeLessThanOrEqual(3)
		expect(rec.timeseries.size).toBe(0)
		const stored = await deps.db
			.select()
			.from(sessionTimeseries)
			.where(eq(sessionTimeseries.sessionId, id))
			.orderBy(asc(sessionTimeseries.ts))
		// One row a second that saw a start or a reply: the 30 seconds and the last replies' 31st.
		expect(stored.length).toBe(seconds.size)
		expect(seconds.size).toBeGreaterThanOrEqual(30)
		expect(stored.reduce((a, b) => a + b.completed, 0)).toBe(3000)
		expect(stored.reduce((a, b) => a + b.started, 0)).toBe(3000)
	})
})
