import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq, inArray, sql } from 'drizzle-orm'
import { Elysia } from 'elysia'
import { createDeps } from '../../src/deps'
import { openPostgres } from '../../src/db/client'
import { scheduledJobs, sessions } from '../../src/db/schema'
import { createMemoryBus } from '../../src/bus/memory'
import { createMemoryQueue } from '../../src/queue/memory'
import { createLogger } from '../../src/log'
import { nextRun } from '../../src/schedules/cron'
import { runDueSchedules, schedulerPlugin } from '../../src/schedules/runner'
import { SESSION_RUN_JOB } from '../../src/sessions/model'
import { call, createTestDeps, type TestDeps } from '../helpers/deps'
import { testDatabaseUrl } from '../helpers/db'
import { seedScenario } from '../helpers/schedules'

let deps: TestDeps
let seed: Awaited<ReturnType<typeof seedScenario>>
beforeAll(async () => {
	deps = await createTestDeps()
	seed = await seedScenario(deps)
})
afterAll(async () => {
	await deps.close()
})

async function schedule(body: Record<string, unknown>, dueAt?: Date) {
	const r = await call(deps.app, 'POST', '/api/scheduled-jobs', {
		scenarioId: seed.owned.id,
		cronExpression: '*/15 * * * *',
		...body,
	})
	expect(r.status).toBe(201)
	if (dueAt)
		await deps.db
			.update(scheduledJobs)
			.set({ nextRunAt: dueAt })
			.where(eq(scheduledJobs.id, r.json.data.id))
	return r.json.data.id as string
}
const job = async (id: string) =>
	(await deps.db.select().from(scheduledJobs).where(eq(scheduledJobs.id, id)))[0]!
const sessionsOf = (scenarioId: string) =>
	deps.db.select().from(sessions).where(eq(sessions.scenarioId, scenarioId))
const disableAll = () => deps.db.update(scheduledJobs).set({ isEnabled: false })

describe('runDueSchedules', () => {
	test('a due schedule fires once: a QUEUED session created as /api/execute does, lastRunAt and lastSessionId recorded', async () => {
		await disableAll()
		const now = new Date()
		const id = await schedule({}, new Date(now.getTime() - 1000))
		const pendingBefore = await deps.queue.pending(SESSION_RUN_JOB)
		const fires = await runDueSchedules(deps, now)
		expect(fires).toHaveLength(1)
		expect(fires[0]!.scheduleId).toBe(id)
		const j = await job(id)
		expect(j.lastRunAt!.getTime()).toBe(now.getTime())
		expect(j.lastSessionId).toBe(fires[0]!.sessionId!)
		expect(j.nextRunAt!.getTime()).toBe(nextRun('*/15 * * * *', 'UTC', now)!.getTime())
		const [s] = await deps.db.select().from(sessions).where(eq(sessions.id, j.lastSessionId!))
		expect(s).toMatchObject({
			status: 'QUEUED',
			targetId: seed.target.id,
			scenarioId: seed.owned.id,
		})
		expect((s!.executionConfig as any).target.id).toBe(seed.target.id)
		expect(await deps.queue.pending(SESSION_RUN_JOB)).toBe(pendingBefore + 1)
		// Nothing is due any more.
		expect(await runDueSchedules(deps, now)).toEqual([])
		// The list shows the last session's outcome.
		const listed = (await call(deps.app, 'GET', `/api/scheduled-jobs/${id}`)).json.data
		expect(listed.lastSession).toEqual({ id: j.lastSessionId, status: 'QUEUED' })
	})

	test('concurrent ticks in one process: the conditional UPDATE lets exactly one of them fire', async () => {
		await disableAll()
		const now = new Date()
		const ids = await Promise.all([1, 2, 3].map(() => schedule({}, new Date(now.getTime() - 5000))))
		const results = await Promise.all(Array.from({ length: 6 }, () => runDueSchedules(deps, now)))
		const fired = results.flat()
		expect(fired.map((f) => f.scheduleId).sort()).toEqual([...ids].sort())
		const sessionIds = fired.map((f) => f.sessionId)
		expect(new Set(sessionIds).size).toBe(3)
	})

	test('a next_run_at with microseconds (written by SQL, not by us) is still claimed exactly once', async () => {
		await disableAll()
		const id = await schedule({})
		await deps.db
			.update(scheduledJobs)
			.set({ nextRunAt: sql`now() - interval '1.234567 seconds'` })
			.where(eq(scheduledJobs.id, id))
		const now = new Date(Date.now() + 1000)
		const results = await Promise.all([runDueSchedules(deps, now), runDueSchedules(deps, now)])
		expect(results.flat().map((f) => f.scheduleId)).toEqual([id])
	})

	test('missed fires while down: one catch-up run, then the next time from now', async () => {
		await disableAll()
		const now = new Date()
		const id = await schedule(
			{ cronExpression: '0 * * * *' },
			new Date(now.getTime() - 3 * 24 * 3600_000),
		)
		const fires = await runDueSchedules(deps, now)
		expect(fires.filter((f) => f.scheduleId === id)).toHaveLength(1)
		const j = await job(id)
		expect(j.nextRunAt!.getTime()).toBeGreaterThan(now.getTime())
		expect(j.nextRunAt!.getTime() - now.getTime()).toBeLessThanOrEqual(3600_000)
		expect(await runDueSchedules(deps, now)).toEqual([])
	})

	test('disabled and not-yet-due schedules do not fire', async () => {
		await disableAll()
		const now = new Date()
		await schedule({ isEnabled: true }, new Date(now.getTime() + 60_000))
		const off = await schedule({ isEnabled: false })
		await deps.db
			.update(scheduledJobs)
			.set({ nextRunAt: new Date(now.getTime() - 1000) })
			.where(eq(scheduledJobs.id, off))
		expect(await runDueSchedules(deps, now)).toEqual([])
	})

	test('a fire that cannot start (inactive target) is logged and the schedule moves on', async () => {
		await disableAll()
		const other = await seedScenario(deps, { targetActive: false })
		const now = new Date()
		const r = await call(deps.app, 'POST', '/api/scheduled-jobs', {
			scenarioId: other.owned.id,
			cronExpression: '@hourly',
		})
		await deps.db
			.update(scheduledJobs)
			.set({ nextRunAt: new Date(now.getTime() - 1000) })
			.where(eq(scheduledJobs.id, r.json.data.id))
		const fires = await runDueSchedules(deps, now)
		expect(fires).toHaveLength(1)
		expect(fires[0]!.error).toBeString()
		expect(fires[0]!.sessionId).toBeUndefined()
		expect(await sessionsOf(other.owned.id)).toHaveLength(0)
		const j = await job(r.json.data.id)
		expect(j.nextRunAt!.getTime()).toBeGreaterThan(now.getTime())
		expect(deps.logs.some((l) => l.includes('scheduled run could not start'))).toBe(true)
	})

	test('the @elysiajs/cron ticker fires a due schedule by itself', async () => {
		await disableAll()
		const id = await schedule({}, new Date(Date.now() - 1000))
		const app = new Elysia().use(schedulerPlugin(deps, { pattern: '* * * * * *' }))
		try {
			const deadline = Date.now() + 10_000
			while (!(await job(id)).lastSessionId && Date.now() < deadline) await Bun.sleep(100)
		} finally {
			app.store.cron.schedules.stop()
		}
		expect((await job(id)).lastSessionId).toBeString()
	})
})

describe.skipIf(!testDatabaseUrl())('two servers sharing one Postgres', () => {
	test('each due schedule fires exactly once across two app instances', async () => {
		await disableAll()
		const [{ db: name }] = await deps.database.rows<{ db: string }>(
			sql`select current_database() as db`,
		)
		const url = new URL(testDatabaseUrl()!)
		url.pathname = `/${name}`
		const second = await createDeps(deps.config, {
			database: openPostgres(url.toString(), { max: 5 }),
			queue: createMemoryQueue({ log: createLogger('silent') }),
			bus: createMemoryBus(),
			log: createLogger('silent'),
			secrets: undefined,
		})
		try {
			const now = new Date()
			const ids = await Promise.all(
				Array.from({ length: 8 }, () => schedule({}, new Date(now.getTime() - 2000))),
			)
			const rounds = await Promise.all(
				Array.from({ length: 4 }, (_, i) => runDueSchedules(i % 2 ? second : deps, now)),
			)
			const fired = rounds.flat()
			expect(fired.map((f) => f.scheduleId).sort()).toEqual([...ids].sort())
			const jobs = await deps.db.select().from(scheduledJobs).where(inArray(scheduledJobs.id, ids))
			const sessionIds = jobs.map((j) => j.lastSessionId)
			expect(new Set(sessionIds).size).toBe(8)
			const created = await deps.db
				.select()
				.from(sessions)
				.where(inArray(sessions.id, sessionIds as string[]))
			expect(created).toHaveLength(8)
		} finally {
			await second.close()
		}
	})
})
