import { abortError, systemClock, type Clock } from '../clock'
import { getPath } from '../templates/paths'
import { isText, suggest } from '../templates/validate'
import {
	createOutboundGuard,
	OutboundRefused,
	type Lookup,
	type OutboundGuard,
} from '../security/outbound'
import { AuthFailure, createAuth } from './auth'
import {
	DEFAULT_MAX_REPLY_BYTES,
	errorText,
	httpStatusError,
	networkError,
	rateLimitHeaders,
	ReplyTooLarge,
	retryAfterOf,
	tooLargeError,
} from './errors'
import { elapsed, exchangeSignal, failure, timeoutError } from './exchange'
import { RequestInvalid } from './http1'
import type { HttpProtocolConfig, SseProtocolConfig } from './protocol-config'
import { interTokenLatency, readStream, type StreamSpec } from './stream'
import { applyTransform, compileRequestBody, extractText, substitute } from './template'
import {
	createTransport,
	RedirectRefused,
	type OutboundResponse,
	type Transport,
} from './transport'
import type {
	Connector,
	Conversation,
	SendError,
	SendOptions,
	SendResult,
	TargetSpec,
} from './types'
import { finalUsage, normaliseUsage, reportedModel } from './usage'

export interface ConnectorOptions {
	/** The outbound deny list (config.urlDenyList): checked at the socket, on every address and hop. */
	denyList?: string[]
	clock?: Clock
	/** Name resolution (tests: a name that resolves to a chosen address); the system's by default. */
	lookup?: Lookup
	/** Extra trusted TLS certificates (tests with a local TLS server). */
	ca?: string | string[]
	/** Told each credential obtained at run time (an OAuth access token), so replies are scrubbed of it too. */
	onSecret?: (value: string) => void
	/** The largest reply accepted (config.maxReplyBytes, docs/architecture.md §4); DEFAULT_MAX_REPLY_BYTES when absent. */
	maxReplyBytes?: number
}

/** A connector's guard and transport: one resolution cache and one pool per target and run. */
export function connectorNetwork(opts: ConnectorOptions): {
	guard: OutboundGuard
	transport: Transport
} {
	const guard = createOutboundGuard({ denyList: opts.denyList ?? [], lookup: opts.lookup })
	return {
		guard,
		transport: createTransport({
			guard,
			ca: opts.ca,
			maxReplyBytes: opts.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES,
		}),
	}
}

/** Refusals by the outbound policy and unsendable requests, as classified message errors. */
export function refusalError(e: unknown): SendError | undefined {
	if (e instanceof OutboundRefused)
		return { type: 'protocol_error', message: `Target URL refused: ${e.message}` }
	if (e instanceof RedirectRefused)
		return { type: 'protocol_error', message: `Redirect not followed: ${e.message}` }
	if (e instanceof RequestInvalid)
		return { type: 'protocol_error', message: `Request not sent: ${e.message}` }
	return undefined
}

/** endpoint + path (variables filled) + query; the endpoint's own query string is kept. */
export function buildUrl(
	endpoint: string,
	path: string | undefined,
	query: Record<string, string>,
	vars: Record<string, string | number | boolean> = {},
) {
	const u = new URL(endpoint)
	if (path) {
		const p = substitute(path, vars).replace(/^\/+/, '')
		const base = u.pathname.replace(/\/+$/, '')
		// An endpoint that already ends with the path (`wss://host/ws` + `/ws`) is used as it is.
		if (p && !`${base}/`.endsWith(`/${p.replace(/\/+$/, '')}/`)) u.pathname = `${base}/${p}`
	}
	for (const [k, v] of Object.entries(query)) u.searchParams.set(k, substitute(v, vars))
	return u
}

/**
 * The URL a request went to, for messages: credentials in the user part and in query parameters
 * (the auth's `creds.query`, a WebSocket `tokenQueryParam`) replaced by `***` (docs/architecture.md §8).
 */
export function shownUrl(url: URL, secretParams: string[] = []): string {
	const u = new URL(url)
	if (u.username) u.username = '***'
	if (u.password) u.password = '***'
	for (const k of secretParams) if (u.searchParams.has(k)) u.searchParams.set(k, '***')
	return u.toString()
}

/** A connection-level failure (or a wrong path) says which URL it was. */
const withUrl = (e: SendError, shown: string): SendError => ({
	...e,
	message: `${e.message} (${shown})`,
})

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
	v !== null && typeof v === 'object' && !Array.isArray(v)
function deepMerge(
	a: Record<string, unknown>,
	b: Record<string, unknown>,
): Record<string, unknown> {
	const out = { ...a }
	for (const [k, v] of Object.entries(b))
		out[k] =
			isPlainObject(v) && isPlainObject(out[k])
				? deepMerge(out[k] as Record<string, unknown>, v)
				: v
	return out
}

/** The streaming settings in force, or undefined for a plain JSON exchange. */
function streamSpecOf(spec: TargetSpec):
	| (StreamSpec & {
			path?: string
			query?: Record<string, string>
			body?: Record<string, unknown>
			/** The setting that names `contentPath`, for messages (docs/architecture.md §4). */
			contentSetting: string
	  })
	| undefined {
	const rt = spec.responseTemplate
	const usageDefault = rt.tokenUsagePath ? [rt.tokenUsagePath] : []
	if (spec.connectorType === 'SSE') {
		const pc = spec.protocolConfig as SseProtocolConfig
		return {
			format: pc.format ?? 'sse',
			contentPath: pc.contentPath ?? rt.responsePath,
			contentSetting: pc.contentPath
				? 'protocolConfig.contentPath'
				: 'responseTemplate.responsePath (or protocolConfig.contentPath)',
			usagePaths: pc.usagePaths ?? usageDefault,
			errorPath: pc.errorPath ?? rt.errorPath,
			doneMarker: pc.doneMarker ?? '[DONE]',
			doneEvent: pc.doneEvent,
			body: pc.body,
		}
	}
	const pc = spec.protocolConfig as HttpProtocolConfig
	if (!pc.stream) return undefined
	const s = pc.streaming ?? {}
	return {
		format: s.format ?? 'sse',
		contentPath: s.contentPath ?? rt.responsePath,
		contentSetting: s.contentPath
			? 'protocolConfig.streaming.contentPath'
			: 'responseTemplate.responsePath (or protocolConfig.streaming.contentPath)',
		usagePaths: s.usagePaths ?? usageDefault,
		errorPath: s.errorPath ?? rt.errorPath,
		doneMarker: s.doneMarker ?? (s.format === 'ndjson' ? undefined : '[DONE]'),
		doneEvent: s.doneEvent,
		path: s.path,
		query: s.query,
		body: s.body,
	}
}

/**
 * HTTP_REST and SSE targets over the guarded transport (keep-alive, checked addresses,
 * redirects re-checked without credentials across origins): the request template becomes the
 * JSON body, the reply is extracted with the response template, or folded from a stream.
 */
export function createHttpConnector(spec: TargetSpec, opts: ConnectorOptions = {}): Connector {
	const clock = opts.clock ?? systemClock
	const { transport } = connectorNetwork(opts)
	const auth = createAuth(spec.authType, spec.authConfig, {
		clock,
		transport,
		onSecret: opts.onSecret,
	})
	const pc = spec.protocolConfig as HttpProtocolConfig
	const stream = streamSpecOf(spec)
	const vars = spec.requestTemplate.variables ?? {}
	const method = pc.method ?? 'POST'
	const rt = spec.responseTemplate
	const requestBody = compileRequestBody(spec.requestTemplate)
	// Per target, not per request (the hot path): the headers' variables, and the URL for each
	// set of credential query parameters (usually none; an OAuth/API-key query changes rarely).
	const headers0 = substitute(pc.headers ?? {}, vars)
	// The shown form (credentials as `***`) is cached with it.
	const urls = new Map<string, { href: string; shown: string }>()
	const urlFor = (credQuery: Record<string, string>) => {
		const key = JSON.stringify(credQuery)
		let hit = urls.get(key)
		if (hit === undefined) {
			const url = buildUrl(
				spec.endpoint,
				stream?.path ?? pc.path,
				{ ...pc.query, ...stream?.query, ...credQuery },
				vars,
			)
			hit = { href: url.href, shown: `${method} ${shownUrl(url, Object.keys(credQuery))}` }
			if (urls.size > 16) urls.clear()
			urls.set(key, hit)
		}
		return { url: new URL(hit.href), shown: hit.shown }
	}

	async function send(message: string, o: SendOptions): Promise<SendResult> {
		const ex = exchangeSignal(o.signal, o.timeoutMs ?? pc.timeoutMs)
		let t0 = clock.perf()
		let httpStatus: number | undefined
		let body: Record<string, unknown>
		try {
			body = requestBody(message, o.history)
			if (stream?.body) body = deepMerge(body, stream.body)
		} catch (e) {
			ex.dispose()
			return failure(
				{ type: 'protocol_error', message: `Request template: ${(e as Error).message}` },
				{ responseTimeMs: 0 },
			)
		}
		const payload = JSON.stringify(body)
		let shown: string | undefined
		try {
			let refreshed = false
			for (;;) {
				const creds = await auth.credentials(ex.signal)
				const target = urlFor(creds.query)
				const url = target.url
				shown = target.shown
				if (url.protocol !== 'http:' && url.protocol !== 'https:')
					return failure(
						{ type: 'protocol_error', message: `Target URL refused: ${url.protocol} is not HTTP` },
						{ responseTimeMs: 0 },
					)
				const headers: Record<string, string> = {
					'content-type': 'application/json',
					accept: stream
						? stream.format === 'ndjson'
							? 'application/x-ndjson'
							: 'text/event-stream'
						: 'application/json',
					...headers0,
					...creds.headers,
				}
				t0 = clock.perf()
				const res = await transport.request(url, {
					method,
					headers,
					body: method === 'GET' ? undefined : payload,
					signal: ex.signal,
					redirect: 'follow',
					credentialQuery: Object.keys(creds.query),
				})
				httpStatus = res.status
				if (res.status === 401 && !refreshed && auth.invalidate()) {
					// An OAuth token may have been revoked early: fetch a new one, once.
					refreshed = true
					res.discard()
					continue
				}
				const result = await readReply(res, message, o, t0, ex.signal)
				const limits = rateLimitHeaders(res.headers)
				if (limits) result.rateLimitHeaders = limits
				// 404/405: the URL itself is wrong (endpoint + path), so show it.
				if (result.error && (res.status === 404 || res.status === 405))
					return { ...result, error: withUrl(result.error, shown) }
				return result
			}
		} catch (e) {
			ex.checkCancelled()
			const responseTimeMs = elapsed(clock, t0)
			if (ex.timedOut())
				return failure(timeoutError(o.timeoutMs ?? pc.timeoutMs), { responseTimeMs, httpStatus })
			if (e instanceof AuthFailure)
				return failure({ type: 'auth_error', message: e.message }, { responseTimeMs })
			if (e instanceof ReplyTooLarge)
				return failure(tooLargeError(e.limit), { responseTimeMs, httpStatus })
			const refused = refusalError(e)
			const at = (err: SendError) => (shown ? withUrl(err, shown) : err)
			if (refused) return failure(at(refused), { responseTimeMs: 0 })
			return failure(at(networkError(e)), { responseTimeMs, httpStatus })
		} finally {
			ex.dispose()
		}
	}

	/**
	 * From `t0` to when the reply's last bytes came off the socket (the transport's stamp, taken
	 * before any parsing or other queued work), else to now. A test's clock has no such stamp.
	 */
	const replyTime = (res: OutboundResponse, t0: number) => {
		const at = clock === systemClock ? res.receivedAt() : undefined
		return at === undefined ? elapsed(clock, t0) : Math.round((at - t0) * 1000) / 1000
	}

	async function readReply(
		res: OutboundResponse,
		message: string,
		o: SendOptions,
		t0: number,
		signal: AbortSignal,
	): Promise<SendResult> {
		const promptText = message + o.history.map((t) => t.content).join('')
		const ctype = res.header('content-type') ?? ''
		if (!res.ok) {
			const text = await res.text()
			const responseTimeMs = replyTime(res, t0)
			let json: unknown
			try {
				json = JSON.parse(text)
			} catch {
				json = undefined
			}
			const msg =
				(rt.errorPath && json !== undefined ? errorText(getPath(json, rt.errorPath)) : undefined) ??
				errorText(json) ??
				(text.trim().slice(0, 300) || res.statusText)
			const retryAfterMs = retryAfterOf(res.header, clock.now())
			return failure(httpStatusError(res.status, msg, retryAfterMs), {
				responseTimeMs,
				httpStatus: res.status,
				raw: json ?? text.slice(0, 2000),
			})
		}
		// A server that ignores the stream flag answers with plain JSON: read it as such.
		const streamed = stream && !/^application\/json/i.test(ctype)
		if (streamed) {
			const s = await readStream(res.chunks(), stream, clock, t0, res.discard, signal)
			const responseTimeMs = replyTime(res, t0)
			const content = applyTransform(s.content, rt.transform)
			const usage = finalUsage(s.usage, promptText, content, s.model)
			// Cancelled mid-stream: what arrived is kept, as an `aborted` result (docs/architecture.md §4).
			if (s.interrupted && o.signal.aborted)
				return failure(
					{ type: 'aborted', message: 'Aborted while the reply was streaming' },
					{
						httpStatus: res.status,
						usage,
						responseTimeMs,
						ttftMs: s.ttftMs,
						raw: s.raw,
						content: content || null,
					},
				)
			if (s.interrupted) throw s.interrupted
			const itlMs = interTokenLatency(s.pieces, usage.completionTokens)
			const base = {
				...(itlMs !== undefined ? { itlMs } : {}),
				httpStatus: res.status,
				usage,
				responseTimeMs,
				ttftMs: s.ttftMs,
				raw: s.raw,
				content: content || null,
			}
			if (s.error) return failure({ type: 'http_error', message: `Stream error: ${s.error}` }, base)
			if (!content)
				return failure({ type: 'empty_response', message: emptyStreamMessage(stream, s.raw) }, base)
			return { success: true, ...base, content }
		}
		const text = await res.text()
		const responseTimeMs = replyTime(res, t0)
		let json: unknown
		try {
			json = JSON.parse(text)
		} catch {
			// A plain-text chatbot: `responsePath: "$"` takes the whole body as the reply.
			if (rt.responsePath.trim() === '$' && text.trim()) {
				const content = applyTransform(text, rt.transform)
				const usage = finalUsage(undefined, promptText, content)
				return {
					success: true,
					content,
					httpStatus: res.status,
					usage,
					responseTimeMs,
					raw: text.slice(0, 2000),
				}
			}
			return failure(
				{
					type: 'protocol_error',
					message: `Reply is not JSON (${ctype || 'no content type'}): ${text.slice(0, 120)}`,
				},
				{ responseTimeMs, httpStatus: res.status, raw: text.slice(0, 2000) },
			)
		}
		const extracted = extractText(json, rt.responsePath)
		const content = extracted === null ? null : applyTransform(extracted, rt.transform)
		const reported = rt.tokenUsagePath
			? normaliseUsage(getPath(json, rt.tokenUsagePath))
			: undefined
		const usage = finalUsage(reported, promptText, content ?? '', reportedModel(json))
		const base = { httpStatus: res.status, usage, responseTimeMs, raw: json }
		if (!content) {
			const err = rt.errorPath ? errorText(getPath(json, rt.errorPath)) : undefined
			if (err) return failure({ type: 'http_error', message: err }, base)
			if (extracted === null)
				return failure(
					{ type: 'protocol_error', message: `No content at "${rt.responsePath}"` },
					base,
				)
			return failure({ type: 'empty_response', message: 'The reply was empty' }, base)
		}
		return { success: true, content, ...base }
	}

	return {
		async open(signal: AbortSignal): Promise<Conversation> {
			if (signal.aborted) throw abortError(signal)
			return { send, close: async () => {} }
		},
		async close() {
			transport.close()
		},
	}
}

/**
 * Why a stream gave no content, in terms a user can act on: the path looked for, the setting
 * that holds it, the first event's fields and the text fields it had (as template validation
 * suggests paths, src/templates/validate.ts).
 */
export function emptyStreamMessage(
	stream: { contentPath: string; contentSetting: string },
	events: unknown[],
): string {
	const base = `The stream ended without content at "${stream.contentPath}" (${stream.contentSetting})`
	const first = events.find((e) => e !== null && typeof e === 'object')
	if (!first) return `${base}; no event carried JSON`
	const fields = Array.isArray(first) ? '(an array)' : Object.keys(first).slice(0, 12).join(', ')
	// The first event's text fields first: content deltas come early, metadata (model) last.
	const paths = (e: unknown) =>
		suggest(e, stream.contentPath, isText).filter((p) => p !== stream.contentPath)
	const suggestion = (paths(first).length ? paths(first) : events.flatMap(paths)).slice(0, 3)
	const hint = suggestion.length ? `; try ${suggestion.map((p) => `"${p}"`).join(' or ')}` : ''
	return `${base}; the first event has the fields ${fields}${hint}`
}
