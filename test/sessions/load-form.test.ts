import { describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { sessions, sessionShards } from '../../src/db/schema'
import { call, form } from '../helpers/deps'
import { createPresetTarget, messageRows, useMockRun, waitForStatus } from '../helpers/mock-run'

// The Execute form's load model (no JavaScript) and the estimate before a run.
const run = useMockRun()

const sessionOf = async (id: string) =>
	(await run.deps.db.select().from(sessions).where(eq(sessions.id, id)))[0]

describe('Execute form: load model and estimate', () => {
	test('the form offers the load models; a plain form post of "rate for a duration" runs it', async () => {
		const target = await createPresetTarget(run.deps, 'openai-chat', run.mock.url)
		const page = await call(run.deps.app, 'GET', '/sessions/new')
		expect(page.status).toBe(200)
		for (const v of ['value=""', 'value="closed"', 'value="arrival"', 'value="stages"'])
			expect(page.text).toContain(v)
		expect(page.text).toContain('name="executionConfig.load.rate:number"')
		expect(page.text).toContain('name="executionConfig.load.stages[0].durationSec:number"')
		expect(page.text).toContain('formaction="/api/execute/estimate"')

		run.mock.resetStats()
		const r = await form(run.deps.app, '/api/execute', [
			['targetId', target.id],
			['scenarioId', ''],
			['executionConfig.customMessages', 'Hello'],
			['executionConfig.repetitions:number', ''],
			['executionConfig.load.type', 'arrival'],
			['executionConfig.load.durationSec:number', '1'],
			['executionConfig.load.rate:number', '4'],
			['executionConfig.load.maxInFlight:number', '10'],
			['executionConfig.load.distribution', ''],
			['executionConfig.load.stages[0].durationSec:number', ''],
			['executionConfig.load.stages[0].rate:number', ''],
		])
		expect(r.status).toBe(303)
		const id = r.headers.get('location')!.split('/').pop()!
		await waitForStatus(run.deps, id, ['COMPLETED'])
		const s = await sessionOf(id)
		expect(s.executionConfig.load).toEqual({
			type: 'arrival',
			rate: 4,
			durationSec: 1,
			maxInFlight: 10,
			distribution: 'constant',
		})
		expect((await messageRows(run.deps, id)).length).toBe(4)
		expect(run.mock.stats.requests).toBe(4)
		// Its page shows the load model and the latency from the schedule.
		const detail = await call(run.deps.app, 'GET', `/sessions/${id}`)
		expect(detail.text).toContain('id="summary-load"')
		expect(detail.text).toContain('arrival 4/s · 1 s')
		expect(detail.text).toContain('4 started · 0 dropped')
		expect(detail.text).toContain('id="summary-scheduled-latency"')
	})

	test('"fixed count" with blank load fields sends no load model (behaves as before)', async () => {
		const target = await createPresetTarget(run.deps, 'openai-chat', run.mock.url)
		const r = await form(run.deps.app, '/api/execute', [
			['targetId', target.id],
			['executionConfig.customMessages', 'Hello'],
			['executionConfig.repetitions:number', '2'],
			['executionConfig.load.type', ''],
			['executionConfig.load.durationSec:number', ''],
			['executionConfig.load.rate:number', ''],
		])
		expect(r.status).toBe(303)
		const id = r.headers.get('location')!.split('/').pop()!
		await waitForStatus(run.deps, id, ['COMPLETED'])
		const s = await sessionOf(id)
		expect(s.executionConfig.load).toBeUndefined()
		expect(s.conversationsCompleted).toBe(2)
		expect(s.summaryMetrics!.load).toBeNull()
	})

	test('the estimate: requests from the load model, dollars from the price, then from history', async () => {
		const target = await createPresetTarget(run.deps, 'openai-chat', run.mock.url)
		const body = {
			targetId: target.id,
			executionConfig: {
				customMessages: ['Hello'],
				load: { type: 'arrival', rate: 20, durationSec: 10, maxInFlight: 100 },
			},
		}
		const e = await call(run.deps.app, 'POST', '/api/execute/estimate', body)
		expect(e.status).toBe(200)
		// gpt-4o at $2.5 / $10 per MTok: (10 prompt tokens × 2.5 + 256 reply tokens × 10) ÷ 1e6.
		expect(e.json.data).toEqual({
			loadType: 'arrival',
			durationSec: 10,
			conversations: 200,
			messagesPerConversation: 1,
			messages: 200,
			costPerMessageUsd: 0.002585,
			costBasis: 'price',
			estimatedCostUsd: 0.517,
		})
		// Nothing was created or sent.
		const all = await run.deps.db.select().from(sessions).where(eq(sessions.targetId, target.id))
		expect(all.length).toBe(0)

		// After a run, the target's own recorded cost per message is the basis.
		run.mock.resetStats()
		const x = await call(run.deps.app, 'POST', '/api/execute', {
			targetId: target.id,
			executionConfig: { customMessages: ['Hello'], repetitions: 3 },
		})
		await waitForStatus(run.deps, x.json.data.sessionId, ['COMPLETED'])
		const rows = await messageRows(run.deps, x.json.data.sessionId)
		expect(rows.length).toBe(run.mock.stats.served.replies)
		const avg = rows.reduce((n, r) => n + r.costUsd!, 0) / rows.length
		const h = await call(run.deps.app, 'POST', '/api/execute/estimate', body)
		expect(h.json.data.costBasis).toBe('history')
		expect(h.json.data.costPerMessageUsd).toBeCloseTo(avg, 9)
		expect(h.json.data.estimatedCostUsd).toBeCloseTo(avg * 200, 6)

		// As htmx asks (the form's Estimate button): a fragment; a plain form post: a page.
		const fields: [string, string][] = [
			['targetId', target.id],
			['executionConfig.customMessages', 'Hello'],
			['executionConfig.load.type', 'stages'],
			['executionConfig.load.stages[0].durationSec:number', '10'],
			['executionConfig.load.stages[0].rate:number', '4'],
		]
		const frag = await form(run.deps.app, '/api/execute/estimate', fields, { htmx: true })
		expect(frag.status).toBe(200)
		expect(frag.text).toContain('id="execute-estimate"')
		expect(frag.text).toContain('20 requests (20 conversations × 1 messages)')
		expect(frag.text).not.toContain('<html')
		const full = await form(run.deps.app, '/api/execute/estimate', fields)
		expect(full.status).toBe(200)
		expect(full.text).toContain('<html')
		expect(full.text).toContain('20 requests')
	})

	test('a time-bound run has no request count; bad load fields get 400 details, nothing runs', async () => {
		const target = await createPresetTarget(run.deps, 'openai-chat', run.mock.url)
		const e = await call(run.deps.app, 'POST', '/api/execute/estimate', {
			targetId: target.id,
			executionConfig: { customMessages: ['Hi'], load: { type: 'closed', durationSec: 60 } },
		})
		expect(e.json.data.conversations).toBeNull()
		expect(e.json.data.messages).toBeNull()
		// 'Hi': 9 prompt tokens × 2.5 + 256 × 10, per million.
		expect(e.json.data.costPerMessageUsd).toBe(0.0025825)
		const bad = await form(
			run.deps.app,
			'/api/execute',
			[
				['targetId', target.id],
				['executionConfig.customMessages', 'Hi'],
				['executionConfig.load.type', 'closed'],
				['executionConfig.load.rate:number', '5'],
			],
			{ htmx: true },
		)
		expect(bad.status).toBe(400)
		expect(bad.text).toContain('is not used by a closed load model')
		const est = await call(run.deps.app, 'POST', '/api/execute/estimate', {
			targetId: target.id,
			executionConfig: { customMessages: ['Hi'], load: { type: 'arrival', rate: 5 } },
		})
		expect(est.status).toBe(400)
		expect(est.json.details.map((d: { path: string[] }) => d.path.at(-1)).sort()).toEqual([
			'durationSec',
			'maxInFlight',
		])
		const all = await run.deps.db.select().from(sessions).where(eq(sessions.targetId, target.id))
		expect(all.length).toBe(0)
	})

	test('workers: the form field splits the run (one shard embedded), bad values get messages, nothing runs', async () => {
		const target = await createPresetTarget(run.deps, 'openai-chat', run.mock.url)
		const page = await call(run.deps.app, 'GET', '/sessions/new')
		expect(page.text).toContain('name="executionConfig.load.workers:json"')
		// "Fixed count" with a workers count: the closed model, repetitions × concurrency, in shards.
		run.mock.resetStats()
		const r = await form(run.deps.app, '/api/execute', [
			['targetId', target.id],
			['executionConfig.customMessages', 'Hello'],
			['executionConfig.repetitions:number', '4'],
			['executionConfig.concurrency:number', '2'],
			['executionConfig.load.type', ''],
			['executionConfig.load.durationSec:number', ''],
			['executionConfig.load.workers:json', '2'],
		])
		expect(r.status).toBe(303)
		const id = r.headers.get('location')!.split('/').pop()!
		const done = await waitForStatus(run.deps, id, ['COMPLETED', 'FAILED', 'CANCELLED'])
		expect(done.status).toBe('COMPLETED')
		const s = await sessionOf(id)
		expect(s.executionConfig.load).toEqual({ type: 'closed', workers: 2 })
		expect((await messageRows(run.deps, id)).length).toBe(4)
		expect(run.mock.stats.requests).toBe(4)
		const shards = await run.deps.db
			.select()
			.from(sessionShards)
			.where(eq(sessionShards.sessionId, id))
		// Embedded, the run is one shard (no shard rows); on BullMQ, two shards of 2 messages each.
		expect(shards.map((x) => x.messagesCompleted)).toEqual(
			run.deps.queue.kind === 'memory' ? [] : [2, 2],
		)
		// "auto" with a rate: frozen as asked.
		const auto = await form(run.deps.app, '/api/execute', [
			['targetId', target.id],
			['executionConfig.customMessages', 'Hello'],
			['executionConfig.load.type', 'arrival'],
			['executionConfig.load.durationSec:number', '0.5'],
			['executionConfig.load.rate:number', '4'],
			['executionConfig.load.maxInFlight:number', '4'],
			['executionConfig.load.workers:json', 'auto'],
		])
		expect(auto.status).toBe(303)
		const autoId = auto.headers.get('location')!.split('/').pop()!
		await waitForStatus(run.deps, autoId, ['COMPLETED'])
		expect((await sessionOf(autoId)).executionConfig.load?.workers).toBe('auto')

		const before = (await run.deps.db.select().from(sessions)).length
		run.mock.resetStats()
		for (const [workers, message] of [
			['65', 'Expected integer to be less or equal to 64'],
			['many', 'Expected integer | &quot;auto&quot;'],
			['2.5', 'Expected integer'],
			['3', '3 shards would leave some with nothing to run: at most 2'],
		]) {
			const bad = await form(
				run.deps.app,
				'/api/execute',
				[
					['targetId', target.id],
					['executionConfig.customMessages', 'Hi'],
					['executionConfig.repetitions:number', '4'],
					['executionConfig.concurrency:number', '2'],
					['executionConfig.load.type', ''],
					['executionConfig.load.workers:json', workers],
				],
				{ htmx: true },
			)
			expect(bad.status).toBe(400)
			expect(bad.text).toContain('executionConfig.load.workers')
			expect(bad.text).toContain(message)
		}
		// A JSON body names its type: workers without one is refused as before.
		const json = await call(run.deps.app, 'POST', '/api/execute', {
			targetId: target.id,
			executionConfig: { customMessages: ['Hi'], load: { workers: 2 } },
		})
		expect(json.status).toBe(400)
		expect(JSON.stringify(json.json.details)).toContain('type')
		expect((await run.deps.db.select().from(sessions)).length).toBe(before)
		expect(run.mock.stats.requests).toBe(0)
	})
})
