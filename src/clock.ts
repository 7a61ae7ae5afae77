export interface Clock {
	now(): Date
	/** Monotonic milliseconds with sub-ms precision, for durations. */
	perf(): number
	/** Resolves after `ms`, or rejects with the signal's reason when aborted first. */
	sleep(ms: number, signal?: AbortSignal): Promise<void>
}

export function abortError(signal?: AbortSignal): Error {
	const reason = signal?.reason
	if (reason instanceof Error) return reason
	return new DOMException(typeof reason === 'string' ? reason : 'Aborted', 'AbortError')
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
	if (signal?.aborted) return Promise.reject(abortError(signal))
	return new Promise((resolve, reject) => {
		const onAbort = () => {
			clearTimeout(timer)
			reject(abortError(signal))
		}
		const timer = setTimeout(() => {
			signal?.removeEventListener('abort', onAbort)
			resolve()
		}, ms)
		signal?.addEventListener('abort', onAbort, { once: true })
	})
}

export const systemClock: Clock = {
	now: () => new Date(),
	perf: () => performance.now(),
	sleep,
}
