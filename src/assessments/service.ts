import { and, count, desc, eq, inArray, isNull, lt, or, type SQL } from 'drizzle-orm'
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
import { emitAssessmentEvent } from '../webhooks/events'

const WORKER_LOST = 'worker lost'

/** The `assessment.completed` webhook event's data, for every way an assessment ends. */
export const assessmentCompletedData = (
	a: Pick<Row, 'id' | 'status' | 'targetId' | 'stopReason' | 'headline' | 'findings' | 'spent'>,
	targetName: string | null,
) => ({
	assessment: { id: a.id, status: a.status, targetId: a.targetId, stopReason: a.stopReason },
	target: { id: a.targetId, name: targetName },
	headline: a.headline,
	findings: a.findings.map((f) => ({
		probe: f.probe,
		control: f.control,
		mitigation: f.mitigation,
		verdict: f.verdict,
		value: f.value,
		unit: f.unit,
		summary: f.summary,
	})),
	spent: a.spent,
})

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
 * ones left by a dead process fail "worker lost", keeping their findings (embedded: every one,
 * this process being the only worker; scaled: this worker's own, and any silent for twice the
 * stall interval — the periodic sweep's rule, recoverStaleAssessments).
 */
export async function recoverAssessments(
	deps: Pick<Deps, 'db' | 'database' | 'queue' | 'clock' | 'config' | 'log'> & {
		workerId: string
	},
	embedded: boolean,
) {
	const queued = await deps.db
		.select({ id: assessments.id })
		.from(assessments)
		.where(eq(assessments.status, 'QUEUED'))
	for (const r of queued) {
		const data: AssessmentRunJob = { assessmentId: r.id }
		await deps.queue.enqueue(ASSESSMENT_RUN_JOB, data, { jobId: `assessment-${r.id}` })
	}
	if (embedded) return recoverStaleAssessments(deps, null)
	const staleBefore = new Date(deps.clock.now().getTime() - 2 * deps.config.workerStallMs)
	return recoverStaleAssessments(deps, staleBefore, deps.workerId)
}

/**
 * The assessments' part of the sweep (docs/architecture.md §4), as sessions have theirs
 * (recoverStale): a RUNNING assessment whose heartbeat is older than `staleBefore` (every RUNNING
 * one when it is null; with `ownWorker`, that worker's too, whatever its heartbeat) lost its
 * worker. It fails "worker lost" and keeps the findings it wrote. A probe it was running is marked
 * failed, and `assessment.completed` goes out as for any other end. The UPDATE re-checks the
 * heartbeat, so a worker that beat meanwhile keeps its assessment. Answers how many it failed.
 */
export async function recoverStaleAssessments(
	deps: Pick<Deps, 'db' | 'database' | 'queue' | 'clock' | 'log'>,
	staleBefore: Date | null,
	ownWorker?: string,
): Promise<number> {
	const lost = (): SQL | undefined => {
		if (!staleBefore) return undefined
		const silent = or(isNull(assessments.heartbeatAt), lt(assessments.heartbeatAt, staleBefore))
		return ownWorker ? or(silent, eq(assessments.workerId, ownWorker)) : silent
	}
	const rows = await deps.db
		.select()
		.from(assessments)
		.where(and(eq(assessments.status, 'RUNNING'), lost()))
	let failed = 0
	for (const r of rows) {
		const progress = r.progress.map((p) =>
			p.status === 'running' ? { ...p, status: 'failed' as const, note: WORKER_LOST } : p,
		)
		const [done] = await deps.db
			.update(assessments)
			.set({
				status: 'FAILED',
				error: WORKER_LOST,
				stopReason: WORKER_LOST,
				progress,
				completedAt: deps.clock.now(),
			})
			.where(and(eq(assessments.id, r.id), eq(assessments.status, 'RUNNING'), lost()))
			.returning()
		if (!done) continue
		failed++
		deps.log.warn('assessment failed: worker lost', { assessmentId: r.id, workerId: r.workerId })
		const [t] = await deps.db
			.select({ name: targets.name })
			.from(targets)
			.where(eq(targets.id, r.targetId))
		await emitAssessmentEvent(deps, r.id, assessmentCompletedData(done, t?.name ?? null))
	}
	return failed
}
