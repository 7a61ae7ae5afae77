import { expect, test } from 'bun:test'
import { eq, sql } from 'drizzle-orm'
import { sessionMessages } from '../../src/db/schema'
import { call } from '../helpers/deps'
import { createPresetTarget, useMockRun, waitFor, waitForStatus } from '../helpers/mock-run'

const run = useMockRun()

const heap = () => {
	Bun.gc(true)
	return process.memoryUsage().heapUsed
}

test('1000 repetitions at concurrency 10: every message recorded, at most 10 in flight, memory not proportional to messages', async () => {
	const target = await createPresetTarget(
		run.deps,
		'openai-chat',
		`${run.mock.url}/persona/verbose`,
	)
	const filler = 'Please elaborate on every detail. '.repeat(120)
	run.mock.resetStats()
	const r = await call(run.deps.app, 'POST', '/api/execute', {
		targetId: target.id,
		executionConfig: {
			customMessages: [`First question. ${filler}`, `Second question. ${filler}`],
			repetitions: 1000,
			concurrency: 10,
		},
	})
	const id = r.json.data.sessionId
	const count = async () =>
		Number(
			(
				await run.deps.db
					.select({ n: sql<number>`count(*)` })
					.from(sessionMessages)
					.where(eq(sessionMessages.sessionId, id))
			)[0].n,
		)
	await waitFor(async () => (await count()) >= 500, 60_000, '500 messages')
	const [mid, midCount] = [heap(), await count()]
	const s = await waitForStatus(run.deps, id, ['COMPLETED', 'FAILED', 'CANCELLED'], 120_000)
	const end = heap()
	expect(s.status).toBe('COMPLETED')
	expect(await count()).toBe(2000)
	expect(run.mock.stats.requests).toBe(2000)
	expect(run.mock.stats.maxInFlight).toBeLessThanOrEqual(10)
	expect((s.summaryMetrics as any).totalMessages).toBe(2000)
	expect(s.conversationsCompleted).toBe(1000)
	// Bytes of request and reply text recorded after the mid-run sample: a recorder that kept
	// them would grow the heap by at least that much.
	const [{ bytes }] = await run.deps.database.rows<{ bytes: number }>(
		sql`select coalesce(sum(length(request_content) + length(coalesce(response_content, ''))), 0)::bigint as bytes from session_messages where session_id = ${id} and seq > ${midCount}`,
	)
	expect(Number(bytes)).toBeGreaterThan(4_000_000)
	expect(end - mid).toBeLessThan(Number(bytes) / 2)
}, 120_000)
