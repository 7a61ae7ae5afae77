import type { Clock } from '../clock'
import type { ChatTurn, SendResult } from '../connectors/types'
import { finalUsage } from '../connectors/usage'
import { evaluateCondition, parseCondition, type Condition, type LastExchange } from './conditions'
import { errorAction, maxRetries, retryDelay } from './error-handling'
import { MAX_EXECUTED_STEPS } from './flow-validation'
import { renderTemplate } from './template'
import type { Attempt, ErrorHandling, FlowStep, Recorder, Send, VerbosityLevel } from './types'
import { amplify } from './verbosity'

/**
 * The flow interpreter (docs/architecture.md §4): runs ONE conversation of a validated, canonical flow.
 * Pure of HTTP and the database: it talks to the world through `send`, `clock`, `signal` and
 * `recorder`. Steps run one at a time; after a step execution continues at its `next` (in the
 * same list or an enclosing one) or at the following step, and the conversation ends after the
 * last. Every executed step counts against `maxSteps`, which bounds `next` cycles.
 */
export interface RunConversationOptions {
	flow: FlowStep[]
	send: Send
	recorder: Recorder
	clock: Clock
	/** Aborts requests in flight (cancel, or the end of a graceful stop's grace period). */
	signal: AbortSignal
	/**
	 * Start nothing new (a graceful stop, docs/architecture.md §4): no step, attempt or wait begins
	 * once it aborts, while a request in flight runs on under `signal`. Defaults to `signal`.
	 */
	stopSignal?: AbortSignal
	/** The session-wide request number, taken just before each attempt starts (send order). */
	nextRequest?: () => number
	conversationIndex: number
	/**
	 * When the conversation was due (its load model's start, docs/architecture.md §5). Its first
	 * message is scheduled then; each later one when the previous reply (plus the delays between)
	 * made it due. Without it messages carry no scheduled time.
	 */
	scheduledAt?: Date
	sessionId: string
	/** Scenario messageTemplates overridden by executionConfig.messageTemplates. */
	variables: Record<string, unknown>
	verbosityLevel: VerbosityLevel
	/** Pause between consecutive messages of the conversation (none before the first). */
	delayBetweenMs: number
	errorHandling?: ErrorHandling
	/** Executed-step budget; `MAX_EXECUTED_STEPS` by default. */
	maxSteps?: number
	/** Source of randomness for `{{randomInt}}` (tests pass a fixed one). */
	random?: () => number
	/** Source of `{{uuid}}`. */
	uuid?: () => string
}

interface ConversationResult {
	/** Messages recorded (one per message step executed, whatever its retries). */
	messages: number
	/** True when the conversation stopped early because of an error (`onError: abort`) or cancellation. */
	aborted: boolean
	/** Why it stopped early: the abort reason, "Cancelled", or the step budget. */
	reason?: string
}

type Outcome =
	| { kind: 'done' }
	| { kind: 'jump'; target: string }
	| { kind: 'stop'; aborted: boolean; reason: string }

const DONE: Outcome = { kind: 'done' }

interface Ctx {
	opts: RunConversationOptions
	/** `signal` or `stopSignal`: whichever aborts first ends the conversation before the next thing. */
	halt: AbortSignal
	nextRequest: () => number
	history: ChatTurn[]
	last: LastExchange | null
	lastUserMessage: string
	messages: number
	executed: number
	maxSteps: number
	loopIndex: number
	conditions: Map<string, Condition>
	/** Epoch ms at which the next message is due; undefined without `scheduledAt`. */
	dueAt: number | undefined
}

const cancelled = (signal: AbortSignal): Outcome => ({
	kind: 'stop',
	aborted: true,
	reason:
		typeof signal.reason === 'string'
			? signal.reason
			: signal.reason instanceof Error && signal.reason.message
				? signal.reason.message
				: 'Cancelled',
})

export async function runConversation(opts: RunConversationOptions): Promise<ConversationResult> {
	let requests = 0
	const ctx: Ctx = {
		opts,
		halt: opts.stopSignal ? AbortSignal.any([opts.signal, opts.stopSignal]) : opts.signal,
		nextRequest: opts.nextRequest ?? (() => ++requests),
		history: [],
		last: null,
		lastUserMessage: '',
		messages: 0,
		executed: 0,
		maxSteps: opts.maxSteps ?? MAX_EXECUTED_STEPS,
		loopIndex: 0,
		conditions: new Map(),
		dueAt: opts.scheduledAt?.getTime(),
	}
	const outcome = await runList(opts.flow, ctx)
	if (outcome.kind === 'stop')
		return { messages: ctx.messages, aborted: outcome.aborted, reason: outcome.reason }
	return { messages: ctx.messages, aborted: false }
}

async function runList(list: FlowStep[], ctx: Ctx): Promise<Outcome> {
	let i = 0
	while (i < list.length) {
		const step = list[i]
		const outcome = await runStep(step, ctx)
		if (outcome.kind === 'stop') return outcome
		const target = outcome.kind === 'jump' ? outcome.target : step.next
		if (target === undefined) {
			i++
			continue
		}
		const j = list.findIndex((s) => s.id === target)
		// Not in this list: an enclosing list owns the target (validation guarantees one does).
		if (j < 0) return { kind: 'jump', target }
		i = j
	}
	return DONE
}

async function runStep(step: FlowStep, ctx: Ctx): Promise<Outcome> {
	const signal = ctx.halt
	if (signal.aborted) return cancelled(signal)
	if (++ctx.executed > ctx.maxSteps) {
		return {
			kind: 'stop',
			aborted: false,
			reason: `Step budget of ${ctx.maxSteps} executed steps reached`,
		}
	}
	switch (step.type) {
		case 'message':
			return runMessage(step.id, step.config.message, ctx)
		case 'delay':
			try {
				await ctx.opts.clock.sleep(step.config.durationMs, signal)
			} catch {
				return cancelled(signal)
			}
			if (ctx.dueAt !== undefined) ctx.dueAt += step.config.durationMs
			return signal.aborted ? cancelled(signal) : DONE
		case 'conditional': {
			const branch = evaluateCondition(condition(step.id, step.config.condition, ctx), ctx.last)
				? step.config.then
				: (step.config.else ?? [])
			return runList(branch, ctx)
		}
		case 'loop': {
			const outer = ctx.loopIndex
			try {
				for (let k = 0; k < step.config.iterations; k++) {
					ctx.loopIndex = k
					const outcome = await runList(step.config.steps, ctx)
					if (outcome.kind !== 'done') return outcome
				}
			} finally {
				ctx.loopIndex = outer
			}
			return DONE
		}
	}
}

function condition(id: string, source: string, ctx: Ctx): Condition {
	let c = ctx.conditions.get(id)
	if (!c) {
		const parsed = parseCondition(source)
		if (!parsed.ok) throw new Error(`Invalid condition in step ${id}: ${parsed.error}`)
		c = parsed.condition
		ctx.conditions.set(id, c)
	}
	return c
}

function variables(ctx: Ctx): Record<string, unknown> {
	const { opts } = ctx
	const random = opts.random ?? Math.random
	return {
		...opts.variables,
		sessionId: opts.sessionId,
		conversationIndex: opts.conversationIndex,
		turnIndex: ctx.messages,
		messageIndex: ctx.messages + 1,
		timestamp: opts.clock.now().toISOString(),
		lastResponse: ctx.last?.content ?? '',
		lastUserMessage: ctx.lastUserMessage,
		randomInt: Math.floor(random() * 1_000_000),
		uuid: (opts.uuid ?? (() => crypto.randomUUID()))(),
		loopIndex: ctx.loopIndex,
	}
}

async function runMessage(stepId: string, template: string, ctx: Ctx): Promise<Outcome> {
	const { opts } = ctx
	const halt = ctx.halt
	if (ctx.messages > 0 && opts.delayBetweenMs > 0) {
		try {
			await opts.clock.sleep(opts.delayBetweenMs, halt)
		} catch {
			return cancelled(halt)
		}
		if (ctx.dueAt !== undefined) ctx.dueAt += opts.delayBetweenMs
	}
	const scheduledAt = ctx.dueAt === undefined ? undefined : new Date(ctx.dueAt)
	// Built only for a template with a placeholder (a timestamp and a UUID per message otherwise).
	const text = template.includes('{{') ? renderTemplate(template, variables(ctx)) : template
	const request = amplify(text, opts.verbosityLevel)
	const history = ctx.history.slice()
	let retries = 0
	let result: SendResult
	let sentAt: Date
	const attempts: Attempt[] = []
	let t0: number | undefined
	for (;;) {
		if (halt.aborted) {
			if (!attempts.length) return cancelled(halt)
			break // a stop during a retry wait: the message is recorded with the attempts it had
		}
		sentAt = opts.clock.now()
		const start = opts.clock.perf()
		t0 ??= start
		const attempt = ctx.nextRequest()
		result = await safeSend(opts, request, history)
		// Aborted in flight: recorded as `aborted`, with what had arrived (docs/architecture.md §4).
		if (opts.signal.aborted && !result.success) result = abortedResult(result, request, history)
		attempts.push(attemptOf(attempt, sentAt, start - t0, result))
		if (result.success || opts.signal.aborted) break
		const action = errorAction(opts.errorHandling, result)
		if (action !== 'retry' || retries >= maxRetries(opts.errorHandling)) break
		const waitMs = retryDelay(opts.errorHandling, retries, result)
		attempts[attempts.length - 1].waitMs = waitMs
		try {
			await opts.clock.sleep(waitMs, halt)
		} catch {
			break
		}
		retries++
	}
	const last = attempts[attempts.length - 1]
	await opts.recorder.record({
		conversationIndex: opts.conversationIndex,
		turnIndex: ctx.messages,
		stepId,
		request,
		...(scheduledAt ? { scheduledAt } : {}),
		sentAt: sentAt!,
		result: result!,
		retries,
		attempts,
		totalTimeMs: Math.round((last.offsetMs + last.responseTimeMs) * 1000) / 1000,
	})
	ctx.messages++
	// The next message is due when this reply arrived (the closed loop inside a conversation).
	if (ctx.dueAt !== undefined) ctx.dueAt = sentAt!.getTime() + result!.responseTimeMs
	ctx.lastUserMessage = text
	ctx.last = {
		content: result!.content ?? '',
		success: result!.success,
		httpStatus: result!.httpStatus,
		totalTokens: result!.usage?.totalTokens ?? 0,
	}
	if (opts.signal.aborted && !result!.success) return cancelled(opts.signal)
	if (result!.success) {
		ctx.history.push(
			{ role: 'user', content: request },
			{ role: 'assistant', content: result!.content ?? '' },
		)
		return halt.aborted ? cancelled(halt) : DONE
	}
	if (errorAction(opts.errorHandling, result!) === 'abort') {
		return {
			kind: 'stop',
			aborted: true,
			reason: `Aborted on error in step ${stepId}: ${result!.error?.message ?? 'request failed'}`,
		}
	}
	return halt.aborted ? cancelled(halt) : DONE
}

const r3 = (v: number) => Math.round(v * 1000) / 1000

function attemptOf(request: number, sentAt: Date, offsetMs: number, r: SendResult): Attempt {
	const a: Attempt = {
		request,
		sentAt: sentAt.toISOString(),
		offsetMs: r3(offsetMs),
		responseTimeMs: r.responseTimeMs,
		status: r.httpStatus ?? null,
		success: r.success,
		errorType: r.success ? null : (r.error?.type ?? 'unknown'),
	}
	if (r.error?.retryAfterMs !== undefined) a.retryAfterMs = r.error.retryAfterMs
	if (r.rateLimitHeaders) a.headers = r.rateLimitHeaders
	return a
}

/**
 * A request cut off by an abort: type `aborted`, the partial content the connector kept, its
 * usage when the stream carried some, else an estimate (flagged) of what the target was sent and
 * had produced — the prompt was billed, so recorded spend does not fall below it.
 */
function abortedResult(r: SendResult, request: string, history: ChatTurn[]): SendResult {
	const content = r.content ?? ''
	const usage =
		r.usage && !r.usage.estimated
			? r.usage
			: finalUsage(undefined, request + history.map((t) => t.content).join(''), content)
	return {
		...r,
		success: false,
		error: {
			type: 'aborted',
			message: r.error?.message ?? 'Aborted before the reply was complete',
		},
		usage,
	}
}

const NO_USAGE = {
	promptTokens: 0,
	completionTokens: 0,
	totalTokens: 0,
	cachedTokens: 0,
	estimated: true,
}

/** Connectors return failures as results; anything thrown (other than an abort) becomes one too. */
async function safeSend(
	opts: RunConversationOptions,
	request: string,
	history: ChatTurn[],
): Promise<SendResult> {
	try {
		return await opts.send(request, { history, signal: opts.signal })
	} catch (e) {
		return {
			success: false,
			content: null,
			error: {
				type: opts.signal.aborted ? 'aborted' : 'unknown',
				message: e instanceof Error ? e.message : String(e),
			},
			usage: NO_USAGE,
			responseTimeMs: 0,
		}
	}
}

/** `customMessages` (no scenario) behave as a flow of message steps. */
export function flowFromMessages(messages: string[]): FlowStep[] {
	return messages.map((message, i) => ({
		id: `message-${i + 1}`,
		type: 'message' as const,
		config: { message },
	}))
}
