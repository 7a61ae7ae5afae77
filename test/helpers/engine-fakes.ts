import type { Clock } from '../../src/clock'
import type { SendResult } from '../../src/connectors/types'
import type { ExchangeRecord, Send } from '../../src/engine/types'

/** A clock that never really sleeps: it records every wait and advances its own time. */
export function fakeClock(
	opts: { onSleep?: (ms: number, signal?: AbortSignal) => Promise<void> | void } = {},
) {
	let t = Date.UTC(2026, 0, 1)
	const sleeps: number[] = []
	const clock: Clock = {
		now: () => new Date(t),
		perf: () => t,
		async sleep(ms, signal) {
			if (signal?.aborted) throw new DOMException('Aborted', 'AbortError')
			sleeps.push(ms)
			await opts.onSleep?.(ms, signal)
			if (signal?.aborted) throw new DOMException('Aborted', 'AbortError')
			t += ms
		},
	}
	return { clock, sleeps }
}

export const usage = (total = 10) => ({
	promptTokens: total / 2,
	completionTokens: total / 2,
	totalTokens: total,
	cachedTokens: 0,
	estimated: false,
})

export const ok = (content: string, extra: Partial<SendResult> = {}): SendResult => ({
	success: true,
	content,
	httpStatus: 200,
	usage: usage(),
	responseTimeMs: 1,
	...extra,
})

export const fail = (
	httpStatus: number,
	type: 'http_error' | 'rate_limited' | 'timeout' = 'http_error',
	retryAfterMs?: number,
): SendResult => ({
	success: false,
	content: null,
	httpStatus,
	error: {
		type,
		message: `HTTP ${httpStatus}`,
		...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
	},
	usage: usage(0),
	responseTimeMs: 1,
})

/** A scripted sender: `reply(message, n)` gives the n-th (0-based) result; every call is kept. */
export function fakeSend(
	reply: (message: string, n: number) => SendResult | Promise<SendResult> = (m) => ok(`echo: ${m}`),
) {
	const calls: { message: string; history: { role: string; content: string }[] }[] = []
	const send: Send = async (message, { history }) => {
		calls.push({ message, history: history.map((h) => ({ ...h })) })
		return reply(message, calls.length - 1)
	}
	return { send, calls }
}

export function recorder() {
	const records: ExchangeRecord[] = []
	return { records, record: (r: ExchangeRecord) => void records.push(r) }
}
