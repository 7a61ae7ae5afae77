import { and, eq } from 'drizzle-orm'
import type { Deps } from '../deps'
import { assessments, targets } from '../db/schema'
import type { Job } from '../queue/types'
import { emitAssessmentEvent } from '../webhooks/events'
import { Budget } from './budget'
import { inconclusive, refusalOf } from './classify'
import { estimateGuessUsd } from './estimate'
import { computeHeadline } from './headline'
import {
	assessmentCancelChannel,
	DEFAULT_OPTIONS,
	PROBES,
	type AssessmentRunJob,
	type Finding,
	type Probe,
	type ProbeProgress,
} from './model'
import type { Observation } from './pacer'
import { probeConcurrency, probeSpend, quotaFinding } from './probes-load'
import { probeRate } from './probe-rate'
import { probeInput } from './probe-input'
import { AMPLIFICATION_PROMPTS, probeDepth, probeOutput } from './probes-size'
import { targetPricing, type ProbeCtx, type ProbeSession } from './sessions'
import { assessmentCompletedData } from './service'
import { heartbeatMs } from '../execution/lifecycle'

type Row = typeof assessments.$inferSelect

/**
 * The `assessment.run` job (payload `{ assessmentId }`): claims the assessment QUEUED → RUNNING
 * once, runs its probes in order as sessions in this job, writes progress and findings after
 * each, then the headline, the end status and `assessment.completed`. While it runs it renews
 * `heartbeatAt` (as a session's worker does); one silent too long is failed "worker lost" by the
 * sweep (recoverStaleAssessments), and a run that finds itself no longer RUNNING and its own stops.
 */
export function assessmentRunHandler(deps: Deps) {
	return async (job: Job<AssessmentRunJob>, signal: AbortSignal) => {
		const id = job.data?.assessmentId
		if (typeof id !== 'string') return
		const [row] = await deps.db
			.update(assessments)
			.set({
				status: 'RUNNING',
				startedAt: deps.clock.now(),
				heartbeatAt: deps.clock.now(),
				workerId: deps.workerId,
			})
			.where(and(eq(assessments.id, id), eq(assessments.status, 'QUEUED')))
			.returning()
		if (row) await runAssessment(deps, row, signal)
	}
}

async function runAssessment(deps: Deps, row: Row, jobSignal: AbortSignal) {
	const cancel = new AbortController()
	const signal = AbortSignal.any([jobSignal, cancel.signal])
	const progress: ProbeProgress[] = row.progress.map((p) => ({ ...p }))
	const findings: Finding[] = []
	const onCancel = () => {
		if (!cancel.signal.aborted) cancel.abort('Cancelled')
	}
	const unsubscribe = await deps.bus
		.subscribe(assessmentCancelChannel(row.id), onCancel)
		.catch((error) => {
			deps.log.warn('assessment cancel channel unavailable', { assessmentId: row.id, error })
			return async () => {}
		})
	const [target] = await deps.db.select().from(targets).where(eq(targets.id, row.targetId))
	const pricing = target ? targetPricing(target) : undefined
	const budget = new Budget(row.limits, () => Date.now(), estimateGuessUsd(pricing))
	const opts = { ...DEFAULT_OPTIONS, ...row.options }
	const seen: Observation[] = []
	let quota: { s: ProbeSession; o: Observation } | null = null
	// Only while it is RUNNING and ours: one the sweep failed ("worker lost") stays as it was failed.
	const ours = and(
		eq(assessments.id, row.id),
		eq(assessments.status, 'RUNNING'),
		eq(assessments.workerId, deps.workerId),
	)
	const save = (extra: Partial<Row> = {}) =>
		deps.db
			.update(assessments)
			.set({
				progress,
				findings,
				spent: { ...budget.spent },
				heartbeatAt: deps.clock.now(),
				...extra,
			})
			.where(ours)
			.returning({ id: assessments.id })
	// The heartbeat (docs/architecture.md §4): no longer ours means the sweep gave it up, so stop spending.
	let beating: Promise<unknown> | null = null
	let lost = false
	const heartbeat = setInterval(() => {
		beating ??= deps.db
			.update(assessments)
			.set({ heartbeatAt: deps.clock.now() })
			.where(ours)
			.returning({ id: assessments.id })
			.then((r) => {
				if (r.length || cancel.signal.aborted) return
				deps.log.warn('assessment no longer ours: stopping', { assessmentId: row.id })
				lost = true
				cancel.abort('worker lost')
			})
			.catch((error) =>
				deps.log.warn('assessment heartbeat failed', { assessmentId: row.id, error }),
			)
			.finally(() => (beating = null))
	}, heartbeatMs(deps.config))
	let error: string | null = null
	try {
		let rateFound: number | null = null
		let sustainable: number | null = null
		for (const probe of PROBES.filter((p) => row.probes.includes(p))) {
			const p = progress.find((x) => x.probe === probe)!
			const stop = cancel.signal.aborted
				? 'Cancelled'
				: jobSignal.aborted
					? 'Shutdown'
					: budget.refusal()
			if (stop) {
				p.status = 'skipped'
				p.note = stop
				findings.push(inconclusive(probe, `not run: ${stop}`))
				await save()
				continue
			}
			p.status = 'running'
			await save()
			const before = { ...budget.spent }
			const ctx: ProbeCtx = {
				deps,
				targetId: row.targetId,
				budget,
				pricing,
				signal,
				jobSignal,
				cancelSignal: cancel.signal,
				...(row.options.timeoutMs ? { timeoutMs: row.options.timeoutMs } : {}),
				onSession: async (sid) => {
					p.sessionIds.push(sid)
					await save()
				},
				afterSession: (s) => {
					seen.push(...s.observations)
					const o = s.observations.find((x) => refusalOf(x) === 'quota')
					if (o && !quota) quota = { s, o }
				},
			}
			let finding: Finding
			try {
				finding = await runProbe(probe, ctx, {
					opts,
					rateFound,
					sustainable,
					quota,
					prompt: mostExpensivePrompt(findings),
				})
				p.status = 'done'
			} catch (e) {
				p.status = 'failed'
				p.note = e instanceof Error ? e.message : String(e)
				finding = inconclusive(probe, `the probe failed: ${p.note}`)
			}
			if (probe === 'rate') {
				rateFound = finding.verdict === 'present' ? finding.value : null
				sustainable = (finding as Finding & { sustainable?: number }).sustainable ?? null
				delete (finding as { sustainable?: number }).sustainable
			}
			p.requests = budget.spent.requests - before.requests
			p.costUsd = budget.spent.costUsd - before.costUsd
			findings.push(finding)
			await save()
		}
	} catch (e) {
		error = e instanceof Error ? e.message : String(e)
		deps.log.error('assessment failed', { assessmentId: row.id, error })
	} finally {
		clearInterval(heartbeat)
		await beating
		await unsubscribe().catch(() => {})
	}
	const ok = seen.filter((o) => o.success)
	const headline = computeHeadline(
		findings,
		{
			promptTokens: Math.max(0, ...ok.map((o) => o.promptTokens)),
			completionTokens: Math.max(0, ...ok.map((o) => o.completionTokens)),
			latencyMs: ok.length ? ok.reduce((a, o) => a + o.responseTimeMs, 0) / ok.length : 0,
		},
		pricing,
	)
	const status = error
		? 'FAILED'
		: cancel.signal.aborted
			? 'CANCELLED'
			: jobSignal.aborted
				? 'CANCELLED'
				: 'COMPLETED'
	const stopReason =
		error ??
		(cancel.signal.aborted
			? 'cancelled'
			: jobSignal.aborted
				? 'The worker shut down'
				: (budget.refusal() ?? 'completed'))
	const [ended] = lost
		? []
		: await save({ headline, status, error, stopReason, completedAt: deps.clock.now() })
	// Failed elsewhere meanwhile (the sweep): that end stands, and its event went out there.
	if (!ended) return
	await emitAssessmentEvent(
		deps,
		row.id,
		assessmentCompletedData(
			{ ...row, status, stopReason, headline, findings, spent: budget.spent },
			target?.name ?? null,
		),
	)
}

type Shared = {
	opts: typeof DEFAULT_OPTIONS
	rateFound: number | null
	sustainable: number | null
	quota: { s: ProbeSession; o: Observation } | null
	prompt: string
}

async function runProbe(probe: Probe, ctx: ProbeCtx, sh: Shared): Promise<Finding> {
	const q = sh.quota
	if (q && probe !== 'spend')
		return inconclusive(probe, `not run: the key's quota was exhausted (HTTP ${q.o.status})`)
	switch (probe) {
		case 'output':
			return probeOutput(ctx)
		case 'depth':
			return probeDepth(ctx, sh.opts.maxDepthTurns)
		case 'input':
			return probeInput(ctx, sh.opts.maxInputChars)
		case 'rate':
			return probeRate(ctx, sh.opts.maxRatePerSec, sh.opts.rateStepSec)
		case 'concurrency':
			return probeConcurrency(ctx, sh.opts.maxConcurrency, sh.rateFound)
		case 'spend': {
			if (q) return quotaFinding(q.s, q.o)
			// The highest accepted rate: under the limit found, else the highest rate tested.
			const rate = sh.rateFound
				? sh.rateFound * 0.9
				: Math.min(sh.sustainable ?? 5, sh.opts.maxRatePerSec)
			return probeSpend(ctx, Math.max(0.5, rate), sh.opts.spendDurationSec, sh.prompt)
		}
	}
}

function mostExpensivePrompt(findings: Finding[]): string {
	const out = findings.find((f) => f.probe === 'output')
	const p = out?.figures.mostExpensivePrompt
	const full = AMPLIFICATION_PROMPTS.find((x) => typeof p === 'string' && x.startsWith(p))
	return full ?? AMPLIFICATION_PROMPTS[0]!
}
