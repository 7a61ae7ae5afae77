import { abortError, type Clock } from '../clock'
import type { SendError, SendResult, TokenUsage } from './types'

/**
 * One message's lifetime: the caller's signal (cancel) combined with the per-message timeout.
 * A timeout becomes a `timeout` result; a cancel is re-thrown as the abort (the only throw).
 *
 * One controller and one listener on the caller's signal, removed by `dispose` (which every
 * caller runs): `AbortSignal.any` per message cost more, and left each message's signal
 * registered on the conversation's until garbage collection (issue 13, the hot path).
 */
export function exchangeSignal(signal: AbortSignal, timeoutMs: number | undefined) {
	const ctl = new AbortController()
	let timedOut = false
	const onAbort = () => ctl.abort(signal.reason)
	if (signal.aborted) onAbort()
	else signal.addEventListener('abort', onAbort, { once: true })
	const timer =
		timeoutMs && timeoutMs > 0
			? setTimeout(() => {
					timedOut = true
					ctl.abort(new DOMException('timed out', 'TimeoutError'))
				}, timeoutMs)
			: undefined
	return {
		signal: ctl.signal,
		timedOut: () => timedOut && !signal.aborted,
		/** Throws the caller's abort when the caller cancelled. */
		checkCancelled: () => {
			if (signal.aborted) throw abortError(signal)
		},
		dispose: () => {
			clearTimeout(timer)
			signal.removeEventListener('abort', onAbort)
		},
	}
}

const zeroUsage = (): TokenUsage => ({
	promptTokens: 0,
	completionTokens: 0,
	totalTokens: 0,
	cachedTokens: 0,
	estimated: true,
})

export function failure(
	error: SendError,
	fields: {
		usage?: TokenUsage
		responseTimeMs: number
		httpStatus?: number
		raw?: unknown
		content?: string | null
		ttftMs?: number
		itlMs?: number
	},
): SendResult {
	const r: SendResult = {
		success: false,
		content: fields.content ?? null,
		error,
		usage: fields.usage ?? zeroUsage(),
		responseTimeMs: fields.responseTimeMs,
	}
	if (fields.httpStatus !== undefined) r.httpStatus = fields.httpStatus
	if (fields.raw !== undefined) r.raw = fields.raw
	if (fields.ttftMs !== undefined) r.ttftMs = fields.ttftMs
	if (fields.itlMs !== undefined) r.itlMs = fields.itlMs
	return r
}

/** An unexpected throw inside a send, reported as a result with the error's own message. */
export const unexpectedFailure = (e: unknown, responseTimeMs: number): SendResult =>
	failure({ type: 'unknown', message: (e as Error)?.message || String(e) }, { responseTimeMs })

export const timeoutError = (ms: number | undefined): SendError => ({
	type: 'timeout',
	message: ms ? `No complete reply within ${ms} ms` : 'Timed out',
})

export const elapsed = (clock: Clock, t0: number) => Math.round((clock.perf() - t0) * 1000) / 1000
