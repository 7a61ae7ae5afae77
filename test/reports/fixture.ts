import { expect } from 'bun:test'
import { eq } from 'drizzle-orm'
import { targets } from '../../src/db/schema'
import type { SummaryMetrics } from '../../src/execution/summary-metrics'
import type { MockServer } from '../../src/mock/server'
import { call, type TestDeps } from '../helpers/deps'
import { createPresetTarget, createScenario, waitForStatus } from '../helpers/mock-run'

/** A credential hidden in the endpoint's query string: a report must drop it. */
export const QUERY_SECRET = 'query-secret-7f3a9'

/**
 * Runs 3 turns × 4 conversations against the mock (by default `rate-limited:4`, so the target
 * pushes back and retries pass) and returns the session, its summary and what the mock served
 * for it (the mock's counters before and after; sessions in one file run one at a time).
 */
export async function finishedReportSession(
	deps: TestDeps,
	mock: MockServer,
	opts: { persona?: string; name?: string } = {},
) {
	const before = { ...mock.stats.served }
	const persona = opts.persona ?? 'rate-limited:4'
	const target = await createPresetTarget(
		deps,
		'openai-chat',
		`${mock.url}/persona/${persona}?api_key=${QUERY_SECRET}`,
		{ name: opts.name ?? `Bot <${persona}>` },
	)
	const scenario = await createScenario(deps, {
		name: 'Pricing chat',
		flowConfig: [
			{ id: 'a', type: 'message', config: { message: 'Hello' } },
			{ id: 'b', type: 'message', config: { message: 'What does it cost?' } },
			{ id: 'c', type: 'message', config: { message: 'And per year?' } },
		],
		repetitions: 4,
		concurrency: 2,
	})
	const r = await call(deps.app, 'POST', '/api/execute', {
		targetId: target.id,
		scenarioId: scenario.id,
	})
	expect(r.status).toBe(202)
	const id = r.json.data.sessionId as string
	const row = await waitForStatus(deps, id, ['COMPLETED', 'FAILED'])
	expect(row.status).toBe('COMPLETED')
	const after = mock.stats.served
	return {
		id,
		summary: row.summaryMetrics as SummaryMetrics,
		served: {
			replies: after.replies - before.replies,
			promptTokens: after.promptTokens - before.promptTokens,
			completionTokens: after.completionTokens - before.completionTokens,
		},
	}
}

/** Three prices for the same mock model: the second target is the cheapest. */
export const BATCH_PRICES = [
	{ inputPerMTok: 2, outputPerMTok: 8 },
	{ inputPerMTok: 0.5, outputPerMTok: 1.5 },
	{ inputPerMTok: 5, outputPerMTok: 15 },
]

/**
 * A finished batch over one priced target per `names` entry (prices from BATCH_PRICES, endpoints
 * with QUERY_SECRET), 2 turns × 3 conversations each, and what the mock served for it.
 */
export async function finishedBatch(
	deps: TestDeps,
	mock: MockServer,
	names = ['Mid <bot>', 'Budget bot', 'Premium bot'],
) {
	const before = { ...mock.stats.served }
	const targetIds: string[] = []
	for (const [i, name] of names.entries()) {
		const t = await createPresetTarget(deps, 'openai-chat', `${mock.url}?api_key=${QUERY_SECRET}`, {
			name,
		})
		await deps.db
			.update(targets)
			.set({ pricing: BATCH_PRICES[i % BATCH_PRICES.length] })
			.where(eq(targets.id, t.id))
		targetIds.push(t.id)
	}
	const scenario = await createScenario(deps, {
		name: 'Batch <talk>',
		flowConfig: [
			{ id: 'a', type: 'message', config: { message: 'Hello there' } },
			{ id: 'b', type: 'message', config: { message: 'What does it cost?' } },
		],
		repetitions: 3,
		concurrency: 1,
	})
	const r = await call(deps.app, 'POST', '/api/batches', { scenarioId: scenario.id, targetIds })
	expect(r.status).toBe(202)
	const { batchId, sessionIds } = r.json.data as { batchId: string; sessionIds: string[] }
	for (const id of sessionIds)
		expect((await waitForStatus(deps, id, ['COMPLETED', 'FAILED'])).status).toBe('COMPLETED')
	const after = mock.stats.served
	return {
		batchId,
		sessionIds,
		served: {
			replies: after.replies - before.replies,
			promptTokens: after.promptTokens - before.promptTokens,
			completionTokens: after.completionTokens - before.completionTokens,
		},
	}
}
