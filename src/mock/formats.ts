/**
 * Wire formats of the emulated providers: request parsing, replies, streams and errors in
 * each provider's real shape (OpenAI / Azure chat completions, Anthropic messages, Gemini
 * generateContent, Ollama chat, and the generic JSON / SSE endpoints).
 */
import { countTokens } from './personas'

export type Turn = { role: string; content: string }

export interface Usage {
	prompt: number
	/** Visible output tokens (the reply's text). */
	completion: number
	/** Prompt tokens read from the provider's cache. */
	cached: number
	/** Prompt tokens written to the cache (Anthropic `cache_creation_input_tokens`). */
	cacheWrite: number
	/** Reasoning tokens billed as output (Gemini `thoughtsTokenCount`, OpenAI `reasoning_tokens`). */
	thoughts: number
}

/** Why a reply ended: naturally, or at a completion cap. */
export type Finish = 'stop' | 'length'

export interface Format {
	name: string
	/** The conversation so far, newest user message last; an error string when the request is malformed. */
	parse(
		body: any,
		url: URL,
		headers: Headers,
	): { turns: Turn[]; stream: boolean; model: string } | string
	/** A reply; `finish` is `length` when a `max-tokens` cap cut it (the provider's own word for each). */
	json(text: string, usage: Usage, model: string, finish?: Finish): unknown
	error(status: number, message: string): unknown
	/** Streamed reply: the text of each write (SSE events or NDJSON lines). */
	stream?(
		chunks: string[],
		usage: Usage,
		model: string,
		opts: { includeUsage: boolean; finish?: Finish },
	): Iterable<string>
	contentType?: string
	/** Body that ends a stream with an error (SSE error event), when the format has one. */
	streamError?(message: string): string
}

const id = (prefix: string) => `${prefix}${crypto.randomUUID().replace(/-/g, '').slice(0, 24)}`
const now = () => Math.floor(Date.now() / 1000)
const sse = (data: unknown, event?: string) =>
	`${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`

const textOf = (content: unknown): string => {
	if (typeof content === 'string') return content
	if (Array.isArray(content))
		return content
			.map((p) => (typeof p === 'string' ? p : typeof p?.text === 'string' ? p.text : ''))
			.join('')
	return ''
}

const chatTurns = (messages: unknown): Turn[] | string => {
	if (!Array.isArray(messages) || messages.length === 0) return 'messages must be a non-empty array'
	const turns: Turn[] = []
	for (const m of messages) {
		if (!m || typeof m !== 'object' || typeof (m as any).role !== 'string')
			return 'each message needs a role'
		turns.push({ role: (m as any).role, content: textOf((m as any).content) })
	}
	if (turns[turns.length - 1].role !== 'user') return 'the last message must have role "user"'
	return turns
}

/** Tokens as a chat API counts them: the text of every message plus a little framing. */
export function usageFor(turns: Turn[], reply: string): Usage {
	const prompt = turns.reduce((n, t) => n + countTokens(t.content) + 4, 3)
	// Providers cache long, repeated prompt prefixes in 128-token blocks once past 1024 tokens.
	const prefix = prompt - countTokens(turns[turns.length - 1]?.content ?? '') - 4
	const cached = prompt >= 1024 ? Math.max(0, Math.floor(prefix / 128) * 128) : 0
	return { prompt, completion: countTokens(reply), cached, cacheWrite: 0, thoughts: 0 }
}

const openaiUsage = (u: Usage) => ({
	prompt_tokens: u.prompt,
	// OpenAI counts reasoning tokens inside completion_tokens.
	completion_tokens: u.completion + u.thoughts,
	total_tokens: u.prompt + u.completion + u.thoughts,
	prompt_tokens_details: { cached_tokens: u.cached, audio_tokens: 0 },
	completion_tokens_details: {
		reasoning_tokens: u.thoughts,
		audio_tokens: 0,
		accepted_prediction_tokens: 0,
		rejected_prediction_tokens: 0,
	},
})

const openaiErrorType = (status: number) =>
	status === 401
		? ['invalid_request_error', 'invalid_api_key']
		: status === 429
			? ['requests', 'rate_limit_exceeded']
			: status >= 500
				? ['server_error', null]
				: ['invalid_request_error', null]

export const openai: Format = {
	name: 'openai',
	parse(body) {
		if (typeof body?.model !== 'string' || !body.model) return 'you must provide a model parameter'
		const turns = chatTurns(body.messages)
		if (typeof turns === 'string') return turns
		return {
			turns,
			stream: body.stream === true,
			model: body.model,
			includeUsage: body.stream_options?.include_usage === true,
		} as any
	},
	json: (text, u, model, finish = 'stop') => ({
		id: id('chatcmpl-'),
		object: 'chat.completion',
		created: now(),
		model,
		choices: [
			{
				index: 0,
				message: { role: 'assistant', content: text, refusal: null, annotations: [] },
				logprobs: null,
				finish_reason: finish,
			},
		],
		usage: openaiUsage(u),
		service_tier: 'default',
		system_fingerprint: 'fp_krawall_mock',
	}),
	error(status, message) {
		const [type, code] = openaiErrorType(status)
		return { error: { message, type, param: null, code } }
	},
	*stream(chunks, u, model, { includeUsage, finish = 'stop' }) {
		const base = {
			id: id('chatcmpl-'),
			object: 'chat.completion.chunk',
			created: now(),
			model,
			system_fingerprint: 'fp_krawall_mock',
		}
		const extra = includeUsage ? { usage: null } : {}
		yield sse({
			...base,
			choices: [
				{
					index: 0,
					delta: { role: 'assistant', content: '', refusal: null },
					logprobs: null,
					finish_reason: null,
				},
			],
			...extra,
		})
		for (const c of chunks)
			yield sse({
				...base,
				choices: [{ index: 0, delta: { content: c }, logprobs: null, finish_reason: null }],
				...extra,
			})
		yield sse({
			...base,
			choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: finish }],
			...extra,
		})
		if (includeUsage) yield sse({ ...base, choices: [], usage: openaiUsage(u) })
		yield sse('[DONE]')
	},
	streamError: (message) =>
		sse({ error: { message, type: 'server_error', param: null, code: null } }),
}

/** Azure OpenAI: the deployment in the path names the model; the body needs none. */
export const azure: Format = {
	...openai,
	name: 'azure',
	parse(body, url, headers) {
		const deployment = decodeURIComponent(
			url.pathname.match(/deployments\/([^/]+)/)?.[1] ?? 'gpt-4o',
		)
		return openai.parse({ ...body, model: deployment }, url, headers)
	},
}

const anthropicErrorType = (status: number) =>
	({
		400: 'invalid_request_error',
		401: 'authentication_error',
		403: 'permission_error',
		404: 'not_found_error',
		429: 'rate_limit_error',
		529: 'overloaded_error',
	})[status] ?? 'api_error'

export const anthropic: Format = {
	name: 'anthropic',
	parse(body, _url, headers) {
		if (!headers.get('anthropic-version')) return 'anthropic-version: header is required'
		if (typeof body?.model !== 'string') return 'model: Field required'
		if (typeof body?.max_tokens !== 'number') return 'max_tokens: Field required'
		const turns = chatTurns(body.messages)
		if (typeof turns === 'string') return `messages: ${turns}`
		for (let i = 0; i < turns.length; i++) {
			const expected = i % 2 === 0 ? 'user' : 'assistant'
			if (turns[i].role !== expected)
				return `messages: roles must alternate between "user" and "assistant", starting with "user" (message ${i})`
		}
		return { turns, stream: body.stream === true, model: body.model }
	},
	json: (text, u, model, finish = 'stop') => ({
		id: id('msg_'),
		type: 'message',
		role: 'assistant',
		model,
		content: [{ type: 'text', text }],
		stop_reason: finish === 'length' ? 'max_tokens' : 'end_turn',
		stop_sequence: null,
		usage: anthropicUsage(u, u.completion),
	}),
	error: (status, message) => ({
		type: 'error',
		error: { type: anthropicErrorType(status), message },
	}),
	*stream(chunks, u, model, { finish = 'stop' }) {
		yield sse(
			{
				type: 'message_start',
				message: {
					id: id('msg_'),
					type: 'message',
					role: 'assistant',
					model,
					content: [],
					stop_reason: null,
					stop_sequence: null,
					usage: anthropicUsage(u, 1),
				},
			},
			'message_start',
		)
		yield sse(
			{ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
			'content_block_start',
		)
		yield sse({ type: 'ping' }, 'ping')
		for (const c of chunks)
			yield sse(
				{ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: c } },
				'content_block_delta',
			)
		yield sse({ type: 'content_block_stop', index: 0 }, 'content_block_stop')
		yield sse(
			{
				type: 'message_delta',
				delta: {
					stop_reason: finish === 'length' ? 'max_tokens' : 'end_turn',
					stop_sequence: null,
				},
				usage: { output_tokens: u.completion },
			},
			'message_delta',
		)
		yield sse({ type: 'message_stop' }, 'message_stop')
	},
	streamError: (message) =>
		sse({ type: 'error', error: { type: 'overloaded_error', message } }, 'error'),
}

function anthropicUsage(u: Usage, output: number) {
	return {
		input_tokens: u.prompt - u.cached - u.cacheWrite,
		cache_creation_input_tokens: u.cacheWrite,
		cache_read_input_tokens: u.cached,
		output_tokens: output,
		service_tier: 'standard',
	}
}

const geminiStatus = (status: number) =>
	({
		400: 'INVALID_ARGUMENT',
		401: 'UNAUTHENTICATED',
		403: 'PERMISSION_DENIED',
		404: 'NOT_FOUND',
		429: 'RESOURCE_EXHAUSTED',
		503: 'UNAVAILABLE',
	})[status] ?? 'INTERNAL'

const geminiUsage = (u: Usage, completion = u.completion) => ({
	promptTokenCount: u.prompt,
	candidatesTokenCount: completion,
	totalTokenCount: u.prompt + completion + u.thoughts,
	...(u.thoughts ? { thoughtsTokenCount: u.thoughts } : {}),
	...(u.cached ? { cachedContentTokenCount: u.cached } : {}),
	promptTokensDetails: [{ modality: 'TEXT', tokenCount: u.prompt }],
})

export const gemini: Format = {
	name: 'gemini',
	parse(body, url) {
		const contents = body?.contents
		if (!Array.isArray(contents) || contents.length === 0)
			return '* GenerateContentRequest.contents: contents is not specified'
		const turns: Turn[] = []
		for (const c of contents) {
			const role = c?.role ?? 'user'
			if (role !== 'user' && role !== 'model') return `Please use a valid role: user, model.`
			turns.push({ role: role === 'model' ? 'assistant' : 'user', content: textOf(c?.parts) })
		}
		if (turns[turns.length - 1].role !== 'user') return 'the last content must have role "user"'
		const model = decodeURIComponent(
			url.pathname.match(/models\/([^/:]+)/)?.[1] ?? 'gemini-2.0-flash',
		)
		return { turns, stream: url.pathname.endsWith(':streamGenerateContent'), model }
	},
	json: (text, u, model, finish = 'stop') => ({
		candidates: [
			{
				content: { parts: [{ text }], role: 'model' },
				finishReason: finish === 'length' ? 'MAX_TOKENS' : 'STOP',
				index: 0,
			},
		],
		usageMetadata: geminiUsage(u),
		modelVersion: model,
		responseId: id(''),
	}),
	error: (status, message) => ({ error: { code: status, message, status: geminiStatus(status) } }),
	*stream(chunks, u, model, { finish = 'stop' }) {
		const responseId = id('')
		let sent = 0
		for (const [i, c] of chunks.entries()) {
			sent += countTokens(c)
			const last = i === chunks.length - 1
			yield sse({
				candidates: [
					{
						content: { parts: [{ text: c }], role: 'model' },
						index: 0,
						...(last ? { finishReason: finish === 'length' ? 'MAX_TOKENS' : 'STOP' } : {}),
					},
				],
				usageMetadata: last
					? geminiUsage(u)
					: { promptTokenCount: u.prompt, totalTokenCount: u.prompt + sent },
				modelVersion: model,
				responseId,
			})
		}
	},
	streamError: (message) => sse({ error: { code: 500, message, status: 'INTERNAL' } }),
}

export const ollama: Format = {
	name: 'ollama',
	contentType: 'application/x-ndjson',
	parse(body) {
		if (typeof body?.model !== 'string' || !body.model) return 'model is required'
		const turns = chatTurns(body.messages)
		if (typeof turns === 'string') return turns
		return { turns, stream: body.stream !== false, model: body.model }
	},
	json: (text, u, model, finish = 'stop') => ({
		model,
		created_at: new Date().toISOString(),
		message: { role: 'assistant', content: text },
		done_reason: finish,
		done: true,
		total_duration: 1_000_000,
		load_duration: 1000,
		prompt_eval_count: u.prompt,
		prompt_eval_duration: 100_000,
		eval_count: u.completion,
		eval_duration: 900_000,
	}),
	error: (_status, message) => ({ error: message }),
	*stream(chunks, u, model, { finish }) {
		for (const c of chunks)
			yield (
				JSON.stringify({
					model,
					created_at: new Date().toISOString(),
					message: { role: 'assistant', content: c },
					done: false,
				}) + '\n'
			)
		yield JSON.stringify({ ...(ollama.json('', u, model, finish) as object) }) + '\n'
	},
	streamError: (message) => JSON.stringify({ error: message }) + '\n',
}

/** `POST /chat`: `{ message, history? }` → `{ response, usage }`; `"stream": true` answers with SSE. */
export const generic: Format = {
	name: 'generic',
	parse(body) {
		if (typeof body?.message !== 'string') return 'message must be a string'
		const history = Array.isArray(body.history) ? body.history : []
		const turns: Turn[] = history.map((t: any) => ({
			role: String(t?.role ?? 'user'),
			content: textOf(t?.content ?? t?.text),
		}))
		turns.push({ role: 'user', content: body.message })
		return {
			turns,
			stream: body.stream === true,
			model: typeof body.model === 'string' ? body.model : 'krawall-mock',
		}
	},
	json: (text, u, model, finish = 'stop') => ({
		response: text,
		model,
		...(finish === 'length' ? { finish_reason: 'length' } : {}),
		usage: {
			prompt_tokens: u.prompt,
			completion_tokens: u.completion,
			total_tokens: u.prompt + u.completion,
		},
	}),
	error: (status, message) => ({ error: { message, status } }),
	*stream(chunks, u, model, { finish }) {
		for (const c of chunks) yield sse({ content: c })
		yield sse({
			content: '',
			done: true,
			model,
			...(finish === 'length' ? { finish_reason: 'length' } : {}),
			usage: {
				prompt_tokens: u.prompt,
				completion_tokens: u.completion,
				total_tokens: u.prompt + u.completion,
			},
		})
		yield sse('[DONE]')
	},
	streamError: (message) => sse({ error: { message } }, 'error'),
}

/** `POST /sse`: the generic request, always answered as an event stream. */
export const genericSse: Format = {
	...generic,
	name: 'sse',
	parse(body, url, headers) {
		const r = generic.parse(body, url, headers)
		return typeof r === 'string' ? r : { ...r, stream: true }
	},
}
