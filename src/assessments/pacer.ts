import type { SendResult } from '../connectors/types'
import type { ErrorHandling, ExchangeRecord } from '../engine/types'
import { flowFromMessages, runConversation } from '../engine/interpreter'
import type { ConversationsRun } from '../execution/handler'
import { RunStop, type StopCause } from '../execution/runner'
import { costOf } from '../pricing/cost'
import type { ResolvedPricing } from '../pricing/model'
import type { Budget } from './budget'

/**
 * How a probe's session sends (the open-model arrival rates of the runner are not used here):
 * - `each`: request i is a one-message conversation started at `i × intervalMs` from the start
 *   (0: all at once), at most `maxInFlight` at a time — an open arrival process, so the rate
 *   sent does not drop when the target slows;
 * - `conversation`: one conversation, its messages in turn, `delayMs` between them.
 */
export type Plan =
	| {
			kind: 'each'
			count: number
			message: (i: number) => string
			intervalMs: number
			maxInFlight: number
	  }
	| { kind: 'conversation'; messages: string[]; delayMs: number }

/** Per plan: wait out a rate limiter's 429/503 (its Retry-After) and resend, up to this many times. */
export type PlanOptions = { rateRetries?: number }

/**
 * The retry of a rate refusal (docs/architecture.md §4 error handling): the size probes measure
 * sizes, not rates, so they wait for the limiter as a patient client would.
 */
const rateRetry = (n: number): ErrorHandling => ({
	onError: 'skip',
	maxRetries: n,
	delayMs: 250,
	backoffMultiplier: 2,
	maxDelayMs: 10_000,
	statusCodes: { '429': 'retry', '503': 'retry' },
})

/** One request as a probe sees it (the session's row is the record; this is for deciding). */
export type Observation = {
	index: number
	turn: number
	requestChars: number
	/** ms since the probe session's first send (monotonic). */
	startMs: number
	responseTimeMs: number
	status: number | null
	success: boolean
	errorType: string | null
	/** The error message and body, lower-cased, for classifying refusals. */
	errorText: string
	promptTokens: number
	completionTokens: number
	costUsd: number
	headers: Record<string, string>
	retryAfterMs: number | null
	finishReason: string | null
	content: string
}

/** The reason a provider gave for ending a reply, from the raw JSON of the common wire formats. */
export function finishReasonOf(raw: unknown): string | null {
	const r = raw as Record<string, any> | null
	if (!r || typeof r !== 'object') return null
	const v =
		r.choices?.[0]?.finish_reason ??
		r.stop_reason ??
		r.candidates?.[0]?.finishReason ??
		r.done_reason ??
		r.finish_reason
	return typeof v === 'string' ? v : null
}

export const isLengthStop = (f: string | null) =>
	f !== null && ['length', 'max_tokens', 'MAX_TOKENS'].includes(f)

function observe(r: ExchangeRecord, index: number, t0: number, costUsd: number): Observation {
	const res: SendResult = r.result
	const first = r.attempts[0]
	const raw = res.success ? '' : JSON.stringify(res.raw ?? '').slice(0, 2000)
	return {
		index,
		turn: r.turnIndex,
		requestChars: r.request.length,
		startMs: first ? Math.max(0, Date.parse(first.sentAt) - t0) : 0,
		responseTimeMs: res.responseTimeMs,
		status: res.httpStatus ?? null,
		success: res.success,
		errorType: res.success ? null : (res.error?.type ?? 'unknown'),
		errorText: res.success ? '' : `${res.error?.message ?? ''} ${raw}`.toLowerCase(),
		promptTokens: res.usage?.promptTokens ?? 0,
		completionTokens: res.usage?.completionTokens ?? 0,
		costUsd,
		headers: res.rateLimitHeaders ?? {},
		retryAfterMs: res.error?.retryAfterMs ?? null,
		finishReason: res.success ? finishReasonOf(res.raw) : null,
		content: (res.content ?? '').slice(0, 50_000),
	}
}

export type PacedRun = {
	run: ConversationsRun
	observations: Observation[]
	/** Why the budget stopped the probe, if it did. */
	budgetStop: () => string | null
}

/**
 * A ConversationsRun (src/execution/handler.ts) for one probe session: sends per `plan`, every
 * request admitted by the assessment's `budget` first, each reply observed; `decide` returns
 * true once the probe has its answer, and nothing more is started.
 */
export function pacedRun(
	plan: Plan,
	budget: Budget,
	pricing: ResolvedPricing | undefined,
	decide: (o: Observation, all: Observation[]) => boolean,
	options: PlanOptions = {},
): PacedRun {
	const retries = options.rateRetries ?? 0
	const slots = 1 + retries
	const observations: Observation[] = []
	let budgetStop: string | null = null
	const run: ConversationsRun = async (deps, input) => {
		const { connector, recorder, controller } = input
		const hard = controller.signal
		const done = new AbortController()
		const halt = AbortSignal.any([
			hard,
			done.signal,
			...(input.stopSignal ? [input.stopSignal] : []),
		])
		const t0 = Date.now()
		const timeoutMs = input.snapshot.timeoutMs ?? 60_000
		let requests = 0
		let conversations = 0
		const tryAdmit = () => {
			const no = budget.admit(slots)
			if (no) {
				budgetStop ??= no
				done.abort(no)
			}
			return !no
		}
		const record = async (r: ExchangeRecord, index: number, more: boolean) => {
			await recorder.record(r)
			const usage = r.result.usage
			const cost =
				r.result.success || usage?.totalTokens ? (costOf(usage, pricing).costUsd ?? 0) : 0
			budget.settle(
				cost,
				r.result.success ? (usage?.totalTokens ?? 0) : 0,
				r.attempts.length,
				slots,
			)
			const o = observe(r, index, t0, cost)
			observations.push(o)
			if (decide(o, observations)) done.abort('answered')
			else if (more && !halt.aborted) tryAdmit()
		}
		const converse = async (index: number, messages: string[], delayMs: number) => {
			let conversation
			try {
				conversation = await connector.open(halt)
			} catch (e) {
				if (!halt.aborted) controller.abort(new RunStop(failed(e)))
				budget.settle(0, 0, 0, slots)
				return
			}
			conversations++
			let sent = 0
			try {
				await runConversation({
					flow: flowFromMessages(messages),
					send: async (text, { history, signal }) => {
						recorder.sending(index, text)
						try {
							return await conversation.send(text, { history, signal, timeoutMs })
						} finally {
							recorder.answered(index)
						}
					},
					recorder: { record: (r) => record(r, index, ++sent < messages.length) },
					clock: deps.clock,
					signal: hard,
					stopSignal: halt,
					nextRequest: () => ++requests,
					conversationIndex: index,
					sessionId: input.sessionId,
					variables: {},
					verbosityLevel: 'normal',
					delayBetweenMs: delayMs,
					...(retries ? { errorHandling: rateRetry(retries) } : {}),
				})
			} catch (e) {
				if (!hard.aborted) controller.abort(new RunStop(failed(e)))
			} finally {
				// Admitted but never sent (stopped first): it holds no reserve any more.
				if (sent === 0) budget.settle(0, 0, 0, slots)
				recorder.endConversation(index, !hard.aborted)
				await conversation
					.close()
					.catch((error) =>
						deps.log.debug('conversation close failed', { sessionId: input.sessionId, error }),
					)
			}
		}
		if (plan.kind === 'conversation') {
			if (tryAdmit()) await converse(0, plan.messages, plan.delayMs)
		} else {
			const running = new Set<Promise<void>>()
			const start = deps.clock.perf()
			for (let i = 0; i < plan.count && !halt.aborted; i++) {
				const wait = start + i * plan.intervalMs - deps.clock.perf()
				if (wait > 0) await deps.clock.sleep(wait, halt).catch(() => {})
				while (running.size >= plan.maxInFlight && !halt.aborted) await Promise.race(running)
				if (halt.aborted || !tryAdmit()) break
				const p: Promise<void> = converse(i, [plan.message(i)], 0).finally(() => running.delete(p))
				running.add(p)
			}
			await Promise.all(running)
		}
		const reason = hard.aborted ? hard.reason : null
		const cause: StopCause | null =
			reason instanceof RunStop
				? reason.cause
				: input.stopSignal?.aborted && input.stopSignal.reason instanceof RunStop
					? input.stopSignal.reason.cause
					: budgetStop
						? { kind: 'budget', reason: `Assessment limit: ${budgetStop}` }
						: null
		return { cause, conversationsRun: conversations, started: conversations, dropped: 0 }
	}
	return { run, observations, budgetStop: () => budgetStop }
}

const failed = (e: unknown): StopCause => ({
	kind: 'failed',
	reason: e instanceof Error ? e.message : String(e),
})
