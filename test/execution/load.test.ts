import { describe, expect, test } from 'bun:test'
import { count, eq } from 'drizzle-orm'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { sessions } from '../../src/db/schema'
import { call } from '../helpers/deps'
import {
	createPresetTarget,
	messageRows,
	startOnPersona,
	useMockRun,
	waitForStatus,
} from '../helpers/mock-run'

// Load models against the mock (docs/architecture.md §4, §5): every figure is checked against the
// rows and the mock's own counts.
const run = useMockRun({ env: { KRAWALL_MAX_LOAD_DURATION_SEC: '60' } })

async function execute(persona: string, executionConfig: Record<string, unknown>) {
	const id = await startOnPersona(run, persona, executionConfig)
	const s = await waitForStatus(run.deps, id, ['COMPLETED', 'FAILED'], 20_000)
	expect(s.status).toBe('COMPLETED')
	return { session: s, rows: await messageRows(run.deps, s.id), summary: s.summaryMetrics! }
}

const t = (d: Date | null) => d!.getTime()

describe('load models', () => {
	test('arrival 20/s for 10 s: 200 conversations, scheduled 50 ms apart, none dropped', async () => {
		const { session, rows, summary } = await execute('slow:50', {
			load: { type: 'arrival', rate: 20, durationSec: 10, maxInFlight: 100 },
		})
		expect(rows.length).toBe(200)
		expect(run.mock.stats.requests).toBe(200)
		expect(run.mock.stats.served.replies).toBe(200)
		const due = rows.map((r) => t(r.scheduledAt)).sort((a, b) => a - b)
		const gaps = due.slice(1).map((d, i) => d - due[i])
		// Offsets from the start (k × 50 ms), stored at ms precision: never drifting.
		expect(gaps.every((g) => g >= 49 && g <= 51)).toBe(true)
		expect(due[199] - due[0]).toBeGreaterThanOrEqual(9949)
		expect(due[199] - due[0]).toBeLessThanOrEqual(9951)
		// Each conversation's first message is due at its scheduled start and sent then.
		expect(new Set(rows.map((r) => r.conversationIndex)).size).toBe(200)
		expect(summary.droppedConversations).toBe(0)
		expect(summary.load?.startedConversations).toBe(200)
		expect(summary.load?.model.type).toBe('arrival')
		expect(summary.scheduledLatency?.samples).toBe(200)
		expect(summary.startLag?.samples).toBe(200)
		// The export carries the scheduled times as recorded.
		const ex = await call(
			run.deps.app,
			'GET',
			`/api/metrics/export?sessionId=${session.id}&format=json`,
		)
		const exported = ex.json.data.messages.map((m: { scheduledAt: string }) =>
			Date.parse(m.scheduledAt),
		)
		expect(exported.sort((a: number, b: number) => a - b)).toEqual(due)
		expect(session.conversationsTotal).toBe(200)
		expect(session.conversationsCompleted).toBe(200)
	}, 20_000)

	test('maxInFlight below what the rate needs: the shortfall is dropped and counted', async () => {
		// 20/s of 300 ms conversations needs 6 in flight; 2 are allowed.
		const { session, rows, summary } = await execute('slow:300', {
			load: { type: 'arrival', rate: 20, durationSec: 3, maxInFlight: 2 },
		})
		const started = rows.length
		expect(run.mock.stats.requests).toBe(started)
		expect(run.mock.stats.maxInFlight).toBeLessThanOrEqual(2)
		expect(summary.droppedConversations).toBeGreaterThan(0)
		// Started + dropped = planned (60 due starts), exactly.
		expect(started + summary.droppedConversations!).toBe(60)
		expect(summary.load?.startedConversations).toBe(started)
		expect(session.droppedConversations).toBe(summary.droppedConversations!)
		// Never delayed: a scheduler that queued the shortfall would start the last ones about 2 s
		// late (60 due, 20 served in 3 s); dropped, the starts that happen go out on time.
		expect(summary.startLag!.p99Ms).toBeLessThan(1000)
	}, 20_000)

	test('a 2 s stall: hidden in a closed run, shown by the open model in scheduled-time latency', async () => {
		// Closed, one lane: the loop sends nothing while the target stalls (coordinated omission),
		// so the stall is one sample among many and the percentiles do not see it.
		const closed = await execute('slow:50,stall:2000@10', {
			concurrency: 1,
			load: { type: 'closed', durationSec: 3.5 },
		})
		const closedSlow = closed.rows.filter((r) => r.responseTimeMs! >= 1500)
		expect(closedSlow.length).toBe(1)
		expect(closed.summary.totalTime!.p95Ms).toBeLessThan(1000)
		expect(closed.summary.scheduledLatency!.p95Ms).toBeLessThan(1000)
		expect(closed.summary.totalTime!.maxMs).toBeGreaterThanOrEqual(1900)
		expect(run.mock.stats.requests).toBe(closed.rows.length)

		// Open, 20/s: conversations keep arriving during the stall and wait it out; their latency
		// from the scheduled time carries it into the percentiles.
		const open = await execute('slow:50,stall:2000@10', {
			load: { type: 'arrival', rate: 20, durationSec: 4, maxInFlight: 200 },
		})
		expect(open.rows.length).toBe(80)
		expect(run.mock.stats.requests).toBe(80)
		const held = open.rows.filter((r) => t(r.receivedAt) - t(r.scheduledAt) >= 1000)
		expect(held.length).toBeGreaterThanOrEqual(20)
		expect(open.summary.scheduledLatency!.p95Ms).toBeGreaterThanOrEqual(1000)
		expect(open.summary.scheduledLatency!.maxMs).toBeGreaterThanOrEqual(1900)
		// Starts were on time: the latency is the target's, not the generator's.
		expect(open.summary.startLag!.p99Ms).toBeLessThan(1000)
		expect(open.summary.droppedConversations).toBe(0)
	}, 20_000)

	test('closed with durationSec keeps starting conversations until the time is up', async () => {
		const { session, rows, summary } = await execute('slow:50', {
			concurrency: 2,
			repetitions: 1,
			load: { type: 'closed', durationSec: 1.5 },
		})
		expect(rows.length).toBeGreaterThan(10)
		expect(run.mock.stats.requests).toBe(rows.length)
		expect(run.mock.stats.maxInFlight).toBeLessThanOrEqual(2)
		const due = rows.map((r) => t(r.scheduledAt))
		// No conversation was taken after the duration (due times count from the run's start).
		expect(Math.max(...due) - Math.min(...due)).toBeLessThan(1500)
		expect(summary.load?.startedConversations).toBe(rows.length)
		expect(session.conversationsCompleted).toBe(rows.length)
	}, 20_000)

	test('rate stages ramp linearly; concurrency stages cap what is in flight', async () => {
		// 0 → 10/s over 1 s (5 starts), then 10/s for 1 s (10 starts).
		const rate = await execute('slow:20', {
			load: {
				type: 'stages',
				stages: [
					{ durationSec: 1, rate: 10 },
					{ durationSec: 1, rate: 10 },
				],
			},
		})
		expect(rate.rows.length).toBe(15)
		expect(run.mock.stats.requests).toBe(15)
		const first = Math.min(...rate.rows.map((r) => t(r.scheduledAt)))
		expect(rate.rows.filter((r) => t(r.scheduledAt) - first < 1000).length).toBe(5)

		const conc = await execute('slow:50', {
			load: {
				type: 'stages',
				stages: [
					{ durationSec: 0.5, concurrency: 3 },
					{ durationSec: 1, concurrency: 3 },
				],
			},
		})
		expect(run.mock.stats.maxInFlight).toBe(3)
		expect(run.mock.stats.requests).toBe(conc.rows.length)
		expect(conc.rows.length).toBeGreaterThan(20)
	}, 20_000)

	test('bad load models are refused with 400 details and create nothing', async () => {
		const target = await createPresetTarget(run.deps, 'openai-chat', run.mock.url)
		const [{ n: before }] = await run.deps.db.select({ n: count() }).from(sessions)
		const bad: [Record<string, unknown>, (string | number)[], string][] = [
			[{ type: 'arrival', rate: -1, durationSec: 5, maxInFlight: 10 }, ['rate'], 'too_small'],
			[{ type: 'arrival', rate: 5, durationSec: 5 }, ['maxInFlight'], 'invalid_type'],
			[{ type: 'stages', stages: [{ rate: 5 }] }, ['stages', 0, 'durationSec'], 'invalid_type'],
			[{ type: 'arrival', rate: 5, durationSec: 61, maxInFlight: 10 }, ['durationSec'], 'too_big'],
			[
				{
					type: 'stages',
					stages: [
						{ durationSec: 40, rate: 1 },
						{ durationSec: 40, rate: 1 },
					],
				},
				['stages'],
				'too_big',
			],
			[{ type: 'closed', rate: 5 }, ['rate'], 'unrecognized_keys'],
			[
				{ type: 'arrival', rate: 5, durationSec: 5, maxInFlight: 10, burst: 1 },
				['burst'],
				'unrecognized_keys',
			],
			[
				{ type: 'arrival', rate: 5, durationSec: 5, maxInFlight: 10_001 },
				['maxInFlight'],
				'too_big',
			],
			[
				{
					type: 'stages',
					stages: [
						{ durationSec: 1, rate: 1 },
						{ durationSec: 1, concurrency: 2 },
					],
				},
				['stages'],
				'custom',
			],
			[{ type: 'open' }, ['type'], 'invalid_enum_value'],
		]
		for (const [load, path, code] of bad) {
			const r = await call(run.deps.app, 'POST', '/api/execute', {
				targetId: target.id,
				executionConfig: { customMessages: ['Hi'], load },
			})
			expect(r.status).toBe(400)
			expect(r.json.success).toBe(false)
			expect(r.json.error).toBe('Validation error')
			const d = r.json.details.find(
				(x: { path: unknown[] }) =>
					JSON.stringify(x.path) === JSON.stringify(['executionConfig', 'load', ...path]),
			)
			expect({ load, detail: d?.code }).toEqual({ load, detail: code })
		}
		// The reference's concurrency limit is unchanged beside a load model.
		const c = await call(run.deps.app, 'POST', '/api/execute', {
			targetId: target.id,
			executionConfig: { customMessages: ['Hi'], concurrency: 11, load: { type: 'closed' } },
		})
		expect(c.status).toBe(400)
		const [{ n: after }] = await run.deps.db.select({ n: count() }).from(sessions)
		expect(after).toBe(before)
		// 10,000 in flight is accepted.
		const ok = await call(run.deps.app, 'POST', '/api/execute', {
			targetId: target.id,
			executionConfig: {
				customMessages: ['Hi'],
				load: { type: 'arrival', rate: 2, durationSec: 1, maxInFlight: 10_000 },
			},
		})
		expect(ok.status).toBe(202)
		const s = await waitForStatus(run.deps, ok.json.data.sessionId, ['COMPLETED'])
		const [row] = await run.deps.db.select().from(sessions).where(eq(sessions.id, s.id))
		expect(row.executionConfig.load).toEqual({
			type: 'arrival',
			rate: 2,
			durationSec: 1,
			maxInFlight: 10_000,
			distribution: 'constant',
		})
		expect(row.conversationsCompleted).toBe(2)
	})

	test("the README's load model body runs as written", async () => {
		const readme = readFileSync(join(import.meta.dir, '../../README.md'), 'utf8')
		const at = readme.indexOf('<!-- body: POST /api/execute (load) -->')
		expect(at).toBeGreaterThan(0)
		const body = JSON.parse(/```json\n([\s\S]*?)\n```/.exec(readme.slice(at))![1])
		const target = await createPresetTarget(run.deps, 'openai-chat', run.mock.url)
		body.targetId = target.id
		run.mock.resetStats()
		const r = await call(run.deps.app, 'POST', '/api/execute', body)
		expect(r.status).toBe(202)
		const s = await waitForStatus(run.deps, r.json.data.sessionId, ['COMPLETED'])
		expect(s.executionConfig.load).toMatchObject(body.executionConfig.load)
		expect(run.mock.stats.requests).toBe(2)
		expect(s.summaryMetrics!.load?.startedConversations).toBe(2)
	})

	test('an open model stops on a budget and on cancel like the closed one', async () => {
		const target = await createPresetTarget(
			run.deps,
			'openai-chat',
			`${run.mock.url}/persona/slow:50`,
		)
		run.mock.resetStats()
		// About 25 tokens a message: a 100-token budget stops new starts after the 4th reply.
		const b = await call(run.deps.app, 'POST', '/api/execute', {
			targetId: target.id,
			executionConfig: {
				customMessages: ['Hello'],
				maxTokens: 100,
				gracefulStopMs: 2000,
				load: { type: 'arrival', rate: 20, durationSec: 30, maxInFlight: 50 },
			},
		})
		const budget = await waitForStatus(run.deps, b.json.data.sessionId, ['COMPLETED', 'FAILED'])
		expect(budget.status).toBe('COMPLETED')
		expect(budget.summaryMetrics!.stopReason).toMatch(/^Token budget reached/)
		const rows = await messageRows(run.deps, budget.id)
		expect(rows.length).toBe(run.mock.stats.served.replies)
		expect(run.mock.stats.requests).toBe(rows.length)
		expect(rows.length).toBeLessThan(12)
		expect(budget.summaryMetrics!.load?.startedConversations).toBe(rows.length)

		run.mock.resetStats()
		const c = await call(run.deps.app, 'POST', '/api/execute', {
			targetId: target.id,
			executionConfig: {
				customMessages: ['Hello'],
				load: { type: 'arrival', rate: 20, durationSec: 30, maxInFlight: 50 },
			},
		})
		const id = c.json.data.sessionId
		await waitForStatus(run.deps, id, ['RUNNING'])
		await Bun.sleep(500)
		expect((await call(run.deps.app, 'POST', `/api/sessions/${id}/cancel`)).status).toBe(200)
		const cancelled = await waitForStatus(run.deps, id, ['CANCELLED'], 5000)
		const sent = run.mock.stats.requests
		expect(sent).toBeGreaterThan(0)
		expect(sent).toBeLessThan(40)
		await Bun.sleep(200)
		// Nothing starts after the cancel.
		expect(run.mock.stats.requests).toBe(sent)
		expect((await messageRows(run.deps, id)).length).toBe(sent)
		// Long before the 30 s the model asked for.
		expect(cancelled.completedAt!.getTime() - cancelled.startedAt!.getTime()).toBeLessThan(10_000)
	}, 20_000)
})
