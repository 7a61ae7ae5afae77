import type { ChatTurn, SendResult } from '../connectors/types'

/**
 * The flow interpreter's view of the world: a `send` function (a connector conversation in
 * production, a fake in tests), a clock, a signal and a recorder. Nothing of HTTP or the
 * database (docs/architecture.md §2).
 */
export type Send = (
	message: string,
	opts: { history: ChatTurn[]; signal: AbortSignal },
) => Promise<SendResult>

/**
 * One attempt of a message (docs/architecture.md §5): a retried message has several, each with its
 * own status and timing. `request` numbers every request of the session in send order (1-based,
 * taken just before the request starts), so the first limit is exact at any concurrency.
 */
export interface Attempt {
	request: number
	sentAt: string
	/** From the message's first send to this attempt's send (monotonic clock), ms. */
	offsetMs: number
	responseTimeMs: number
	status: number | null
	success: boolean
	errorType: string | null
	/** Retry-After / retry-after-ms the target sent, ms. */
	retryAfterMs?: number
	/** The wait before the next attempt, ms. */
	waitMs?: number
	/** Rate-limit headers of the reply (x-ratelimit-*, anthropic-ratelimit-*, retry-after(-ms)). */
	headers?: Record<string, string>
}

/** One exchanged message as the engine reports it; sessions turn these into rows. */
export interface ExchangeRecord {
	conversationIndex: number
	/** 0-based index of the message within its conversation. */
	turnIndex: number
	stepId: string | null
	/** The rendered, amplified message actually sent. */
	request: string
	/** When the load model made the message due (docs/architecture.md §5); absent without one. */
	scheduledAt?: Date
	sentAt: Date
	result: SendResult
	/** Attempts beyond the first (retry error handling). */
	retries: number
	/** Every attempt, the last one being `result`'s. */
	attempts: Attempt[]
	/** First send to final reply (monotonic): what the user waited, retry waits included. */
	totalTimeMs: number
}

export interface Recorder {
	record(r: ExchangeRecord): void | Promise<void>
}

/** Flow steps (docs/architecture.md §4), in the canonical form stored after validation. */
export type VerbosityLevel = 'normal' | 'verbose' | 'extreme'

export interface MessageStep {
	id: string
	type: 'message'
	config: { message: string }
	next?: string
}
export interface DelayStep {
	id: string
	type: 'delay'
	config: { durationMs: number }
	next?: string
}
export interface ConditionalStep {
	id: string
	type: 'conditional'
	config: { condition: string; then: FlowStep[]; else?: FlowStep[] }
	next?: string
}
export interface LoopStep {
	id: string
	type: 'loop'
	config: { iterations: number; steps: FlowStep[] }
	next?: string
}
export type FlowStep = MessageStep | DelayStep | ConditionalStep | LoopStep
export type FlowStepType = FlowStep['type']

export type ErrorAction = 'skip' | 'abort' | 'retry'

/**
 * A scenario's `errorHandling`. `statusCodes` overrides `onError` per result: keys are an exact
 * HTTP status (`"429"`), a class (`"5xx"`) or a connector error type (`"timeout"`).
 */
export interface ErrorHandling {
	onError: ErrorAction
	maxRetries?: number
	delayMs?: number
	backoffMultiplier?: number
	maxDelayMs?: number
	statusCodes?: Record<string, ErrorAction>
}
