import { and, count, desc, eq, inArray } from 'drizzle-orm'
import type { Deps } from '../deps'
import { assessments, sessions, targets } from '../db/schema'
import { Conflict, detail, Invalid, NotFound, Unavailable } from '../http/errors'
import { templateModel } from '../pricing/cost'
import { isPlausibleId } from '../sessions/text'
import { estimateAssessment } from './estimate'
import {
	ASSESSMENT_RUN_JOB,
	assessmentCancelChannel,
	isAssessmentActive,
	PROBES,
	type AssessmentListItem,
	type AssessmentListQuery,
	type AssessmentRunJob,
	type AssessmentStatus,
	type AssessmentView,
	type CreateAssessment,
	type ProbeProgress,
} from './model'
import { targetPricing } from './sessions'

type Ctx = Pick<Deps, 'db' | 'queue' | 'bus' | 'clock' | 'log'>
type Row = typeof assessments.$inferSelect

async function activeTarget(deps: Pick<Deps, 'db'>, id: string) {
	const [t] = isPlausibleId(id)
		? await deps.db.select().from(targets).where(eq(targets.id, id))
		: []
	if (!t) throw new NotFound('Target not found')
	if (!t.isActive)
		throw new Conflict('Target is inactive', 'Activate the target before assessing it.')
	return t
}

/** The estimate of POST /api/assessments, without creating anything (the dashboard's form). */
export async function estimateFor(deps: Pick<Deps, 'db'>, input: CreateAssessment) {
	const t = await activeTarget(deps, input.targetId)
	const pricing = targetPricing(t)
	const probes = input.probes ?? [...PROBES]
	return {
		target: t,
		pricing,
		probes,
		estimate: estimateAssessment(probes, input.options ?? {}, input.limits, pricing),
	}
}

/**
 * POST /api/assessments: the target must be active and priced (the cost limit is enforced on
 * priced spend, docs/architecture.md §4, as `maxCostUsd` of a session is); then the row with its
 * estimate, QUEUED, and the `assessment.run` job.
 */
export async function createAssessment(deps: Ctx, input: CreateAssessment) {
	const probes = input.probes ?? [...PROBES]
	probes.forEach((p, i) => {
		if (probes.indexOf(p) !== i)
			throw new Invalid([detail(['probes', i], `Probe ${p} is listed twice`)])
	})
	const { target, pricing, estimate } = await estimateFor(deps, input)
	if (!pricing)
		throw new Invalid([
			detail(
				['limits', 'maxCostUsd'],
				`No price is known for model "${templateModel(target.requestTemplate) ?? 'unknown'}": set pricing on the target so the cost limit can be enforced`,
				'custom',
			),
		])
	const progress: ProbeProgress[] = PROBES.filter((p) => probes.includes(p)).map((probe) => ({
		probe,
		status: 'pending',
		sessionIds: [],
		requests: 0,
		costUsd: 0,
	}))
	const [row] = await deps.db
		.insert(assessments)
		.values({
			targetId: target.id,
			probes: progress.map((p) => p.probe),
			limits: input.limits,
			options: input.options ?? {},
			estimate,
			progress,
			spent: { requests: 0, costUsd: 0, tokens: 0 },
			findings: [],
		})
		.returning()
	try {
		const data: AssessmentRunJob = { assessmentId: row!.id }
		await deps.queue.enqueue(ASSESSMENT_RUN_JOB, data, { jobId: `assessment-${row!.id}` })
	} catch (e) {
		await deps.db
			.update(assessments)
			.set({
				status: 'FAILED',
				error: 'Could not queue the assessment',
				completedAt: deps.clock.now(),
			})
			.where(eq(assessments.id, row!.id))
		deps.log.error('enqueue failed', { assessmentId: row!.id, error: e })
		throw new Unavailable(
			'Queue unavailable',
			'The assessment could not be queued; try again later',
		)
	}
	return { assessmentId: row!.id, status: 'QUEUED' as const, estimate }
}

const present = (r: Row, targetName: string | null): AssessmentView => ({
	id: r.id,
	target: { id: r.targetId, name: targetName },
	status: r.status as AssessmentStatus,
	probes: r.probes,
	limits: r.limits,
	options: r.options,
	estimate: r.estimate,
	progress: r.progress,
	spent: r.spent,
	findings: r.findings,
	headline: r.headline ?? null,
	error: r.error,
	stopReason: r.stopReason,
	createdAt: r.createdAt,
	startedAt: r.startedAt,
	completedAt: r.completedAt,
})

async function assessmentRow(deps: Pick<Deps, 'db'>, id: string) {
	const [row] = isPlausibleId(id)
		? await deps.db
				.select({ a: assessments, targetName: targets.name })
				.from(assessments)
				.leftJoin(targets, eq(targets.id, assessments.targetId))
				.where(eq(assessments.id, id))
		: []
	if (!row) throw new NotFound('Assessment not found')
	return row
}

export async function getAssessment(deps: Pick<Deps, 'db'>, id: string): Promise<AssessmentView> {
	const row = await assessmentRow(deps, id)
	return present(row.a, row.targetName)
}

export async function listAssessments(deps: Pick<Deps, 'db'>, q: AssessmentListQuery) {
	const limit = q.limit ?? 50
	const offset = q.offset ?? 0
	const [rows, [total]] = await Promise.all([
		deps.db
			.select({ a: assessments, targetName: targets.name })
			.from(assessments)
			.leftJoin(targets, eq(targets.id, assessments.targetId))
			.orderBy(desc(assessments.createdAt), desc(assessments.id))
			.limit(limit)
			.offset(offset),
		deps.db.select({ n: count() }).from(assessments),
	])
	const items: AssessmentListItem[] = rows.map((r) => {
		const { findings: _f, progress: _p, ...rest } = present(r.a, r.targetName)
		return rest
	})
	return { items, total: total?.n ?? 0, limit, offset }
}

/**
 * POST /api/assessments/:id/cancel: a queued one ends at once; a running one is told on its bus
 * channel (its worker cancels the session in flight and ends the assessment CANCELLED).
 */
export async function cancelAssessment(deps: Ctx, id: string) {
	const row = await assessmentRow(deps, id)
	if (!isAssessmentActive(row.a.status))
		throw new Conflict('Assessment is not active', `The assessment is already ${row.a.status}.`)
	const [queued] = await deps.db
		.update(assessments)
		.set({ status: 'CANCELLED', stopReason: 'cancelled', completedAt: deps.clock.now() })
		.where(and(eq(assessments.id, id), eq(assessments.status, 'QUEUED')))
		.returning({ id: assessments.id })
	if (queued) {
		await deps.queue.cancel(ASSESSMENT_RUN_JOB, `assessment-${id}`).catch(() => false)
		return { id, status: 'CANCELLED', message: 'Assessment cancelled' }
	}
	await deps.bus.publish(assessmentCancelChannel(id), { type: 'cancel' })
	const deadline = deps.clock.perf() + 5000
	while (deps.clock.perf() < deadline) {
		const cur = await assessmentRow(deps, id)
		if (!isAssessmentActive(cur.a.status))
			return { id, status: cur.a.status, message: 'Assessment cancelled' }
		await deps.clock.sleep(100)
		await deps.bus.publish(assessmentCancelChannel(id), { type: 'cancel' })
	}
	return { id, status: 'RUNNING', message: 'Cancellation requested' }
}

/** DELETE /api/assessments/:id: a finished assessment and the sessions its probes ran. */
export async function deleteAssessment(deps: Pick<Deps, 'db'>, id: string) {
	const row = await assessmentRow(deps, id)
	if (isAssessmentActive(row.a.status))
		throw new Conflict('Assessment is active', 'Cancel the assessment before deleting it.')
	const ids = row.a.progress.flatMap((p) => p.sessionIds)
	await deps.db.transaction(async (tx) => {
		if (ids.length) await tx.delete(sessions).where(inArray(sessions.id, ids))
		await tx.delete(assessments).where(eq(assessments.id, id))
	})
}

/**
 * Start-up recovery: QUEUED assessments get their job again (the job id deduplicates); RUNNING
 * ones were left by a process that died (embedded: every one; scaled: only this worker's own
 * runs are known, so those are left to their worker) and fail, keeping their findings.
 */
export async function recoverAssessments(
	deps: Pick<Deps, 'db' | 'queue' | 'clock' | 'config'> & { workerId: string },
	embedded: boolean,
) {
	const rows = await deps.db
		.select({ id: assessments.id, status: assessments.status, workerId: assessments.workerId })
		.from(assessments)
		.where(inArray(assessments.status, ['QUEUED', 'RUNNING']))
	for (const r of rows) {
		if (r.status === 'QUEUED') {
			const data: AssessmentRunJob = { assessmentId: r.id }
			await deps.queue.enqueue(ASSESSMENT_RUN_JOB, data, { jobId: `assessment-${r.id}` })
		} else if (embedded || r.workerId === deps.workerId) {
			await deps.db
				.update(assessments)
				.set({
					status: 'FAILED',
					error: 'worker lost',
					stopReason: 'worker lost',
					completedAt: deps.clock.now(),
				})
				.where(and(eq(assessments.id, r.id), eq(assessments.status, 'RUNNING')))
		}
	}
}
