import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq, sql } from 'drizzle-orm'
import { createRedisBus } from '../../src/bus/redis'
import { sessions, sessionShards } from '../../src/db/schema'
import { sweepSessions } from '../../src/execution/sweep'
import type { ShardRow } from '../../src/execution/shard'
import type { SummaryMetrics } from '../../src/execution/summary-metrics'
import { renderSummary } from '../../src/cli/run'
import { bucketsFromRows } from '../../src/execution/timeseries'
import { sessionChannel } from '../../src/sessions/events'
import { createLogger } from '../../src/log'
import { startMockServer, type MockServer } from '../../src/mock/server'
import { createBullmqQueue } from '../../src/queue/bullmq'
import { call, createTestDeps, testRedisUrl, uniquePrefix, type TestDeps } from '../helpers/deps'
import { testDatabaseUrl } from '../helpers/db'
import {
	createPresetTarget,
	messageRows,
	MOCK_KEY,
	useMockRun,
	waitFor,
	waitForStatus,
} from '../helpers/mock-run'

/**
 * One run across many workers (docs/architecture.md §4): `executionConfig.load.workers`.
 * Validation and the embedded mode (one shard) always run; the scaled mode (two real
 * `krawall --worker` processes sharing one run) needs DATABASE_URL and REDIS_URL.
 */

describe('load.workers: validation and the embedded mode', () => {
	const run = useMockRun()
	const execute = (executionConfig: Record<string, unknown>, targetId: string) =>
		call(run.deps.app, 'POST', '/api/execute', { targetId, executionConfig })

	test('bad values are 400s naming executionConfig.load.workers; nothing is created', async () => {
		const target = await createPresetTarget(run.deps, 'openai-chat', `${run.mock.url}/`)
		const before = (
			await run.deps.database.rows<{ n: number }>(sql`select count(*)::int as n from sessions`)
		)[0].n
		for (const [workers, concurrency] of [
			[0, 4],
			[65, 4],
			['many', 4],
			[2.5, 4],
			[3, 2],
		] as const) {
			const r = await execute(
				{ customMessages: ['hi'], repetitions: 4, concurrency, load: { type: 'closed', workers } },
				target.id,
			)
			expect(r.status).toBe(400)
			expect(r.json.error).toBeString()
			expect(JSON.stringify(r.json.details)).toContain('workers')
		}
		// An arrival run cannot have more shards than in-flight slots.
		const r = await execute(
			{
				customMessages: ['hi'],
				load: { type: 'arrival', rate: 5, durationSec: 1, maxInFlight: 2, workers: 3 },
			},
			target.id,
		)
		expect(r.status).toBe(400)
		expect(r.json.details[0].path).toEqual(['executionConfig', 'load', 'workers'])
		expect(r.json.details[0].message).toContain('maxInFlight is 2')
		const after = (
			await run.deps.database.rows<{ n: number }>(sql`select count(*)::int as n from sessions`)
		)[0].n
		expect(after).toBe(before)
	})

	test("a sharded run through this process's own queue: every reply recorded once", async () => {
		const target = await createPresetTarget(run.deps, 'openai-chat', `${run.mock.url}/`)
		run.mock.resetStats()
		const r = await execute(
			{
				customMessages: ['one', 'two'],
				repetitions: 6,
				concurrency: 3,
				load: { type: 'closed', workers: 2 },
			},
			target.id,
		)
		expect(r.status).toBe(202)
		const id = r.json.data.sessionId
		const s = await waitForStatus(run.deps, id, ['COMPLETED', 'FAILED', 'CANCELLED'], 20_000)
		expect(s.status).toBe('COMPLETED')
		expect(s.executionConfig.load?.workers).toBe(2)
		const rows = await messageRows(run.deps, id)
		expect(rows.length).toBe(12)
		expect(run.mock.stats.requests).toBe(12)
		const shards = await run.deps.db
			.select()
			.from(sessionShards)
			.where(eq(sessionShards.sessionId, id))
			.orderBy(sessionShards.shardIndex)
		if (run.deps.queue.kind === 'memory') {
			// Embedded: one process, so the same run is one shard — today's run, seq 1…12.
			expect(rows.map((m) => m.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1))
			expect(shards).toEqual([])
			// One process, one health: no per-shard figures.
			const lg = (s.summaryMetrics as SummaryMetrics).loadGenerator!
			expect(lg.samples).toBeGreaterThan(0)
			expect(lg.shards).toBeUndefined()
		} else {
			mergedHealth(s.summaryMetrics as SummaryMetrics, shards)
			// On BullMQ (REDIS_URL set), two shards: seq = local × 2 + shard, disjoint, 2…13.
			expect(rows.map((m) => m.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 2))
			expect(shards.map((x) => [x.status, x.messagesCompleted])).toEqual([
				['COMPLETED', 6],
				['COMPLETED', 6],
			])
		}
	})

	test('the sweep: a shard still waiting for a worker is enqueued again, its session not failed', async () => {
		const target = await createPresetTarget(run.deps, 'openai-chat', `${run.mock.url}/`)
		const done = await execute({ customMessages: ['hi'] }, target.id)
		const first = await waitForStatus(run.deps, done.json.data.sessionId, ['COMPLETED'], 20_000)
		// A sharded session whose shard jobs were lost (Redis restarted): RUNNING, silent for an hour.
		const [row] = await run.deps.db
			.insert(sessions)
			.values({
				targetId: target.id,
				status: 'RUNNING',
				executionConfig: {
					...first.executionConfig,
					repetitions: 2,
					concurrency: 2,
					load: { type: 'closed', workers: 2 },
				},
				heartbeatAt: new Date(Date.now() - 3600_000),
				startedAt: new Date(),
			})
			.returning()
		await run.deps.db.insert(sessionShards).values(
			[0, 1].map((i) => ({
				id: `${row.id}-${i}`,
				sessionId: row.id,
				shardIndex: i,
				shardCount: 2,
			})),
		)
		run.mock.resetStats()
		const swept = await sweepSessions(run.deps)
		expect(swept.failed).toBe(0)
		const s = await waitForStatus(run.deps, row.id, ['COMPLETED', 'FAILED', 'CANCELLED'], 20_000)
		expect(s.status).toBe('COMPLETED')
		const rows = await messageRows(run.deps, row.id)
		expect(rows.map((r) => r.seq)).toEqual([2, 3])
		expect(run.mock.stats.requests).toBe(2)
		expect((s.summaryMetrics as { totalMessages: number }).totalMessages).toBe(2)
	})

	test('cancel while no worker has taken a shard: the shards never run, the session ends', async () => {
		const target = await createPresetTarget(run.deps, 'openai-chat', `${run.mock.url}/`)
		const done = await execute({ customMessages: ['hi'] }, target.id)
		const first = await waitForStatus(run.deps, done.json.data.sessionId, ['COMPLETED'], 20_000)
		// Split, its two shard jobs still waiting for a free worker (none enqueued here).
		const [row] = await run.deps.db
			.insert(sessions)
			.values({
				targetId: target.id,
				status: 'RUNNING',
				executionConfig: { ...first.executionConfig, load: { type: 'closed', workers: 2 } },
				heartbeatAt: new Date(),
				startedAt: new Date(),
			})
			.returning()
		await run.deps.db.insert(sessionShards).values(
			[0, 1].map((i) => ({
				id: `${row.id}-${i}`,
				sessionId: row.id,
				shardIndex: i,
				shardCount: 2,
			})),
		)
		run.mock.resetStats()
		const c = await call(run.deps.app, 'POST', `/api/sessions/${row.id}/cancel`)
		expect(c.status).toBe(200)
		expect(c.json.data.status).toBe('CANCELLED')
		const [s] = await run.deps.db.select().from(sessions).where(eq(sessions.id, row.id))
		expect(s.status).toBe('CANCELLED')
		expect((s.summaryMetrics as { totalMessages: number }).totalMessages).toBe(0)
		const shards = await run.deps.db
			.select()
			.from(sessionShards)
			.where(eq(sessionShards.sessionId, row.id))
		expect(shards.map((x) => x.status)).toEqual(['CANCELLED', 'CANCELLED'])
		// A shard job delivered now finds nothing to run.
		const { sessionShardHandler } = await import('../../src/execution/handler')
		await sessionShardHandler(run.deps)(
			{ id: 'j', name: 'session.shard', data: { sessionId: row.id, shard: 0 }, attempt: 1 },
			new AbortController().signal,
		)
		expect(run.mock.stats.requests).toBe(0)
	})

	test("'auto' is accepted and frozen", async () => {
		const target = await createPresetTarget(run.deps, 'openai-chat', `${run.mock.url}/`)
		const r = await execute(
			{
				customMessages: ['x'],
				repetitions: 2,
				concurrency: 2,
				load: { type: 'closed', workers: 'auto' },
			},
			target.id,
		)
		expect(r.status).toBe(202)
		const s = await waitForStatus(run.deps, r.json.data.sessionId, ['COMPLETED'], 20_000)
		expect(s.executionConfig.load?.workers).toBe('auto')
		expect((s.summaryMetrics as { totalMessages: number }).totalMessages).toBe(2)
	})
})

test('the time series of a sharded run: a second of two shards adds up, in flight summed', () => {
	const row = (shard: number, inFlight: number, completed: number) => ({
		id: `x-${shard}`,
		sessionId: 'x',
		ts: new Date(1_000_000_000_000),
		shard,
		started: completed,
		completed,
		dropped: 0,
		inFlight,
		errors: 0,
		errorsByType: {},
		rateLimited: 0,
		promptTokens: 10 * completed,
		completionTokens: 0,
		costUsd: 0,
		responseTimeSketch: null,
		ttftSketch: null,
	})
	// Shard 0 wrote the second twice (a late message): its peak is the larger; shard 1 adds its own.
	const [b] = bucketsFromRows([row(0, 3, 2), row(0, 5, 1), row(1, 4, 6)])
	expect(b.completed).toBe(9)
	expect(b.promptTokens).toBe(90)
	expect(b.inFlight).toBe(9)
	// An unsharded run's rows keep the peak as before.
	expect(bucketsFromRows([row(0, 3, 2), row(0, 5, 1)])[0].inFlight).toBe(5)
})

/**
 * The session's merged load-generator health checked against its shards' own (stored on each
 * shard row): every shard kept, lag the worst, CPU weighted by samples, suspect if any is.
 */
function mergedHealth(m: SummaryMetrics, shards: ShardRow[]) {
	const lg = m.loadGenerator!
	expect(lg).not.toBeNull()
	const own = shards.map((x) => x.loadGenerator!)
	expect(own.every((h) => h && h.samples > 0)).toBe(true)
	expect(lg.shards!.map((x) => [x.shardIndex, x.shardCount])).toEqual(
		shards.map((x) => [x.shardIndex, 2]),
	)
	expect(lg.shards!.map(({ shardIndex: _, shardCount: __, workerId: ___, ...h }) => h)).toEqual(own)
	const samples = own.reduce((n, h) => n + h.samples, 0)
	expect(lg.samples).toBe(samples)
	expect(lg.eventLoopLagMs.max).toBe(Math.max(...own.map((h) => h.eventLoopLagMs.max)))
	expect(lg.eventLoopLagMs.p99).toBe(Math.max(...own.map((h) => h.eventLoopLagMs.p99)))
	expect(lg.cpuPct.max).toBe(Math.max(...own.map((h) => h.cpuPct.max)))
	const weighted = own.reduce((n, h) => n + h.cpuPct.avg * h.samples, 0) / samples
	expect(lg.cpuPct.avg).toBe(Math.round(weighted * 10) / 10)
	expect(lg.suspect).toBe(own.some((h) => h.suspect))
	return lg
}

const scaled = Boolean(testRedisUrl() && testDatabaseUrl())
const STALL_MS = '1000'
const quiet = createLogger('silent')

describe.skipIf(!scaled)('load.workers: two --worker processes share one run', () => {
	let deps: TestDeps
	let mock: MockServer
	let prefix: string
	const children: { proc: ReturnType<typeof Bun.spawn>; err: () => string }[] = []

	const spawnWorker = async () => {
		const [{ db }] = await deps.database.rows<{ db: string }>(sql`select current_database() as db`)
		const url = new URL(testDatabaseUrl()!)
		url.pathname = `/${db}`
		const proc = Bun.spawn(['bun', 'src/main.ts', '--worker'], {
			env: {
				PATH: process.env.PATH ?? '',
				HOME: process.env.HOME ?? '/tmp',
				DATABASE_URL: url.toString(),
				REDIS_URL: testRedisUrl()!,
				KRAWALL_REDIS_PREFIX: prefix,
				KRAWALL_WORKER_STALL_MS: STALL_MS,
				// One shard per process at a time, so the two shards land on the two processes.
				KRAWALL_WORKER_CONCURRENCY: '1',
				KRAWALL_ENCRYPTION_KEY: Buffer.from(deps.key).toString('base64'),
				KRAWALL_DATA_DIR: deps.config.dataDir,
				LOG_LEVEL: 'info',
			},
			stdout: 'ignore',
			stderr: 'pipe',
		})
		let err = ''
		;(async () => {
			for await (const chunk of proc.stderr as unknown as AsyncIterable<Uint8Array>)
				err += new TextDecoder().decode(chunk)
		})().catch(() => {})
		children.push({ proc, err: () => err })
		return () => err
	}

	beforeAll(async () => {
		prefix = uniquePrefix()
		const redis = testRedisUrl()!
		deps = await createTestDeps({
			env: { KRAWALL_WORKER_STALL_MS: STALL_MS },
			overrides: {
				queue: createBullmqQueue(redis, {
					log: quiet,
					prefix,
					lockDurationMs: 1000,
					stalledIntervalMs: 1000,
				}),
				bus: createRedisBus(redis, { log: quiet, prefix }),
			},
		})
		mock = await startMockServer({ port: 0, apiKey: MOCK_KEY, grpcPort: false })
		const a = await spawnWorker()
		const b = await spawnWorker()
		await waitFor(
			() => a().includes('worker started') && b().includes('worker started'),
			30_000,
			'two worker processes to start',
		)
	}, 40_000)
	afterAll(async () => {
		for (const c of children) c.proc.kill('SIGKILL')
		await Promise.all(children.map((c) => c.proc.exited))
		await mock?.stop()
		await deps?.close()
	})

	const execute = async (executionConfig: Record<string, unknown>, persona = 'slow:50') => {
		const target = await createPresetTarget(deps, 'openai-chat', `${mock.url}/persona/${persona}`)
		const r = await call(deps.app, 'POST', '/api/execute', { targetId: target.id, executionConfig })
		expect(r.status).toBe(202)
		return r.json.data.sessionId as string
	}
	const shardsOf = (id: string) =>
		deps.db
			.select()
			.from(sessionShards)
			.where(eq(sessionShards.sessionId, id))
			.orderBy(sessionShards.shardIndex)
	/** The shards once both are RUNNING (each on its own process). */
	const bothRunning = (id: string) =>
		waitFor(
			async () => {
				const sh = await shardsOf(id)
				return sh.filter((x) => x.status === 'RUNNING').length === 2 && sh
			},
			15_000,
			'both shards running',
		)
	/** The worker process that runs `shard` (worker ids start with the pid). */
	const processOf = (shard: ShardRow) =>
		children.find((c) => shard.workerId!.startsWith(`${c.proc.pid}-`))!

	test("'auto' splits the run over both workers: each takes part, the mock's count equals the rows", async () => {
		mock.resetStats()
		const id = await execute({
			customMessages: ['a', 'b', 'c'],
			repetitions: 20,
			concurrency: 4,
			load: { type: 'closed', workers: 'auto' },
		})
		// Live progress over the bus is the session's: the sum over both shards, not one shard's.
		let peak = 0
		const off = await deps.bus.subscribe(sessionChannel(id), (m) => {
			const e = m as { type?: string; progress?: { messagesCompleted: number } }
			if (e.type === 'progress') peak = Math.max(peak, e.progress!.messagesCompleted)
		})
		const s = await waitForStatus(deps, id, ['COMPLETED', 'FAILED', 'CANCELLED'], 20_000)
		expect(s.status).toBe('COMPLETED')
		expect(s.error).toBeNull()
		const shards = await shardsOf(id)
		expect(shards.map((x) => x.status)).toEqual(['COMPLETED', 'COMPLETED'])
		await off()
		expect(peak).toBeGreaterThan(30)
		expect(peak).toBeLessThanOrEqual(60)
		// Two processes: two worker ids, each with its share (10 conversations × 3 messages).
		expect(new Set(shards.map((x) => x.workerId)).size).toBe(2)
		expect(shards.map((x) => x.messagesCompleted)).toEqual([30, 30])
		expect(shards.map((x) => x.conversationsStarted)).toEqual([10, 10])
		const rows = await messageRows(deps, id)
		expect(rows.length).toBe(60)
		expect(mock.stats.requests).toBe(60)
		expect(mock.stats.served.replies).toBe(60)
		// Disjoint numbering: seq = local × 2 + shard, conversations likewise.
		expect(new Set(rows.map((r) => r.seq)).size).toBe(60)
		expect(rows.filter((r) => r.seq % 2 === 0).length).toBe(30)
		expect(new Set(rows.map((r) => r.conversationIndex)).size).toBe(20)
		const summary = s.summaryMetrics as { totalMessages: number; totalTokens: number }
		expect(summary.totalMessages).toBe(60)
		expect(s.messagesCompleted).toBe(60)
		expect(s.conversationsCompleted).toBe(20)
		expect(summary.totalTokens).toBe(
			mock.stats.served.promptTokens + mock.stats.served.completionTokens,
		)
		// One merged time series: its completions add up to the rows.
		const ts = await call(deps.app, 'GET', `/api/sessions/${id}/timeseries`)
		expect(ts.status).toBe(200)
		const buckets = ts.json.data.buckets as { completed: number }[]
		expect(buckets.reduce((n, b) => n + b.completed, 0)).toBe(60)
		// One merged load-generator health: both shards' own, in shard order, from their processes.
		const lg = mergedHealth(s.summaryMetrics as SummaryMetrics, shards)
		expect(lg.shards!.map((x) => x.workerId)).toEqual(shards.map((x) => x.workerId))
	}, 30_000)

	test('a saturated shard (its process stalled over and over) makes the merged health suspect, naming it', async () => {
		mock.resetStats()
		const id = await execute({
			customMessages: ['s', 't'],
			load: { type: 'arrival', rate: 10, durationSec: 3, maxInFlight: 10, workers: 2 },
		})
		const running = await bothRunning(id)
		// Stop the process of shard 2 for 150 ms of every 200 (SIGSTOP/SIGCONT): its event loop
		// runs late the way a saturated generator's does; its heartbeat (every 250 ms, stall 1 s)
		// still gets through. Shard 1's process is left alone.
		const victim = processOf(running[1]!)
		expect(victim).toBeDefined()
		let stalling = true
		const stalls = (async () => {
			while (stalling) {
				process.kill(victim.proc.pid, 'SIGSTOP')
				await Bun.sleep(150)
				process.kill(victim.proc.pid, 'SIGCONT')
				await Bun.sleep(50)
			}
		})()
		let s
		try {
			await waitFor(
				async () => (await shardsOf(id))[1].status !== 'RUNNING',
				20_000,
				'shard 2 to end',
			)
		} finally {
			stalling = false
			await stalls
			process.kill(victim.proc.pid, 'SIGCONT')
		}
		s = await waitForStatus(deps, id, ['COMPLETED', 'FAILED', 'CANCELLED'], 20_000)
		expect(s.status).toBe('COMPLETED')
		const shards = await shardsOf(id)
		expect(shards.map((x) => x.status)).toEqual(['COMPLETED', 'COMPLETED'])
		const rows = await messageRows(deps, id)
		expect(rows.length).toBe(mock.stats.requests)
		const m = s.summaryMetrics as SummaryMetrics
		expect(m.totalMessages).toBe(rows.length)
		const lg = mergedHealth(m, shards)
		const [one, two] = lg.shards!
		// On a mismatch, the figures say which shard saw what (the machine is shared).
		if (!two.suspect || one.suspect) console.log('shard health', JSON.stringify(lg.shards))
		expect(two.suspect).toBe(true)
		expect(two.eventLoopLagMs.p99).toBeGreaterThanOrEqual(50)
		expect(two.reasons.some((r) => r.startsWith('event-loop lag p99'))).toBe(true)
		expect(one.suspect).toBe(false)
		expect(lg.suspect).toBe(true)
		// The verdict's reasons are the suspect shard's, named.
		expect(lg.reasons).toEqual(two.reasons.map((r) => `shard 2 of 2: ${r}`))
		expect(renderSummary(m, s.status)).toContain(
			'⚠ latencies suspect: shard 2 of 2: event-loop lag p99',
		)
		const page = await call(deps.app, 'GET', `/sessions/${id}`)
		expect(page.text).toContain('id="load-generator-warning"')
		expect(page.text).toContain('id="load-generator-shards"')
		expect(page.text).toContain('shard 2 of 2: event-loop lag p99')
		const report = await call(deps.app, 'GET', `/api/sessions/${id}/report?format=html`)
		expect(report.status).toBe(200)
		expect(report.text).toContain('id="load-generator-warning"')
		expect(report.text).toContain('shard 2 of 2: event-loop lag p99')
	}, 45_000)

	test('a global token budget: both shards stop, the overshoot is what was in flight', async () => {
		mock.resetStats()
		const id = await execute({
			customMessages: ['Tell me something'],
			load: { type: 'arrival', rate: 40, durationSec: 10, maxInFlight: 20, workers: 2 },
			maxTokens: 1500,
			gracefulStopMs: 2000,
		})
		const s = await waitForStatus(deps, id, ['COMPLETED', 'FAILED', 'CANCELLED'], 20_000)
		expect(s.status).toBe('COMPLETED')
		expect((s.summaryMetrics as any).stopReason).toContain('Token budget reached')
		const shards = await shardsOf(id)
		expect(shards.every((x) => x.status === 'COMPLETED')).toBe(true)
		expect(shards.every((x) => x.messagesCompleted > 0)).toBe(true)
		const rows = await messageRows(deps, id)
		expect(mock.stats.requests).toBe(rows.length)
		const tokens = rows.reduce((n, r) => n + (r.totalTokens ?? 0), 0)
		const perMessage = Math.max(...rows.map((r) => r.totalTokens ?? 0))
		expect(tokens).toBeGreaterThanOrEqual(1500)
		// Far below the 400 messages the schedule asked for: one budget, not one per shard.
		expect(rows.length).toBeLessThan(200)
		// Over the budget by at most what was in flight: ≤ maxInFlight (20 across both shards).
		expect(tokens - 1500).toBeLessThanOrEqual(20 * perMessage)
		const budget = (s.summaryMetrics as any).budget
		expect(budget.maxTokens).toBe(1500)
		expect(budget.spentTokens).toBe(tokens)
		expect(new Set(shards.map((x) => x.workerId)).size).toBe(2)
		// The shared counter holds every shard's spend: the rows' tokens exactly.
		const [{ spent }] = await deps.database.rows<{ spent: number }>(
			sql`select budget_tokens as spent from sessions where id = ${id}`,
		)
		expect(spent).toBe(tokens)
		if (process.env.SHARD_FIGURES)
			console.log('budget figures', {
				rows: rows.length,
				tokens,
				perMessage,
				served: mock.stats.requests,
			})
	}, 30_000)

	test('a global cost budget: one shared counter, not one budget per shard', async () => {
		mock.resetStats()
		const id = await execute({
			customMessages: ['Tell me something'],
			load: { type: 'arrival', rate: 40, durationSec: 10, maxInFlight: 20, workers: 2 },
			maxCostUsd: 0.005,
			gracefulStopMs: 2000,
		})
		const s = await waitForStatus(deps, id, ['COMPLETED', 'FAILED', 'CANCELLED'], 20_000)
		expect(s.status).toBe('COMPLETED')
		expect((s.summaryMetrics as any).stopReason).toContain('Cost budget reached')
		const shards = await shardsOf(id)
		expect(shards.every((x) => x.status === 'COMPLETED' && x.messagesCompleted > 0)).toBe(true)
		const rows = await messageRows(deps, id)
		expect(mock.stats.requests).toBe(rows.length)
		const cost = rows.reduce((n, r) => n + (r.costUsd ?? 0), 0)
		const perMessage = Math.max(...rows.map((r) => r.costUsd ?? 0))
		expect(perMessage).toBeGreaterThan(0)
		expect(cost).toBeGreaterThanOrEqual(0.005)
		expect(cost - 0.005).toBeLessThanOrEqual(20 * perMessage)
		expect(rows.length).toBeLessThan(200)
		const [{ spent }] = await deps.database.rows<{ spent: number }>(
			sql`select budget_cost_usd as spent from sessions where id = ${id}`,
		)
		expect(spent).toBeCloseTo(cost, 9)
		if (process.env.SHARD_FIGURES)
			console.log('cost figures', {
				rows: rows.length,
				cost,
				perMessage,
				served: mock.stats.requests,
			})
	}, 30_000)

	test('cancel reaches both shards', async () => {
		mock.resetStats()
		const id = await execute({
			customMessages: ['x', 'y'],
			load: { type: 'arrival', rate: 20, durationSec: 30, maxInFlight: 20, workers: 2 },
		})
		await bothRunning(id)
		await waitFor(async () => (await messageRows(deps, id)).length >= 10, 15_000, 'ten rows')
		const c = await call(deps.app, 'POST', `/api/sessions/${id}/cancel`)
		expect(c.status).toBe(200)
		const s = await waitForStatus(deps, id, ['CANCELLED', 'COMPLETED', 'FAILED'], 10_000)
		expect(s.status).toBe('CANCELLED')
		const shards = await shardsOf(id)
		expect(shards.map((x) => x.status)).toEqual(['CANCELLED', 'CANCELLED'])
		const sent = mock.stats.requests
		await Bun.sleep(500)
		expect(mock.stats.requests).toBe(sent)
		const rows = await messageRows(deps, id)
		expect(rows.length).toBe(sent)
		expect((s.summaryMetrics as any).totalMessages).toBe(rows.length)
	}, 30_000)

	test('a shard worker SIGKILLed: that shard fails "worker lost", the other finishes, nothing re-sent', async () => {
		mock.resetStats()
		const id = await execute({
			customMessages: ['p', 'q'],
			load: { type: 'arrival', rate: 10, durationSec: 4, maxInFlight: 10, workers: 2 },
		})
		const running = await bothRunning(id)
		await waitFor(async () => (await messageRows(deps, id)).length >= 6, 15_000, 'six rows')
		// Kill the process that runs shard 2.
		const victim = processOf(running[1]!)
		expect(victim).toBeDefined()
		victim.proc.kill('SIGKILL')
		await victim.proc.exited
		const s = await waitForStatus(deps, id, ['FAILED', 'COMPLETED', 'CANCELLED'], 20_000)
		expect(s.status).toBe('FAILED')
		expect(s.error).toBe('worker lost: shard 2 of 2')
		const shards = await shardsOf(id)
		expect(shards.map((x) => [x.status, x.error])).toEqual([
			['COMPLETED', null],
			['FAILED', 'worker lost'],
		])
		const sent = mock.stats.requests
		await Bun.sleep(1500)
		// Never re-run: no request after the end, and every recorded row was served.
		expect(mock.stats.requests).toBe(sent)
		const rows = await messageRows(deps, id)
		expect(rows.length).toBeLessThanOrEqual(sent)
		// Shard 1 (index 0) ran all of its 20 conversations × 2 messages.
		expect(rows.filter((r) => r.seq % 2 === 0).length).toBe(40)
		expect((s.summaryMetrics as any).totalMessages).toBe(rows.length)
	}, 30_000)
})
