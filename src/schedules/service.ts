import { METRIC_NAMES, METRICS } from '../compare/metrics'
import { desc, eq, sql } from 'drizzle-orm'
import type { Deps } from '../deps'
import { scenarios, scheduledJobs, sessions, targets } from '../db/schema'
import { Invalid, NotFound } from '../http/errors'
import { canonicalTimezone, cronProblems, describeCron, nextRun, nextRuns } from './cron'
import { listScenarioOptions } from '../scenarios/service'
import { listTargetOptions } from '../targets/service'
import type {
	CreateSchedule,
	CronPreview,
	ScheduleFormOptions,
	ScheduleView,
	UpdateSchedule,
} from './model'

type Ctx = Pick<Deps, 'db' | 'clock'>

const effectiveTarget = sql<
	string | null
>`coalesce(${scheduledJobs.targetId}, ${scenarios.targetId})`

function selectViews(deps: Ctx) {
	return deps.db
		.select({
			job: scheduledJobs,
			scenarioName: scenarios.name,
			scenarioTargetId: scenarios.targetId,
			targetId: targets.id,
			targetName: targets.name,
			lastSessionStatus: sessions.status,
		})
		.from(scheduledJobs)
		.innerJoin(scenarios, eq(scenarios.id, scheduledJobs.scenarioId))
		.leftJoin(targets, eq(targets.id, effectiveTarget))
		.leftJoin(sessions, eq(sessions.id, scheduledJobs.lastSessionId))
		.$dynamic()
}

type Joined = Awaited<ReturnType<typeof selectViews>>[number]
const present = (r: Joined): ScheduleView => ({
	...r.job,
	description: describeCron(r.job.cronExpression),
	scenario: { name: r.scenarioName, targetId: r.scenarioTargetId },
	target: r.targetId ? { id: r.targetId, name: r.targetName! } : null,
	lastSession:
		r.job.lastSessionId && r.lastSessionStatus
			? { id: r.job.lastSessionId, status: r.lastSessionStatus }
			: null,
})

export async function listSchedules(
	deps: Ctx,
	q: { scenarioId?: string },
): Promise<ScheduleView[]> {
	const query = selectViews(deps).orderBy(desc(scheduledJobs.createdAt))
	const rows = q.scenarioId
		? await query.where(eq(scheduledJobs.scenarioId, q.scenarioId))
		: await query
	return rows.map(present)
}

export async function getSchedule(deps: Ctx, id: string): Promise<ScheduleView> {
	const [row] = await selectViews(deps).where(eq(scheduledJobs.id, id))
	if (!row) throw new NotFound('Scheduled job not found')
	return present(row)
}

/** Checks references and the cron/zone pair; returns the canonical zone. */
async function validate(
	deps: Ctx,
	input: { scenarioId: string; targetId?: string | null; cronExpression: string; timezone: string },
) {
	const problems = cronProblems(input.cronExpression, input.timezone)
	if (problems.length) throw new Invalid(problems)
	const [scenario] = await deps.db
		.select()
		.from(scenarios)
		.where(eq(scenarios.id, input.scenarioId))
	if (!scenario) throw new NotFound('Scenario not found')
	if (input.targetId) {
		const [target] = await deps.db
			.select({ id: targets.id })
			.from(targets)
			.where(eq(targets.id, input.targetId))
		if (!target) throw new NotFound('Target not found')
	} else if (!scenario.targetId) {
		throw new Invalid([
			{
				code: 'invalid_type',
				expected: 'string',
				received: 'undefined',
				path: ['targetId'],
				message: 'Required: the scenario has no target of its own',
			},
		])
	}
	return canonicalTimezone(input.timezone)!
}

const nextFire = (deps: Ctx, enabled: boolean, cron: string, tz: string) =>
	enabled ? nextRun(cron, tz, deps.clock.now()) : null

export async function createSchedule(deps: Ctx, input: CreateSchedule): Promise<ScheduleView> {
	const timezone = await validate(deps, { ...input, timezone: input.timezone ?? 'UTC' })
	const isEnabled = input.isEnabled ?? true
	const cronExpression = input.cronExpression.trim()
	const [row] = await deps.db
		.insert(scheduledJobs)
		.values({
			name: input.name ?? null,
			scenarioId: input.scenarioId,
			targetId: input.targetId ?? null,
			cronExpression,
			timezone,
			isEnabled,
			regression: input.regression ?? null,
			nextRunAt: nextFire(deps, isEnabled, cronExpression, timezone),
		})
		.returning()
	return getSchedule(deps, row!.id)
}

/**
 * PATCH changes what it names; `replace` (PUT, the edit form) resets what the body leaves out.
 * The next fire time is recomputed from now whenever the timing or the enabled flag changes.
 */
export async function updateSchedule(
	deps: Ctx,
	id: string,
	input: UpdateSchedule,
	mode: 'patch' | 'replace' = 'patch',
): Promise<ScheduleView> {
	const [current] = await deps.db.select().from(scheduledJobs).where(eq(scheduledJobs.id, id))
	if (!current) throw new NotFound('Scheduled job not found')
	const replace = mode === 'replace'
	const merged = {
		name: input.name !== undefined || replace ? (input.name ?? null) : current.name,
		scenarioId: input.scenarioId ?? current.scenarioId,
		targetId: input.targetId !== undefined || replace ? (input.targetId ?? null) : current.targetId,
		cronExpression: (input.cronExpression ?? current.cronExpression).trim(),
		timezone: input.timezone ?? (replace ? 'UTC' : current.timezone),
		isEnabled: input.isEnabled ?? (replace ? true : current.isEnabled),
		regression:
			input.regression !== undefined || replace ? (input.regression ?? null) : current.regression,
	}
	const timezone = await validate(deps, merged)
	const timingChanged =
		merged.cronExpression !== current.cronExpression ||
		timezone !== current.timezone ||
		merged.isEnabled !== current.isEnabled ||
		(merged.isEnabled && !current.nextRunAt)
	await deps.db
		.update(scheduledJobs)
		.set({
			...merged,
			timezone,
			...(timingChanged
				? { nextRunAt: nextFire(deps, merged.isEnabled, merged.cronExpression, timezone) }
				: {}),
		})
		.where(eq(scheduledJobs.id, id))
	return getSchedule(deps, id)
}

export async function deleteSchedule(deps: Ctx, id: string): Promise<void> {
	const rows = await deps.db
		.delete(scheduledJobs)
		.where(eq(scheduledJobs.id, id))
		.returning({ id: scheduledJobs.id })
	if (!rows.length) throw new NotFound('Scheduled job not found')
}

/** The form's live preview: a reading of the expression and its next five fire times. */
export function previewCron(
	deps: Pick<Deps, 'clock'>,
	q: { cronExpression?: string; timezone?: string },
): CronPreview {
	const expression = (q.cronExpression ?? '').trim()
	const timezone = canonicalTimezone(q.timezone || 'UTC') ?? q.timezone ?? 'UTC'
	if (!expression)
		return {
			valid: false,
			description: '',
			nextRuns: [],
			timezone,
			problems: ['Enter a cron expression'],
		}
	const problems = cronProblems(expression, timezone)
	if (problems.length)
		return {
			valid: false,
			description: '',
			nextRuns: [],
			timezone,
			problems: problems.map((p) => p.message),
		}
	return {
		valid: true,
		description: describeCron(expression),
		nextRuns: nextRuns(expression, timezone, deps.clock.now(), 5).map((d) => d.toISOString()),
		timezone,
		problems: [],
	}
}

/** Scenario and target choices for the schedule form. */
export async function scheduleFormOptions(deps: Pick<Deps, 'db'>): Promise<ScheduleFormOptions> {
	const [scenarioRows, targetRows] = await Promise.all([
		listScenarioOptions(deps),
		listTargetOptions(deps),
	])
	const metrics = METRIC_NAMES.map((name) => ({
		name,
		label: METRICS[name].label,
		unit: METRICS[name].unit,
	}))
	return { scenarios: scenarioRows, targets: targetRows, metrics }
}
