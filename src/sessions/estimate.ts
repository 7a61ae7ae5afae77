import { and, desc, eq, isNotNull } from 'drizzle-orm'
import type { Deps } from '../deps'
import { sessionMessages, sessions } from '../db/schema'
import { flowFromMessages } from '../engine/interpreter'
import { plannedMessages } from '../engine/flow-validation'
import { expectedStarts, isOpenModel, loadDurationSec } from '../execution/load'
import { costOf, resolvePricing, templateModel } from '../pricing/cost'
import type { ExecuteBody, ExecutionEstimate } from './model'
import { prepareExecution } from './service'

type Ctx = Pick<Deps, 'db' | 'database' | 'queue' | 'bus' | 'clock' | 'log' | 'config'>

/** Replies assumed this long when neither history nor the template's max tokens says otherwise. */
const ASSUMED_OUTPUT_TOKENS = 256
/** The target's recent messages an estimate averages. */
const HISTORY_ROWS = 1000

/**
 * POST /api/execute/estimate: what an execution would send and cost, before it starts (nothing is
 * written). Conversations follow the load model; a run ended by time rather than a count
 * (closed with a duration, concurrency stages) has no count to estimate. The cost per message is
 * the target's recent average when it has priced history, else its price × the messages' tokens
 * and an assumed reply length (docs/architecture.md §4).
 */
export async function estimateExecution(deps: Ctx, input: ExecuteBody): Promise<ExecutionEstimate> {
	const p = await prepareExecution(deps, input)
	const snap = p.snapshot
	const load = snap.load
	const timeBound =
		(load?.type === 'closed' && load.durationSec !== undefined) ||
		(load?.type === 'stages' && !isOpenModel(load))
	const conversations = timeBound
		? null
		: isOpenModel(load)
			? expectedStarts(load!)
			: snap.repetitions
	const flow = snap.scenario
		? snap.scenario.flowConfig
		: flowFromMessages(snap.customMessages ?? [])
	const perConversation = plannedMessages(flow) ?? null
	const messages =
		conversations !== null && perConversation !== null ? conversations * perConversation : null
	const perMessage = await costPerMessage(deps, p.targetId, snap)
	return {
		loadType: load?.type ?? 'fixed',
		durationSec: loadDurationSec(load),
		conversations,
		messagesPerConversation: perConversation,
		messages,
		costPerMessageUsd: perMessage?.usd ?? null,
		costBasis: perMessage?.basis ?? null,
		estimatedCostUsd:
			perMessage && messages !== null ? Math.round(perMessage.usd * messages * 1e6) / 1e6 : null,
	}
}

async function costPerMessage(
	deps: Ctx,
	targetId: string,
	snap: Awaited<ReturnType<typeof prepareExecution>>['snapshot'],
): Promise<{ usd: number; basis: 'history' | 'price' } | null> {
	const recent = await deps.db
		.select({ cost: sessionMessages.costUsd })
		.from(sessionMessages)
		.innerJoin(sessions, eq(sessions.id, sessionMessages.sessionId))
		.where(
			and(
				eq(sessions.targetId, targetId),
				eq(sessionMessages.success, true),
				isNotNull(sessionMessages.costUsd),
			),
		)
		.orderBy(desc(sessionMessages.sentAt))
		.limit(HISTORY_ROWS)
	if (recent.length)
		return { usd: recent.reduce((n, r) => n + (r.cost ?? 0), 0) / recent.length, basis: 'history' }
	const t = snap.target
	const model = templateModel(t.requestTemplate)
	const pricing = resolvePricing({
		model: model ?? null,
		targetPricing: t.pricing,
		presetId: t.presetId,
	})
	if (!pricing) return null
	const texts = snap.scenario
		? snap.scenario.flowConfig.flatMap((s) => (s.type === 'message' ? [s.config.message] : []))
		: (snap.customMessages ?? [])
	const avgChars = texts.length ? texts.reduce((n, s) => n + s.length, 0) / texts.length : 0
	const structure = (t.requestTemplate as { structure?: Record<string, unknown> }).structure ?? {}
	const maxOut = [structure.max_tokens, structure.max_completion_tokens].find(
		(v): v is number => typeof v === 'number' && v > 0,
	)
	const cost = costOf(
		{
			promptTokens: Math.ceil(avgChars / 4) + 8,
			completionTokens: maxOut ?? ASSUMED_OUTPUT_TOKENS,
			cachedTokens: 0,
			estimated: true,
		},
		pricing,
	)
	return cost.costUsd === null ? null : { usd: cost.costUsd, basis: 'price' }
}
