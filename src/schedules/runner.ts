import { cron } from '@elysiajs/cron'
import { and, asc, eq, lte, sql } from 'drizzle-orm'
import { Elysia } from 'elysia'
import type { Deps } from '../deps'
import { scenarios, scheduledJobs } from '../db/schema'
import { executeSession } from '../sessions/service'
import { nextRun } from './cron'

type Ctx = Parameters<typeof executeSession>[0]

type Fire = { scheduleId: string; sessionId?: string; error?: string }

/**
 * Claims one due schedule: a single conditional UPDATE moves `next_run_at` forward from the
 * value this process read. Of several servers reading the same row, exactly one sees its UPDATE
 * match; the others match nothing and skip. The next time is computed from `now`, not from the
 * missed time, so a server that was down fires a schedule at most once to catch up.
 */
async function claimSchedule(
	deps: Pick<Deps, 'db'>,
	job: { id: string; seen: string },
	next: Date | null,
	now: Date,
) {
	const [row] = await deps.db
		.update(scheduledJobs)
		.set({ nextRunAt: next, lastRunAt: now })
		.where(
			and(
				eq(scheduledJobs.id, job.id),
				sql`${scheduledJobs.nextRunAt} = ${job.seen}::timestamptz`,
				eq(scheduledJobs.isEnabled, true),
			),
		)
		.returning({ id: scheduledJobs.id })
	return Boolean(row)
}

/**
 * One tick: fires every enabled schedule whose `next_run_at` has passed, each exactly once
 * across all servers. A fire creates and enqueues a session exactly as POST /api/execute does
 * and records it as the schedule's last session. A fire that cannot start (target deleted or
 * inactive) is logged; the schedule moves on to its next time.
 */
export async function runDueSchedules(deps: Ctx, now: Date = deps.clock.now()): Promise<Fire[]> {
	const due = await deps.db
		.select({
			id: scheduledJobs.id,
			// Read back as text: exact to the microsecond, where a JS Date keeps only milliseconds.
			seen: sql<string>`${scheduledJobs.nextRunAt}::text`,
			cronExpression: scheduledJobs.cronExpression,
			timezone: scheduledJobs.timezone,
			scenarioId: scheduledJobs.scenarioId,
			targetId: sql<string | null>`coalesce(${scheduledJobs.targetId}, ${scenarios.targetId})`,
		})
		.from(scheduledJobs)
		.innerJoin(scenarios, eq(scenarios.id, scheduledJobs.scenarioId))
		.where(and(eq(scheduledJobs.isEnabled, true), lte(scheduledJobs.nextRunAt, now)))
		.orderBy(asc(scheduledJobs.nextRunAt))
		.limit(100)
	const fires: Fire[] = []
	for (const job of due) {
		const next = nextRun(job.cronExpression, job.timezone, now)
		if (!(await claimSchedule(deps, { id: job.id, seen: job.seen }, next, now))) continue
		try {
			if (!job.targetId) throw new Error('neither the schedule nor its scenario has a target')
			const r = await executeSession(
				deps,
				{ targetId: job.targetId, scenarioId: job.scenarioId },
				{ scheduleId: job.id },
			)
			await deps.db
				.update(scheduledJobs)
				.set({ lastSessionId: r.sessionId })
				.where(eq(scheduledJobs.id, job.id))
			deps.log.info('schedule fired', { scheduleId: job.id, sessionId: r.sessionId })
			fires.push({ scheduleId: job.id, sessionId: r.sessionId })
		} catch (e) {
			const error = e instanceof Error ? e.message : String(e)
			await deps.db
				.update(scheduledJobs)
				.set({ lastSessionId: null })
				.where(eq(scheduledJobs.id, job.id))
			deps.log.warn('scheduled run could not start', { scheduleId: job.id, error })
			fires.push({ scheduleId: job.id, error })
		}
	}
	return fires
}

/**
 * The ticker for serve mode (wired in src/main.ts, never in createApp, so tests only fire on
 * purpose). Every server runs one; the claim above makes that safe. `protect` skips a tick while
 * the previous one is still running.
 */
export const schedulerPlugin = (deps: Ctx, opts: { pattern?: string } = {}) =>
	new Elysia({ name: 'krawall.scheduler' }).use(
		cron({
			name: 'schedules',
			pattern: opts.pattern ?? '*/10 * * * * *',
			protect: true,
			run: async () => {
				try {
					await runDueSchedules(deps)
				} catch (e) {
					deps.log.error('schedule tick failed', { error: e })
				}
			},
		}),
	)
