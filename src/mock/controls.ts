import type { Format, Turn } from './formats'
import { usageFor } from './formats'
import { countTokens, type Bucket, type Personas } from './personas'
import type { MockState } from './state'

/**
 * The consumption controls a real provider or gateway puts in front of a model, each off unless
 * its persona (or `krawall mock` flag) names it: token-bucket rate limits per key or per
 * conversation, a concurrency limit per key, a context window, an input-size limit and a token
 * quota per key. `max-tokens` is applied to the reply instead (`capCompletion`). Checked once
 * per request, in this order, before any latency or injected fault: quota, concurrency, rate
 * limit, input size, context. A refused request is answered at once, in the provider's error
 * shape, and counted in `stats.refused`.
 */
export interface Admission {
	/** The refusal to send instead of a reply. */
	refusal?: { status: number; body: unknown; headers: Record<string, string> }
	/** Headers for every reply to this request (the rate limit's `x-ratelimit-*`). */
	headers: Record<string, string>
	/** The conversation as the model sees it (shortened by `context:N:truncate`). */
	turns: Turn[]
	/** Call once when the admitted request ends (releases its concurrency slot). */
	release: () => void
}

const noop = () => {}

/** Decides whether one chat request is served. Call once per request: it spends bucket tokens. */
export function admit(
	state: MockState,
	p: Personas,
	format: Format,
	req: { key: string; conversation: string; turns: Turn[] },
): Admission {
	const refused = state.stats.refused
	const anthropic = format.name === 'anthropic'
	// Refusals before the rate limit spend no token but still say where the bucket stands.
	const peek = () => takeTokens(state, p.rateLimits, req, anthropic, false).headers
	const refuse = (
		status: number,
		message: string,
		openai: { type: string; code: string; param?: string },
		headers: Record<string, string> = peek(),
	): Admission => ({
		refusal: { status, body: errorBody(format, status, message, openai), headers },
		headers,
		turns: req.turns,
		release: noop,
	})

	if (p.quotaTokens !== undefined && (state.servedByKey.get(req.key) ?? 0) >= p.quotaTokens) {
		refused.quota++
		return refuse(429, quotaMessage(format), {
			type: 'insufficient_quota',
			code: 'insufficient_quota',
		})
	}
	const inFlight = state.inFlightByKey.get(req.key) ?? 0
	if (p.concurrency !== undefined && inFlight >= p.concurrency) {
		refused.concurrency++
		return refuse(
			429,
			`Too many concurrent requests: this key already has ${inFlight} requests in flight (concurrency limit ${p.concurrency}). Please wait for one to finish.`,
			{ type: 'requests', code: 'rate_limit_exceeded' },
		)
	}
	const rate = takeTokens(state, p.rateLimits, req, anthropic, true)
	if (rate.retryAfterSec !== undefined) {
		refused.rateLimit++
		state.stats.rateLimited++
		const retry = Math.max(1, Math.ceil(rate.retryAfterSec))
		return refuse(
			429,
			`Rate limit reached for requests: limit ${rate.describe}. Please try again in ${Math.ceil(rate.retryAfterSec * 1000)}ms.`,
			{ type: 'requests', code: 'rate_limit_exceeded' },
			{
				...rate.headers,
				'retry-after': String(retry),
				'retry-after-ms': String(Math.ceil(rate.retryAfterSec * 1000)),
			},
		)
	}
	const headers = rate.headers
	const last = req.turns[req.turns.length - 1]?.content ?? ''
	if (p.inputLimit !== undefined && last.length > p.inputLimit) {
		refused.inputLimit++
		// A gateway's refusal, before the provider: OpenAI's error shape on every route.
		return {
			refusal: {
				status: 413,
				body: {
					error: {
						message: `Request too large: the message is ${last.length} characters; the limit is ${p.inputLimit}.`,
						type: 'invalid_request_error',
						param: 'messages',
						code: 'input_too_large',
					},
				},
				headers,
			},
			headers,
			turns: req.turns,
			release: noop,
		}
	}
	let turns = req.turns
	if (p.context) {
		const prompt = usageFor(turns, '').prompt
		if (prompt > p.context.tokens) {
			if (!p.context.truncate) {
				refused.context++
				return refuse(
					400,
					contextMessage(format, p.context.tokens, prompt),
					{ type: 'invalid_request_error', code: 'context_length_exceeded', param: 'messages' },
					headers,
				)
			}
			turns = truncateHistory(turns, p.context.tokens)
			state.stats.capped.context++
		}
	}
	state.inFlightByKey.set(req.key, inFlight + 1)
	let released = false
	return {
		headers,
		turns,
		release() {
			if (released) return
			released = true
			const n = (state.inFlightByKey.get(req.key) ?? 1) - 1
			if (n <= 0) state.inFlightByKey.delete(req.key)
			else state.inFlightByKey.set(req.key, n)
		},
	}
}

/** Adds a fully served reply's tokens (prompt + completion) to its key's total, for `quota`. */
export function chargeKey(
	state: MockState,
	key: string,
	usage: { prompt: number; completion: number },
) {
	if (state.servedByKey.size > 100_000 && !state.servedByKey.has(key)) state.servedByKey.clear()
	state.servedByKey.set(key, (state.servedByKey.get(key) ?? 0) + usage.prompt + usage.completion)
}

/**
 * `max-tokens:N`: the largest completion this request may get — N, or the request's own limit
 * (`max_tokens`, `max_completion_tokens`, `max_output_tokens`, `generationConfig.maxOutputTokens`,
 * Ollama `options.num_predict`) when lower. Undefined when the control is off.
 */
export function completionCap(p: Personas, body: any): number | undefined {
	if (p.maxTokens === undefined) return undefined
	const asked = [
		body?.max_tokens,
		body?.max_completion_tokens,
		body?.max_output_tokens,
		body?.generationConfig?.maxOutputTokens,
		body?.options?.num_predict,
	].filter((n): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 1)
	return Math.min(p.maxTokens, ...asked.map(Math.floor))
}

/** The reply cut to `cap` tokens (four characters each, as `countTokens` counts), and whether it was. */
export function capCompletion(
	text: string,
	cap: number | undefined,
): { text: string; finish: 'stop' | 'length' } {
	if (cap === undefined || countTokens(text) <= cap) return { text, finish: 'stop' }
	return { text: text.slice(0, cap * 4), finish: 'length' }
}

/** Drops the oldest turns (system prompts last) until the prompt fits; cuts the newest message's head if it alone does not. */
function truncateHistory(turns: Turn[], max: number): Turn[] {
	const kept = [...turns]
	const fits = () => usageFor(kept, '').prompt <= max
	while (kept.length > 1 && !fits()) {
		const i = kept.findIndex((t, n) => t.role !== 'system' && n < kept.length - 1)
		kept.splice(i >= 0 ? i : 0, 1)
	}
	if (!fits()) {
		const last = kept[kept.length - 1]!
		const chars = Math.max(0, (max - 7) * 4)
		kept[kept.length - 1] = { ...last, content: last.content.slice(last.content.length - chars) }
	}
	return kept
}

/**
 * Spends one token from every bucket that applies (all or none; with `spend` false only looks). On refusal, `retryAfterSec`
 * is when the emptiest bucket has a token again. Headers describe the bucket with the fewest
 * tokens left: `x-ratelimit-limit-requests` its burst, `-remaining-requests` whole tokens left,
 * `-reset-requests` the time until it is full again (`1s`, `250ms`, `1m30s`).
 */
function takeTokens(
	state: MockState,
	buckets: Bucket[],
	req: { key: string; conversation: string },
	anthropic: boolean,
	spend: boolean,
): { headers: Record<string, string>; retryAfterSec?: number; describe: string } {
	if (!buckets.length) return { headers: {}, describe: '' }
	const now = performance.now()
	const live = buckets.map((b) => {
		const id = `${b.scope}:${b.rate}:${b.burst}:${b.scope === 'key' ? req.key : req.conversation}`
		let s = state.buckets.get(id)
		if (!s) {
			if (state.buckets.size > 100_000) state.buckets.clear()
			s = { tokens: b.burst, at: now }
			state.buckets.set(id, s)
		}
		s.tokens = Math.min(b.burst, s.tokens + ((now - s.at) / 1000) * b.rate)
		s.at = now
		return { b, s }
	})
	const empty = live.filter(({ s }) => s.tokens < 1)
	if (!empty.length && spend) for (const { s } of live) s.tokens -= 1
	const worst = live.reduce((a, x) => (x.s.tokens / x.b.burst < a.s.tokens / a.b.burst ? x : a))
	const { b, s } = worst
	const resetSec = (b.burst - s.tokens) / b.rate
	const remaining = Math.max(0, Math.floor(s.tokens))
	const headers: Record<string, string> = {
		'x-ratelimit-limit-requests': String(b.burst),
		'x-ratelimit-remaining-requests': String(remaining),
		'x-ratelimit-reset-requests': duration(resetSec),
	}
	if (anthropic) {
		headers['anthropic-ratelimit-requests-limit'] = String(b.burst)
		headers['anthropic-ratelimit-requests-remaining'] = String(remaining)
		headers['anthropic-ratelimit-requests-reset'] = new Date(
			Date.now() + resetSec * 1000,
		).toISOString()
	}
	const describe = `${b.rate} requests/s, burst ${b.burst}, per ${b.scope === 'key' ? 'API key' : 'conversation'}`
	if (!empty.length) return { headers, describe }
	const retryAfterSec = Math.max(...empty.map(({ b, s }) => (1 - s.tokens) / b.rate))
	return { headers, retryAfterSec, describe }
}

/** Seconds as OpenAI writes a reset: `250ms`, `1.5s`, `2m0s`. */
function duration(sec: number): string {
	if (sec < 1) return `${Math.ceil(sec * 1000)}ms`
	if (sec < 60) return `${Math.round(sec * 1000) / 1000}s`
	return `${Math.floor(sec / 60)}m${Math.round(sec % 60)}s`
}

/** The provider's error body; OpenAI-shaped routes get the control's `type` and `code`. */
function errorBody(
	format: Format,
	status: number,
	message: string,
	openai: { type: string; code: string; param?: string },
): unknown {
	const body = format.error(status, message) as any
	if (format.name === 'openai' || format.name === 'azure')
		return { error: { message, type: openai.type, param: openai.param ?? null, code: openai.code } }
	if (format.name === 'generic' || format.name === 'sse')
		return { error: { ...body.error, code: openai.code } }
	return body
}

function quotaMessage(format: Format): string {
	if (format.name === 'anthropic')
		return 'You have reached your specified API usage limits. You will regain access when your quota is raised.'
	return 'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.'
}

function contextMessage(format: Format, max: number, prompt: number): string {
	if (format.name === 'anthropic') return `prompt is too long: ${prompt} tokens > ${max} maximum`
	if (format.name === 'gemini')
		return `The input token count (${prompt}) exceeds the maximum number of tokens allowed (${max}).`
	return `This model's maximum context length is ${max} tokens. However, your messages resulted in ${prompt} tokens. Please reduce the length of the messages.`
}
