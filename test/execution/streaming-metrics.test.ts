import { describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import type { Clock } from '../../src/clock'
import { interTokenLatency, readStream } from '../../src/connectors/stream'
import { targets } from '../../src/db/schema'
import type { SummaryMetrics } from '../../src/execution/summary-metrics'
import { chunksOf, countTokens } from '../../src/mock/personas'
import { call } from '../helpers/deps'
import { createPresetTarget, messageRows, useMockRun, waitForStatus } from '../helpers/mock-run'

const run = useMockRun()

/** percentile_cont as Postgres computes it (linear interpolation between closest ranks). */
function percentile(values: number[], p: number) {
	const v = [...values].sort((a, b) => a - b)
	const x = p * (v.length - 1)
	const lo = Math.floor(x)
	return lo + 1 < v.length ? v[lo] + (x - lo) * (v[lo + 1] - v[lo]) : v[lo]
}
const r3 = (v: number) => Math.round(v * 1000) / 1000

async function execute(targetId: string, executionConfig: Record<string, unknown>) {
	run.mock.resetStats()
	const r = await call(run.deps.app, 'POST', '/api/execute', { targetId, executionConfig })
	expect(r.status).toBe(202)
	const id = r.json.data.sessionId as string
	const s = await waitForStatus(run.deps, id, ['COMPLETED', 'FAILED', 'CANCELLED'])
	return { id, s, m: s.summaryMetrics as SummaryMetrics, rows: await messageRows(run.deps, id) }
}

describe('inter-token latency is per token, with the stream’s own counts when it reports them', () => {
	/** A body whose pieces arrive `gapMs` apart on a manual clock. */
	function timed(pieces: string[], gapMs: number) {
		let t = 0
		const clock: Clock = { now: () => new Date(0), perf: () => t, sleep: async () => {} }
		const enc = new TextEncoder()
		async function* body() {
			for (const p of pieces) {
				t += gapMs
				yield enc.encode(p)
			}
		}
		return { clock, body: body() }
	}
	const sse = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`

	test('without running counts: first piece ⌈chars ÷ 4⌉ tokens, the rest from the final usage', async () => {
		const { clock, body } = timed(
			[
				sse({ choices: [{ delta: { content: 'Hello ' } }] }), // 6 chars: 2 tokens
				sse({ choices: [{ delta: { content: 'world, ' } }] }),
				sse({ choices: [{ delta: { content: 'again' } }] }),
				sse({ choices: [], usage: { prompt_tokens: 5, completion_tokens: 6 } }),
				'data: [DONE]\n\n',
			],
			10,
		)
		const out = await readStream(
			body,
			{
				format: 'sse',
				contentPath: 'choices.0.delta.content',
				usagePaths: ['usage'],
				doneMarker: '[DONE]',
			},
			clock,
			0,
		)
		expect(out.ttftMs).toBe(10)
		expect(out.pieces).toEqual({ count: 3, firstAt: 10, lastAt: 30, firstTokens: 2 })
		// 20 ms between the first and last piece over the 4 tokens after the first piece.
		expect(interTokenLatency(out.pieces, out.usage!.completionTokens)).toBe(5)
	})

	test('Gemini’s cumulative counts say how many tokens the first piece held', async () => {
		const chunk = (text: string, total: number) =>
			sse({
				candidates: [{ content: { parts: [{ text }] } }],
				usageMetadata: { promptTokenCount: 4, totalTokenCount: total },
			})
		const { clock, body } = timed([chunk('a', 7), chunk('b', 9), chunk('c', 13)], 12)
		const out = await readStream(
			body,
			{
				format: 'sse',
				contentPath: 'candidates.0.content.parts.0.text',
				usagePaths: ['usageMetadata'],
			},
			clock,
			0,
		)
		// First piece: 7 − 4 = 3 tokens (not ⌈1 ÷ 4⌉ = 1); 24 ms over the 9 − 3 = 6 later tokens.
		expect(out.pieces.firstTokens).toBe(3)
		expect(interTokenLatency(out.pieces, 9)).toBe(4)
		// One piece, or nothing after it: no ITL.
		expect(
			interTokenLatency({ count: 1, firstAt: 0, lastAt: 0, firstTokens: 3 }, 9),
		).toBeUndefined()
		expect(
			interTokenLatency({ count: 2, firstAt: 0, lastAt: 5, firstTokens: 3 }, 3),
		).toBeUndefined()
	})
})

describe('streaming figures of a session against the mock', () => {
	test('TPOT, ITL and output tokens/s: per token, from the rows, with the mock’s drip as a floor', async () => {
		const drip = 15
		const target = await createPresetTarget(
			run.deps,
			'openai-chat',
			`${run.mock.url}/persona/drip:${drip}`,
			{ protocolConfig: { stream: true } },
		)
		const { s, m, rows } = await execute(target.id, {
			customMessages: ['Tell me about load testing', 'And about latency'],
			repetitions: 2,
			concurrency: 2,
		})
		expect(s.status).toBe('COMPLETED')
		expect(rows.length).toBe(4)
		// Usage is the mock's own report, never an estimate.
		const reported = run.mock.stats.reportedUsage
		expect(reported.replies).toBe(4)
		expect(rows.reduce((n, r) => n + r.completionTokens!, 0)).toBe(reported.outputTokens)
		expect(m.tokensEstimated).toBe(false)

		for (const r of rows) {
			expect(r.success).toBe(true)
			const pieces = chunksOf(r.responseContent!)
			const tokens = r.completionTokens!
			expect(tokens).toBe(countTokens(r.responseContent!))
			// Each piece is a word of 1–3 tokens: per-token ITL must not be the per-piece gap.
			const after = tokens - countTokens(pieces[0])
			expect(after).toBeGreaterThan(pieces.length - 1)
			// The mock waits `drip` ms before every part: (pieces − 1) gaps between first and last content.
			expect(r.itlMs!).toBeGreaterThanOrEqual((0.8 * drip * (pieces.length - 1)) / after)
			// Response time − TTFT spans the later pieces plus the finish, usage and [DONE] parts.
			const tpot = (r.responseTimeMs! - r.ttftMs!) / (tokens - 1)
			expect(tpot).toBeGreaterThanOrEqual((0.8 * drip * (pieces.length + 2)) / (tokens - 1))
		}
		const tpots = rows.map((r) => (r.responseTimeMs! - r.ttftMs!) / (r.completionTokens! - 1))
		const itls = rows.map((r) => r.itlMs!)
		const otps = rows.map((r) => r.completionTokens! / (r.responseTimeMs! / 1000))
		expect(m.tpot).toEqual({
			avgMs: r3(tpots.reduce((a, b) => a + b) / 4),
			p50Ms: r3(percentile(tpots, 0.5)),
			p95Ms: r3(percentile(tpots, 0.95)),
			p99Ms: r3(percentile(tpots, 0.99)),
			samples: 4,
		})
		expect(m.itl!.p50Ms).toBeCloseTo(percentile(itls, 0.5), 2)
		expect(m.itl!.p99Ms).toBeCloseTo(percentile(itls, 0.99), 2)
		expect(m.itl!.samples).toBe(4)
		expect(m.messageOutputTokensPerSecond!.p50).toBeCloseTo(percentile(otps, 0.5), 2)
		expect(m.messageOutputTokensPerSecond!.p95).toBeCloseTo(percentile(otps, 0.95), 2)
		// Session throughputs: output only, and total tokens (prompt + output), over the duration.
		const secs = m.durationMs! / 1000
		expect(m.outputTokensPerSecond).toBeCloseTo(reported.outputTokens / secs, 2)
		expect(m.tokensPerSecond).toBeCloseTo((reported.promptTokens + reported.outputTokens) / secs, 2)

		// /api/metrics aggregates the same definitions over the session's messages.
		const r = await call(run.deps.app, 'GET', `/api/metrics?sessionId=${s.id}`)
		expect(r.status).toBe(200)
		const a = r.json.data.aggregate
		expect(a.tpotMs.p50).toBeCloseTo(percentile(tpots, 0.5), 1)
		expect(a.tpotMs.p95).toBeCloseTo(percentile(tpots, 0.95), 1)
		expect(a.itlMs.p99).toBeCloseTo(percentile(itls, 0.99), 1)
		expect(a.outputTokensPerSecond.p50).toBeCloseTo(percentile(otps, 0.5), 1)

		// The session page shows them.
		const page = await call(run.deps.app, 'GET', `/sessions/${s.id}`)
		expect(page.text).toContain('TPOT p50')
		expect(page.text).toContain('ITL p50')
		expect(page.text).toContain('Output tokens/s')
	})

	test('a plain (unstreamed) reply has no TPOT or ITL, only output tokens/s', async () => {
		const target = await createPresetTarget(run.deps, 'openai-chat', run.mock.url)
		const { m, rows } = await execute(target.id, { customMessages: ['Hi'] })
		expect(rows[0].ttftMs).toBeNull()
		expect(rows[0].itlMs).toBeNull()
		expect(m.tpot).toBeNull()
		expect(m.itl).toBeNull()
		expect(m.messageOutputTokensPerSecond!.samples).toBe(1)
	})
})

describe('cost from the mock’s reported usage', () => {
	test('Anthropic cache writes cost 1.25 × input, reads the cached rate', async () => {
		const target = await createPresetTarget(
			run.deps,
			'anthropic-messages',
			`${run.mock.url}/persona/cache-write`,
		)
		const { m, rows } = await execute(target.id, {
			customMessages: ['First question', 'Second question'],
			repetitions: 2,
		})
		const u = run.mock.stats.reportedUsage
		expect(u.replies).toBe(4)
		expect(u.cacheWriteTokens).toBeGreaterThan(0)
		expect(rows.reduce((n, r) => n + r.promptTokens!, 0)).toBe(u.promptTokens)
		// The preset's prices: input $3, cache read $0.30, cache write $3.75, output $15 per MTok.
		const expected =
			((u.promptTokens - u.cacheReadTokens - u.cacheWriteTokens) * 3 +
				u.cacheReadTokens * 0.3 +
				u.cacheWriteTokens * 3.75 +
				u.outputTokens * 15) /
			1e6
		expect(m.totalCostUsd).toBeCloseTo(expected, 9)
		// Billed as plain input the writes would cost 0.75 × $3 per MTok less: far beyond the precision above.
		expect((u.cacheWriteTokens * 0.75 * 3) / 1e6).toBeGreaterThan(1e-7)
	})

	test('an Anthropic target priced without a cache-write price pays 1.25 × its input for writes', async () => {
		const target = await createPresetTarget(
			run.deps,
			'anthropic-messages',
			`${run.mock.url}/persona/cache-write:7`,
		)
		await run.deps.db
			.update(targets)
			.set({ pricing: { model: 'claude-3-5-haiku', inputPerMTok: 0.8, outputPerMTok: 4 } })
			.where(eq(targets.id, target.id))
		const { m } = await execute(target.id, { customMessages: ['One question'] })
		const u = run.mock.stats.reportedUsage
		expect(u.cacheWriteTokens).toBe(7)
		const expected =
			((u.promptTokens - u.cacheWriteTokens) * 0.8 + 7 * 0.8 * 1.25 + u.outputTokens * 4) / 1e6
		expect(m.totalCostUsd).toBeCloseTo(expected, 9)
	})

	test('Gemini thinking tokens are output tokens, priced as output', async () => {
		const target = await createPresetTarget(
			run.deps,
			'google-gemini',
			`${run.mock.url}/persona/thinking:50`,
		)
		const { m, rows } = await execute(target.id, { customMessages: ['Think first', 'Again'] })
		const u = run.mock.stats.reportedUsage
		expect(u.replies).toBe(2)
		expect(u.reasoningTokens).toBe(100)
		expect(m.completionTokens).toBe(u.outputTokens)
		for (const r of rows) expect(r.completionTokens).toBe(countTokens(r.responseContent!) + 50)
		// The preset's prices: input $0.10, cached $0.025, output $0.40 per MTok.
		const expected =
			((u.promptTokens - u.cacheReadTokens) * 0.1 +
				u.cacheReadTokens * 0.025 +
				u.outputTokens * 0.4) /
			1e6
		expect(m.totalCostUsd).toBeCloseTo(expected, 9)
	})
})

describe('tokensEstimated and cost per conversation', () => {
	test('failed rows without usage do not flag a session whose replies all reported usage', async () => {
		const target = await createPresetTarget(
			run.deps,
			'openai-chat',
			`${run.mock.url}/persona/flaky:2`,
		)
		const { m, rows } = await execute(target.id, {
			customMessages: ['a', 'b', 'c', 'd', 'e', 'f'],
		})
		const failed = rows.filter((r) => !r.success)
		expect(failed.length).toBeGreaterThan(0)
		expect(failed.some((r) => r.tokensEstimated)).toBe(true)
		expect(rows.filter((r) => r.success).every((r) => !r.tokensEstimated)).toBe(true)
		expect(m.tokensEstimated).toBe(false)
	})

	test('a successful reply without usage flags the session as estimated', async () => {
		const target = await createPresetTarget(run.deps, 'openai-chat', run.mock.url)
		await run.deps.db
			.update(targets)
			.set({ responseTemplate: { ...target.responseTemplate, tokenUsagePath: 'no.such.path' } })
			.where(eq(targets.id, target.id))
		const { m, rows } = await execute(target.id, { customMessages: ['Hi'] })
		expect(rows[0].success).toBe(true)
		expect(rows[0].tokensEstimated).toBe(true)
		expect(m.tokensEstimated).toBe(true)
	})

	test('cost per conversation: the conversations that ran ÷ their number, the same in summary and series', async () => {
		const target = await createPresetTarget(run.deps, 'openai-chat', run.mock.url)
		// A token budget stops the run after the first message: one conversation ran, none completed.
		const { m, rows, id } = await execute(target.id, {
			customMessages: ['a', 'b', 'c'],
			repetitions: 3,
			concurrency: 1,
			maxTokens: 1,
		})
		const ran = new Set(rows.map((r) => r.conversationIndex)).size
		expect(ran).toBeGreaterThan(0)
		expect(m.conversationsCompleted).toBeLessThan(ran)
		const cost = rows.reduce((n, r) => n + (r.costUsd ?? 0), 0)
		expect(cost).toBeGreaterThan(0)
		expect(m.costPerConversationUsd).toBeCloseTo(cost / ran, 9)
		const series = await call(run.deps.app, 'GET', `/api/metrics/sessions/${id}/series`)
		expect(series.json.data.amplification.avgCostPerConversationUsd).toBeCloseTo(cost / ran, 9)
		const metrics = await call(run.deps.app, 'GET', `/api/metrics?sessionId=${id}`)
		expect(metrics.json.data.aggregate.costPerConversationUsd).toBeCloseTo(cost / ran, 9)
	})
})
