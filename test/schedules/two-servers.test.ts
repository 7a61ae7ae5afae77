import { afterAll, beforeAll, expect, test } from 'bun:test'
import { eq, inArray, sql } from 'drizzle-orm'
import { scheduledJobs, sessions } from '../../src/db/schema'
import { createTestDeps, type TestDeps } from '../helpers/deps'
import { testDatabaseUrl } from '../helpers/db'
import { startListening, stop, type Running } from '../helpers/process'
import { seedScenario } from '../helpers/schedules'

/**
 * Postgres only: two real `krawall` server processes (`bun src/main.ts --no-worker`) share one
 * database; each runs its own 10-second ticker, aligned on the wall clock, so they race for the
 * same due schedules. Every schedule must fire exactly once.
 */
const pg = Boolean(testDatabaseUrl())
let deps: TestDeps
const servers: Running[] = []
beforeAll(async () => {
	if (pg) deps = await createTestDeps()
}, 30_000)
afterAll(async () => {
	for (const s of servers) await stop(s).catch(() => {})
	await deps?.close()
})

test.skipIf(!pg)(
	'due schedules fire exactly once with two server processes on one Postgres',
	async () => {
		const seed = await seedScenario(deps)
		const [{ db }] = await deps.database.rows<{ db: string }>(sql`select current_database() as db`)
		const url = new URL(testDatabaseUrl()!)
		url.pathname = `/${db}`
		const env = {
			PATH: process.env.PATH ?? '',
			HOME: process.env.HOME ?? '/tmp',
			DATABASE_URL: url.toString(),
			KRAWALL_ENCRYPTION_KEY: Buffer.from(deps.key).toString('base64'),
			KRAWALL_DATA_DIR: deps.config.dataDir,
			HOST: '127.0.0.1',
			PORT: '0',
			LOG_LEVEL: 'info',
		}
		// Yearly schedules made due now: a second fire could only come from a double claim.
		const now = Date.now()
		const rows = await deps.db
			.insert(scheduledJobs)
			.values(
				Array.from({ length: 6 }, (_, i) => ({
					name: `race ${i}`,
					scenarioId: seed.owned.id,
					cronExpression: '0 0 1 1 *',
					timezone: 'UTC',
					nextRunAt: new Date(now - 1000 - i),
				})),
			)
			.returning({ id: scheduledJobs.id })
		const ids = rows.map((r) => r.id)
		for (let i = 0; i < 2; i++)
			servers.push(
				await startListening(['bun', 'src/main.ts', '--no-worker'], { env, timeoutMs: 60_000 }),
			)

		const fired = async () =>
			(await deps.db.select().from(scheduledJobs).where(inArray(scheduledJobs.id, ids))).filter(
				(j) => j.lastSessionId,
			).length
		const deadline = Date.now() + 45_000
		while ((await fired()) < ids.length && Date.now() < deadline) await Bun.sleep(250)
		expect(await fired()).toBe(ids.length)
		// Let both tickers run at least once more (10 s period) before counting.
		await Bun.sleep(11_000)
		const created = await deps.db
			.select()
			.from(sessions)
			.where(eq(sessions.scenarioId, seed.owned.id))
		expect(created).toHaveLength(ids.length)
		const jobs = await deps.db.select().from(scheduledJobs).where(inArray(scheduledJobs.id, ids))
		expect(new Set(jobs.map((j) => j.lastSessionId)).size).toBe(ids.length)
		expect(jobs.every((j) => j.nextRunAt!.getTime() > now)).toBe(true)
		// Both processes were alive and ticking throughout.
		for (const s of servers) expect(s.proc.exitCode).toBeNull()
		const logs = servers.map((s) => s.stderr())
		const fires = logs.map((l) => (l.match(/"msg":"schedule fired"/g) ?? []).length)
		expect(fires[0]! + fires[1]!).toBe(ids.length)
	},
	120_000,
)
