import { newId } from '../ids'
import { asc, eq } from 'drizzle-orm'
import type { Deps } from '../deps'
import { sessionMessages, sessions } from '../db/schema'
import { runSessionInline } from '../execution/handler'
import { resolvePricing, templateModel } from '../pricing/cost'
import type { ResolvedPricing } from '../pricing/model'
import { sessionLogPath } from '../sessions/log-path'
import { prepareExecution } from '../sessions/service'
import type { Budget } from './budget'
import type { Spent } from './model'
import { pacedRun, type Observation, type Plan, type PlanOptions } from './pacer'

export type ProbeCtx = {
	deps: Deps
	targetId: string
	budget: Budget
	pricing: ResolvedPricing | undefined
	/** The assessment's job signal (shutdown) and its cancel, combined. */
	signal: AbortSignal
	jobSignal: AbortSignal
	cancelSignal: AbortSignal
	timeoutMs?: number
	/** Told each session's id as soon as it exists (progress, cancel). */
	onSession: (sessionId: string) => Promise<void>
	/** Told each session once it has ended. */
	afterSession?: (s: ProbeSession) => void
}

export type ProbeSession = {
	sessionId: string
	observations: Observation[]
	/** The session's rows, by conversation index and turn: evidence links name their `seq`. */
	seqOf: (o: Observation) => number | undefined
	budgetStop: string | null
	/** The assessment's spend when the session began. */
	spentBefore: Spent
	status: string
	error: string | null
}

/** The pricing of a target's model, as the recorder resolves it. */
export function targetPricing(t: {
	requestTemplate: unknown
	pricing: unknown
	presetId: string | null
}) {
	return resolvePricing({
		model: templateModel(t.requestTemplate) ?? null,
		targetPricing: t.pricing,
		presetId: t.presetId,
	})
}

/**
 * One probe step as an ordinary session: prepared as POST /api/execute prepares one (the
 * target's snapshot, the messages), inserted QUEUED, then claimed and run in this job at once
 * with the probe's own pacing (src/assessments/pacer.ts) — recorded, summarised and ended like
 * any session, so its messages stay inspectable. `decide` ends it once the probe has its answer.
 */
export async function runProbeSession(
	ctx: ProbeCtx,
	plan: Plan,
	decide: (o: Observation, all: Observation[]) => boolean = () => false,
	options: PlanOptions = {},
): Promise<ProbeSession> {
	const { deps } = ctx
	const messages = plan.kind === 'conversation' ? plan.messages : [plan.message(0)]
	const p = await prepareExecution(deps, {
		targetId: ctx.targetId,
		executionConfig: { customMessages: messages },
	})
	const conversations = plan.kind === 'conversation' ? 1 : plan.count
	const timeoutMs = Math.max(100, Math.min(ctx.timeoutMs ?? 60_000, ctx.budget.remainingMs()))
	const snapshot = {
		...p.snapshot,
		repetitions: conversations,
		concurrency: plan.kind === 'each' ? Math.min(10, plan.maxInFlight) : 1,
		delayBetweenMs: plan.kind === 'conversation' ? plan.delayMs : 0,
		timeoutMs,
		gracefulStopMs: 0,
	}
	const id = newId()
	await deps.db.insert(sessions).values({
		id,
		targetId: p.targetId,
		scenarioId: null,
		status: 'QUEUED',
		executionConfig: snapshot,
		logPath: sessionLogPath(id),
		conversationsTotal: conversations,
		messagesTotal: plan.kind === 'conversation' ? plan.messages.length : plan.count,
	})
	await ctx.onSession(id)
	const spentBefore = { ...ctx.budget.spent }
	const paced = pacedRun(plan, ctx.budget, ctx.pricing, decide, options)
	await runSessionInline(deps, id, ctx.jobSignal, paced.run, ctx.cancelSignal)
	const rows = await deps.db
		.select({
			seq: sessionMessages.seq,
			conversationIndex: sessionMessages.conversationIndex,
			turnIndex: sessionMessages.turnIndex,
		})
		.from(sessionMessages)
		.where(eq(sessionMessages.sessionId, id))
		.orderBy(asc(sessionMessages.seq))
	const seqs = new Map(rows.map((r) => [`${r.conversationIndex}:${r.turnIndex}`, r.seq]))
	const [row] = await deps.db
		.select({ status: sessions.status, error: sessions.error })
		.from(sessions)
		.where(eq(sessions.id, id))
	const result: ProbeSession = {
		sessionId: id,
		spentBefore,
		observations: paced.observations,
		seqOf: (o) => seqs.get(`${o.index}:${o.turn}`),
		budgetStop: paced.budgetStop(),
		status: row?.status ?? 'FAILED',
		error: row?.error ?? null,
	}
	ctx.afterSession?.(result)
	return result
}
