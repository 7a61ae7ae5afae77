import type { SendResult } from '../connectors/types'
import type { ErrorAction, ErrorHandling } from './types'

/** Defaults when a scenario says `onError: retry` without the numbers. */
const RETRY_DEFAULTS = {
	maxRetries: 3,
	delayMs: 1000,
	backoffMultiplier: 2,
	maxDelayMs: 30_000,
}
/** A Retry-After beyond this is treated as this: a target must not park a worker for hours. */
const MAX_RETRY_AFTER_MS = 300_000

/** What to do with a failed result: a `statusCodes` rule (exact, class, error type) or `onError`. */
export function errorAction(eh: ErrorHandling | undefined, result: SendResult): ErrorAction {
	if (!eh) return 'skip'
	const rules = eh.statusCodes ?? {}
	const status = result.httpStatus
	if (status !== undefined) {
		const exact = rules[String(status)]
		if (exact) return exact
		const cls = rules[`${Math.floor(status / 100)}xx`]
		if (cls) return cls
	}
	const byType = result.error ? rules[result.error.type] : undefined
	return byType ?? eh.onError
}

/** Exponential backoff for retry `attempt` (0-based), honouring the target's Retry-After. */
export function retryDelay(
	eh: ErrorHandling | undefined,
	attempt: number,
	result: SendResult,
): number {
	const delayMs = eh?.delayMs ?? RETRY_DEFAULTS.delayMs
	const mult = eh?.backoffMultiplier ?? RETRY_DEFAULTS.backoffMultiplier
	const max = eh?.maxDelayMs ?? RETRY_DEFAULTS.maxDelayMs
	const backoff = Math.min(delayMs * mult ** attempt, max)
	const after = result.error?.retryAfterMs
	return after !== undefined && after > backoff ? Math.min(after, MAX_RETRY_AFTER_MS) : backoff
}

export const maxRetries = (eh: ErrorHandling | undefined) =>
	eh?.maxRetries ?? RETRY_DEFAULTS.maxRetries
