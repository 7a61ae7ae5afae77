import type { Clock } from '../clock'
import type { ChatTurn, SendResult } from '../connectors/types'
import { evaluateCondition, parseCondition, type Condition, type LastExchange } from './conditions'
import { errorAction, maxRetries, retryDelay } from './error-handling'
import { MAX_EXECUTED_STEPS } from './flow-validation'
import { renderTemplate } from './template'
import type { ErrorHandling, FlowStep, Recorder, Send, VerbosityLevel } from './types'
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
	signal: AbortSignal
	conversationIndex: number
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
	history: ChatTurn[]
	last: LastExchange | null
	lastUserMessage: string
	messages: number
	executed: number
	maxSteps: number
	loopIndex: number
	conditions: Map<string, Condition>
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
	const ctx: Ctx = {
		opts,
		history: [],
		last: null,
		lastUserMessage: '',
		messages: 0,
		executed: 0,
		maxSteps: opts.maxSteps ?? MAX_EXECUTED_STEPS,
		loopIndex: 0,
		conditions: new Map(),
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
	const { signal } = ctx.opts
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
	const { signal } = opts
	if (ctx.messages > 0 && opts.delayBetweenMs > 0) {
		try {
			await opts.clock.sleep(opts.delayBetweenMs, signal)
		} catch {
			return cancelled(signal)
		}
	}
	const text = renderTemplate(template, variables(ctx))
	const request = amplify(text, opts.verbosityLevel)
	const history = ctx.history.slice()
	let retries = 0
	let result: SendResult
	let sentAt: Date
	for (;;) {
		if (signal.aborted) return cancelled(signal)
		sentAt = opts.clock.now()
		result = await safeSend(opts, request, history)
		if (signal.aborted) return cancelled(signal)
		if (result.success) break
		const action = errorAction(opts.errorHandling, result)
		if (action !== 'retry' || retries >= maxRetries(opts.errorHandling)) break
		try {
			await opts.clock.sleep(retryDelay(opts.errorHandling, retries, result), signal)
		} catch {
			return cancelled(signal)
		}
		retries++
	}
	await opts.recorder.record({
		conversationIndex: opts.conversationIndex,
		turnIndex: ctx.messages,
		stepId,
		request,
		sentAt,
		result,
		retries,
	})
	ctx.messages++
	ctx.lastUserMessage = text
	ctx.last = {
		content: result.content ?? '',
		success: result.success,
		httpStatus: result.httpStatus,
		totalTokens: result.usage?.totalTokens ?? 0,
	}
	if (result.success) {
		ctx.history.push(
			{ role: 'user', content: request },
			{ role: 'assistant', content: result.content ?? '' },
		)
		return DONE
	}
	if (errorAction(opts.errorHandling, result) === 'abort') {
		return {
			kind: 'stop',
			aborted: true,
			reason: `Aborted on error in step ${stepId}: ${result.error?.message ?? 'request failed'}`,
		}
	}
	return DONE
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
