import { abortError, systemClock } from '../clock'
import { getPath } from '../templates/paths'
import { parseIp } from '../security/address'
import { AuthFailure, createAuth } from './auth'
import { DEFAULT_MAX_REPLY_BYTES, errorText, networkError, tooLargeError } from './errors'
import { elapsed, exchangeSignal, failure, timeoutError, unexpectedFailure } from './exchange'
import { buildUrl, connectorNetwork, refusalError, shownUrl, type ConnectorOptions } from './http'
import type { WebSocketProtocolConfig } from './protocol-config'
import { applyTransform, compileRequestBody, extractText, substitute } from './template'
import type {
	Connector,
	Conversation,
	SendError,
	SendOptions,
	SendResult,
	TargetSpec,
} from './types'
import { finalUsage, mergeUsage, normaliseUsage, reportedModel, type ReportedUsage } from './usage'

class ConnectError extends Error {
	constructor(readonly error: SendError) {
		super(error.message)
	}
}

function upgradeError(message: string): SendError {
	const status = /status code:?\s*(\d{3})/i.exec(message)?.[1]
	if (status === '401' || status === '403')
		return {
			type: 'auth_error',
			message: `Authentication failed: the WebSocket upgrade was refused with HTTP ${status}`,
		}
	if (status === '429')
		return { type: 'rate_limited', message: 'The WebSocket upgrade was refused with HTTP 429' }
	if (status)
		return { type: 'http_error', message: `The WebSocket upgrade was refused with HTTP ${status}` }
	// Bun reports a refused TCP connection as "Failed to connect".
	if (/refused|ECONNREFUSED|Failed to connect/i.test(message))
		return { type: 'connection_refused', message: `Connection refused: ${message}` }
	if (/ENOTFOUND|DNS|resolve/i.test(message))
		return { type: 'dns', message: `Host not found (DNS): ${message}` }
	return {
		type: 'protocol_error',
		message: `WebSocket connection failed: ${message || 'no reason given'}`,
	}
}

/**
 * WEBSOCKET targets: one socket per conversation, opened on the first message (so a refused
 * connection is a result, not a throw), auth headers on the upgrade or the token in the query.
 * Each message is the request template as a JSON frame (or plain text); the reply is assembled
 * from frames until `doneWhen` matches, or is the first frame with content. Closed on abort and
 * on conversation end, never reconnected after an intentional close; after a timeout the next
 * message opens a fresh socket (late frames of the old reply must not leak into the new one).
 */
export function createWebSocketConnector(spec: TargetSpec, opts: ConnectorOptions = {}): Connector {
	const clock = opts.clock ?? systemClock
	const { guard, transport } = connectorNetwork(opts)
	const auth = createAuth(spec.authType, spec.authConfig, {
		clock,
		transport,
		onSecret: opts.onSecret,
	})
	const pc = spec.protocolConfig as WebSocketProtocolConfig
	const rt = spec.responseTemplate
	const requestBody = compileRequestBody(spec.requestTemplate)
	const vars = spec.requestTemplate.variables ?? {}
	const textFrames = pc.frameFormat === 'text'
	const maxReplyBytes = opts.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES

	async function connect(signal: AbortSignal): Promise<WebSocket> {
		let creds
		try {
			creds = await auth.credentials(signal)
		} catch (e) {
			if (e instanceof AuthFailure)
				throw new ConnectError({ type: 'auth_error', message: e.message })
			throw e
		}
		const query: Record<string, string> = { ...pc.query, ...creds.query }
		if (pc.tokenQueryParam && creds.token) query[pc.tokenQueryParam] = creds.token
		const url = buildUrl(spec.endpoint, pc.path, query, vars)
		// Every connection error names the URL, its credentials masked (docs/architecture.md §8).
		const secretParams = [
			...Object.keys(creds.query),
			...(pc.tokenQueryParam ? [pc.tokenQueryParam] : []),
		]
		const at = (e: SendError): SendError => ({
			...e,
			message: `${e.message} (${shownUrl(url, secretParams)})`,
		})
		if (!['ws:', 'wss:', 'http:', 'https:'].includes(url.protocol))
			throw new ConnectError(
				at({
					type: 'protocol_error',
					message: `Target URL refused: ${url.protocol} is not a WebSocket URL`,
				}),
			)
		const secure = url.protocol === 'wss:' || url.protocol === 'https:'
		// Connect to the checked address; the name goes in Host and in the TLS server name.
		let pinned
		try {
			pinned = await guard.pin(url.hostname)
		} catch (e) {
			throw new ConnectError(at(refusalError(e) ?? networkError(e)))
		}
		const target = new URL(url)
		target.protocol = secure ? 'wss:' : 'ws:'
		target.hostname = pinned.family === 6 ? `[${pinned.address}]` : pinned.address
		const headers: Record<string, string> = pc.tokenQueryParam
			? { ...substitute(pc.headers ?? {}, vars) }
			: { ...substitute(pc.headers ?? {}, vars), ...creds.headers }
		headers.host = url.host
		const tls =
			secure && (!parseIp(pinned.host) || opts.ca)
				? {
						...(parseIp(pinned.host) ? {} : { serverName: pinned.host }),
						...(opts.ca ? { ca: opts.ca } : {}),
					}
				: undefined
		const ws = new WebSocket(target.toString(), {
			headers,
			protocols: pc.subprotocols,
			...(tls ? { tls } : {}),
		} as unknown as string[])
		return new Promise<WebSocket>((resolve, reject) => {
			let lastError = ''
			const cleanup = () => {
				signal.removeEventListener('abort', onAbort)
				ws.removeEventListener('open', onOpen)
				ws.removeEventListener('error', onError)
				ws.removeEventListener('close', onClose)
			}
			const onOpen = () => {
				cleanup()
				resolve(ws)
			}
			const onError = (e: Event) => {
				lastError = String((e as ErrorEvent).message ?? '')
			}
			const onClose = (e: CloseEvent) => {
				cleanup()
				reject(
					new ConnectError(at(upgradeError(lastError || `closed with code ${e.code} ${e.reason}`))),
				)
			}
			const onAbort = () => {
				cleanup()
				ws.close()
				reject(abortError(signal))
			}
			ws.addEventListener('open', onOpen)
			ws.addEventListener('error', onError)
			ws.addEventListener('close', onClose)
			signal.addEventListener('abort', onAbort, { once: true })
		})
	}

	function conversation(): Conversation {
		let ws: WebSocket | undefined
		let closed = false

		const drop = () => {
			ws?.close(1000, 'conversation ended')
			ws = undefined
		}

		async function send(message: string, o: SendOptions): Promise<SendResult> {
			if (closed) throw new Error('conversation is closed')
			const ex = exchangeSignal(o.signal, o.timeoutMs)
			const promptText = message + o.history.map((t) => t.content).join('')
			let t0 = clock.perf()
			try {
				if (!ws || ws.readyState !== WebSocket.OPEN) ws = await connect(ex.signal)
				const socket = ws
				let frame: string
				try {
					frame = textFrames ? message : JSON.stringify(requestBody(message, o.history))
				} catch (e) {
					return failure(
						{ type: 'protocol_error', message: `Request template: ${(e as Error).message}` },
						{ responseTimeMs: 0 },
					)
				}
				t0 = clock.perf()
				return await new Promise<SendResult>((resolve, reject) => {
					let content = ''
					let ttftMs: number | undefined
					let usage: ReportedUsage | undefined
					let model: string | undefined
					let received = 0
					const raw: unknown[] = []
					const finish = (r: SendResult) => {
						cleanup()
						resolve(r)
					}
					const done = (error?: SendError) => {
						const text = applyTransform(content, rt.transform)
						const fields = {
							usage: finalUsage(usage, promptText, text, model),
							responseTimeMs: elapsed(clock, t0),
							ttftMs,
							raw,
							content: text || null,
						}
						if (error) return finish(failure(error, fields))
						if (!text)
							return finish(
								failure({ type: 'empty_response', message: 'The reply had no content' }, fields),
							)
						finish({ success: true, ...fields, content: text })
					}
					const onMessage = (e: MessageEvent) => {
						const data =
							typeof e.data === 'string' ? e.data : new TextDecoder().decode(e.data as ArrayBuffer)
						// The frames of one reply are held to the limit; past it the socket is closed
						// (the next message opens a fresh one) and the reply is an error (docs/architecture.md §4).
						received += typeof e.data === 'string' ? Buffer.byteLength(data) : data.length
						if (received > maxReplyBytes) {
							cleanup()
							drop()
							content = ''
							return done(tooLargeError(maxReplyBytes))
						}
						let json: unknown
						try {
							json = textFrames ? undefined : JSON.parse(data)
						} catch {
							json = undefined
						}
						if (json === undefined || json === null || typeof json !== 'object') {
							ttftMs ??= elapsed(clock, t0)
							content += data
							if (!pc.doneWhen) done()
							return
						}
						if (raw.length < 4) raw.push(json)
						const err = rt.errorPath ? errorText(getPath(json, rt.errorPath)) : undefined
						if (err) {
							const j = json as Record<string, any>
							const status = Number(j.status ?? j.code)
							const retry = Number(j.retry_after ?? j.retryAfter)
							const limited = status === 429 || /rate.?limit/i.test(err)
							return done({
								type: limited
									? 'rate_limited'
									: status === 401 || status === 403
										? 'auth_error'
										: 'http_error',
								message: err,
								...(limited && Number.isFinite(retry) ? { retryAfterMs: retry * 1000 } : {}),
							})
						}
						const delta = extractText(json, rt.responsePath)
						if (delta) {
							ttftMs ??= elapsed(clock, t0)
							content += delta
						}
						if (rt.tokenUsagePath)
							usage = mergeUsage(usage, normaliseUsage(getPath(json, rt.tokenUsagePath)))
						model ??= reportedModel(json)
						if (pc.doneWhen) {
							const v = getPath(json, pc.doneWhen.path)
							if (pc.doneWhen.equals === undefined ? !!v : v === pc.doneWhen.equals) done()
						} else if (delta) done()
					}
					const onClose = (e: CloseEvent) => {
						ws = undefined
						done({
							type: 'protocol_error',
							message: `The WebSocket closed before the reply was complete (code ${e.code}${e.reason ? `: ${e.reason}` : ''})`,
						})
					}
					const onAbort = () => {
						cleanup()
						drop()
						if (ex.timedOut())
							resolve(
								failure(timeoutError(o.timeoutMs), {
									responseTimeMs: elapsed(clock, t0),
									content: content || null,
									ttftMs,
								}),
							)
						else reject(abortError(o.signal))
					}
					const cleanup = () => {
						socket.removeEventListener('message', onMessage)
						socket.removeEventListener('close', onClose)
						ex.signal.removeEventListener('abort', onAbort)
					}
					socket.addEventListener('message', onMessage)
					socket.addEventListener('close', onClose)
					ex.signal.addEventListener('abort', onAbort, { once: true })
					if (ex.signal.aborted) return onAbort()
					socket.send(frame)
				})
			} catch (e) {
				ex.checkCancelled()
				if (ex.timedOut())
					return failure(timeoutError(o.timeoutMs), { responseTimeMs: elapsed(clock, t0) })
				if (e instanceof ConnectError)
					return failure(e.error, { responseTimeMs: elapsed(clock, t0) })
				return unexpectedFailure(e, elapsed(clock, t0))
			} finally {
				ex.dispose()
			}
		}

		return {
			send,
			async close() {
				closed = true
				drop()
			},
		}
	}

	const open = new Set<Conversation>()
	return {
		async open(signal) {
			if (signal.aborted) throw abortError(signal)
			const conv = conversation()
			open.add(conv)
			return {
				send: conv.send,
				async close() {
					open.delete(conv)
					await conv.close()
				},
			}
		},
		/** Closes the sockets of conversations their owner did not close. */
		async close() {
			for (const conv of open) await conv.close()
			open.clear()
			transport.close()
		},
	}
}
