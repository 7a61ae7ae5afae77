import { describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { batches, sessions, targets } from '../../src/db/schema'
import { call, form } from '../helpers/deps'
import {
	createPresetTarget,
	createScenario,
	messageRows,
	useMockRun,
	waitForStatus,
} from '../helpers/mock-run'

const run = useMockRun()
const REPETITIONS = 3
const TURNS = 2
/** Three prices for the same mock model: the second target is the cheapest. */
const PRICES = [
	{ inputPerMTok: 2, outputPerMTok: 8 },
	{ inputPerMTok: 0.5, outputPerMTok: 1.5 },
	{ inputPerMTok: 5, outputPerMTok: 15 },
]

async function pricedTarget(
	name: string,
	pricing: { inputPerMTok: number; outputPerMTok: number },
) {
	const t = await createPresetTarget(run.deps, 'openai-chat', run.mock.url, { name })
	await run.deps.db.update(targets).set({ pricing }).where(eq(targets.id, t.id))
	return t
}

const counts = async () => ({
	batches: (await run.deps.db.select().from(batches)).length,
	sessions: (await run.deps.db.select().from(sessions)).length,
})

let scenarioId = ''
async function scenario() {
	if (scenarioId) return scenarioId
	const s = await createScenario(run.deps, {
		name: 'Pricing talk',
		flowConfig: [
			{ id: 'a', type: 'message', config: { message: 'Hello there' } },
			{ id: 'b', type: 'message', config: { message: 'What does it cost?' } },
		],
		repetitions: REPETITIONS,
		concurrency: 1,
	})
	return (scenarioId = s.id)
}

describe('POST /api/batches', () => {
	test('three targets: three sessions, every request recorded, compared, cheapest from pricing', async () => {
		const ts = [
			await pricedTarget('mid', PRICES[0]!),
			await pricedTarget('budget', PRICES[1]!),
			await pricedTarget('premium', PRICES[2]!),
		]
		run.mock.resetStats()
		const r = await call(run.deps.app, 'POST', '/api/batches', {
			scenarioId: await scenario(),
			targetIds: ts.map((t) => t.id),
		})
		expect(r.status).toBe(202)
		const { batchId, sessionIds } = r.json.data
		expect(sessionIds).toHaveLength(3)
		// Each an ordinary session carrying the batch id.
		for (const id of sessionIds) {
			expect((await waitForStatus(run.deps, id, ['COMPLETED', 'FAILED'])).status).toBe('COMPLETED')
		}
		const rows = await Promise.all((sessionIds as string[]).map((id) => messageRows(run.deps, id)))
		const recorded = rows.reduce((n, r) => n + r.length, 0)
		expect(recorded).toBe(3 * REPETITIONS * TURNS)
		expect(run.mock.stats.requests).toBe(recorded)
		// Tokens recorded are the tokens the mock reported.
		const prompt = rows.flat().reduce((n, m) => n + (m.promptTokens ?? 0), 0)
		const output = rows.flat().reduce((n, m) => n + (m.completionTokens ?? 0), 0)
		expect(prompt).toBe(run.mock.stats.reportedUsage.promptTokens)
		expect(output).toBe(run.mock.stats.reportedUsage.outputTokens)

		const b = await call(run.deps.app, 'GET', `/api/batches/${batchId}`)
		expect(b.status).toBe(200)
		const batch = b.json.data
		expect(batch.status).toBe('COMPLETED')
		expect(batch.sessions.map((s: any) => s.id)).toEqual(sessionIds)
		expect(batch.sessions.map((s: any) => s.targetName)).toEqual(['mid', 'budget', 'premium'])
		const c = batch.comparison
		expect(c.sessions.map((s: any) => s.id)).toEqual(sessionIds)
		// Cost per conversation of each, recomputed from its rows and its target's price.
		const expected = rows.map((msgs, i) => {
			const p = PRICES[i]!
			const cost = msgs.reduce(
				(n, m) =>
					n +
					((m.promptTokens ?? 0) * p.inputPerMTok + (m.completionTokens ?? 0) * p.outputPerMTok) /
						1e6,
				0,
			)
			return cost / REPETITIONS
		})
		const row = c.rows.find((x: any) => x.metric === 'cost-per-conversation')
		row.values.forEach((v: number, i: number) => expect(v).toBeCloseTo(expected[i]!, 9))
		for (const m of ['messages', 'p95', 'tokens', 'cost']) {
			const x = c.rows.find((y: any) => y.metric === m)
			expect(x.values).toHaveLength(3)
			expect(x.values.every((v: unknown) => typeof v === 'number')).toBe(true)
		}
		expect(c.rows.find((x: any) => x.metric === 'messages').values).toEqual([6, 6, 6])
		const min = expected.indexOf(Math.min(...expected))
		expect(min).toBe(1)
		expect(batch.cheapest).toEqual({
			sessionId: sessionIds[1],
			targetId: ts[1]!.id,
			targetName: 'budget',
			costPerConversationUsd: row.values[1],
		})

		const list = await call(run.deps.app, 'GET', '/api/batches')
		expect(list.status).toBe(200)
		const item = list.json.data.find((x: any) => x.id === batchId)
		expect(item).toMatchObject({
			status: 'COMPLETED',
			sessionIds,
			scenario: { name: 'Pricing talk' },
		})

		const page = await call(run.deps.app, 'GET', `/batches/${batchId}`, undefined, {
			accept: 'text/html',
		})
		expect(page.status).toBe(200)
		expect(page.text).toContain('id="batch-cheapest"')
		expect(page.text).toContain('budget')
		expect(page.text).toContain('id="compare-table"')
	}, 60_000)

	test('bad input: 4xx in the error envelope, nothing created', async () => {
		const [a, b] = [await pricedTarget('a', PRICES[0]!), await pricedTarget('b', PRICES[1]!)]
		const inactive = await createPresetTarget(run.deps, 'openai-chat', run.mock.url, {
			name: 'off',
			isActive: false,
		})
		const sid = await scenario()
		const before = await counts()
		const cases: [unknown, number][] = [
			[{ scenarioId: sid, targetIds: [a.id] }, 400],
			[{ scenarioId: sid, targetIds: Array.from({ length: 21 }, (_, i) => `t${i}`) }, 400],
			[{ scenarioId: sid, targetIds: [a.id, a.id] }, 400],
			[{ scenarioId: sid, targetIds: [a.id, b.id, 'nope'] }, 404],
			[{ scenarioId: 'nope', targetIds: [a.id, b.id] }, 404],
			[{ scenarioId: sid, targetIds: [a.id, inactive.id] }, 400],
			[{ targetIds: [a.id, b.id] }, 400],
			[{ scenarioId: sid, targetIds: [a.id, b.id], extra: 1 }, 400],
			[{ scenarioId: sid, targetIds: [a.id, b.id], executionConfig: { repetitions: 0 } }, 400],
		]
		for (const [body, status] of cases) {
			const r = await call(run.deps.app, 'POST', '/api/batches', body)
			expect([JSON.stringify(body), r.status]).toEqual([JSON.stringify(body), status])
			expect(r.json.success).toBe(false)
			expect(typeof r.json.error).toBe('string')
		}
		const dup = await call(run.deps.app, 'POST', '/api/batches', {
			scenarioId: sid,
			targetIds: [a.id, b.id, a.id],
		})
		expect(dup.json.details[0].path).toEqual(['targetIds', 2])
		expect(await counts()).toEqual(before)
		expect((await call(run.deps.app, 'GET', '/api/batches/nope')).status).toBe(404)
		expect((await call(run.deps.app, 'GET', '/api/batches?limit=0')).status).toBe(400)
	})

	test('the scenario page form posts a batch and lands on its page', async () => {
		const [a, b] = [await pricedTarget('fa', PRICES[0]!), await pricedTarget('fb', PRICES[1]!)]
		const sid = await scenario()
		const page = await call(run.deps.app, 'GET', `/scenarios/${sid}`, undefined, {
			accept: 'text/html',
		})
		expect(page.text).toContain('id="batch-form"')
		const r = await form(run.deps.app, '/api/batches', [
			['scenarioId', sid],
			['targetIds[]', a.id],
			['targetIds[]', b.id],
		])
		expect(r.status).toBe(303)
		const loc = r.headers.get('location')!
		expect(loc).toMatch(/^\/batches\/[a-z0-9]+$/)
		const id = loc.split('/').pop()!
		const got = await call(run.deps.app, 'GET', `/api/batches/${id}`)
		expect(got.json.data.targetIds).toEqual([a.id, b.id])
		for (const s of got.json.data.sessions)
			await waitForStatus(run.deps, s.id, ['COMPLETED', 'FAILED'])
	})
})
