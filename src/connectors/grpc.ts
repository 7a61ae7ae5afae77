import {
	credentials as grpcCredentials,
	Metadata,
	status,
	type Client,
	type ServiceError,
} from '@grpc/grpc-js'
import { abortError, systemClock } from '../clock'
import { parseIp } from '../security/address'
import type { Pinned } from '../security/outbound'
import { getPath } from '../templates/paths'
import { AuthFailure, createAuth } from './auth'
import { DEFAULT_MAX_REPLY_BYTES, errorText, networkError, tooLargeError } from './errors'
import { elapsed, exchangeSignal, failure, unexpectedFailure } from './exchange'
import { findGrpcMethod } from './grpc-proto'
import { connectorNetwork, refusalError, type ConnectorOptions } from './http'
import type { GrpcProtocolConfig } from './protocol-config'
import { applyTransform, compileRequestBody, extractText } from './template'
import type { Connector, SendError, SendOptions, SendResult, TargetSpec } from './types'
import { finalUsage, mergeUsage, normaliseUsage, type ReportedUsage } from './usage'

const DEFAULT_DEADLINE_MS = 30_000

function grpcError(e: ServiceError, maxReplyBytes: number, where?: string): SendError {
	const raw = e.details || e.message
	// grpc-js refuses a message over grpc.max_receive_message_length this way (docs/architecture.md §4).
	if (e.code === status.RESOURCE_EXHAUSTED && /larger than max/i.test(raw))
		return tooLargeError(maxReplyBytes)
	const details = raw + (where ? ` (${where})` : '')
	const retry = e.metadata?.get('retry-after')?.[0]
	const retryAfterMs =
		retry !== undefined && /^\d+(\.\d+)?$/.test(String(retry)) ? Number(retry) * 1000 : undefined
	switch (e.code) {
		case status.UNAUTHENTICATED:
		case status.PERMISSION_DENIED:
			return {
				type: 'auth_error',
				message: `Authentication failed (gRPC ${status[e.code]}): ${details}`,
			}
		case status.DEADLINE_EXCEEDED:
			return { type: 'timeout', message: `Deadline exceeded: ${details}` }
		case status.RESOURCE_EXHAUSTED:
			return {
				type: 'rate_limited',
				message: `gRPC RESOURCE_EXHAUSTED: ${details}`,
				...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
			}
		case status.UNAVAILABLE:
			if (/ECONNREFUSED|refused/i.test(details))
				return { type: 'connection_refused', message: `Connection refused: ${details}` }
			if (/ENOTFOUND|DNS|resolution/i.test(details))
				return { type: 'dns', message: `Host not found (DNS): ${details}` }
			return {
				type: 'http_error',
				message: `gRPC UNAVAILABLE: ${details}`,
				...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
			}
		default:
			return { type: 'protocol_error', message: `gRPC ${status[e.code] ?? e.code}: ${details}` }
	}
}

/**
 * The channel target for a checked address: grpc-js dials `ipv4:`/`ipv6:` targets as given (no
 * resolver of its own, so no second lookup); the name the user gave stays the `:authority` and
 * the TLS server name, and proxies from the environment are not used (they would resolve it).
 */
export function pinnedChannel(pinned: Pinned, port: number, tls: boolean) {
	const named = !parseIp(pinned.host)
	const authority = `${pinned.family === 6 && !named ? `[${pinned.host}]` : pinned.host}:${port}`
	return {
		target:
			pinned.family === 6 ? `ipv6:[${pinned.address}]:${port}` : `ipv4:${pinned.address}:${port}`,
		options: {
			'grpc.default_authority': authority,
			'grpc.enable_http_proxy': 0,
			...(tls && named ? { 'grpc.ssl_target_name_override': pinned.host } : {}),
		} as Record<string, string | number>,
	}
}

/**
 * GRPC targets: the service is built from the .proto source in `protocolConfig` (never a
 * server file), one channel per target shared by its conversations, unary or server-streaming
 * by the method's definition, a deadline on every call, auth as call metadata, TLS optional.
 * The channel is opened to the address the outbound guard checked, once per connector.
 */
export function createGrpcConnector(spec: TargetSpec, opts: ConnectorOptions = {}): Connector {
	const clock = opts.clock ?? systemClock
	const { guard, transport } = connectorNetwork(opts)
	const auth = createAuth(spec.authType, spec.authConfig, {
		clock,
		transport,
		onSecret: opts.onSecret,
	})
	const pc = spec.protocolConfig as GrpcProtocolConfig
	const rt = spec.responseTemplate
	const requestBody = compileRequestBody(spec.requestTemplate)
	let client: Promise<Client> | undefined
	let loadError: string | undefined
	let streaming = false

	const address = spec.endpoint.replace(/^grpcs?:\/\//, '').replace(/\/+$/, '')
	const tls = pc.tls === true || spec.endpoint.startsWith('grpcs://')
	const maxReplyBytes = opts.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES

	async function open(ctor: new (...args: any[]) => Client): Promise<Client> {
		const u = new URL(`http://${address}`)
		const port = u.port ? Number(u.port) : 443
		const ch = pinnedChannel(await guard.pin(u.hostname), port, tls)
		return new ctor(
			ch.target,
			tls
				? grpcCredentials.createSsl(opts.ca ? Buffer.from([opts.ca].flat().join('\n')) : null)
				: grpcCredentials.createInsecure(),
			{ ...ch.options, 'grpc.max_receive_message_length': maxReplyBytes },
		)
	}

	/** The client, or a message error: a service the proto does not define, a refused address. */
	async function getClient(): Promise<{ client: Client } | { error: SendError }> {
		if (loadError)
			return { error: { type: 'protocol_error', message: `gRPC service: ${loadError}` } }
		if (!client) {
			try {
				const m = findGrpcMethod(pc.protoSource, pc.service, pc.method)
				if (m.clientStreaming)
					throw new Error(
						`method: ${pc.method} is client-streaming; only unary and server-streaming methods are supported`,
					)
				streaming = m.streaming
				client = open(m.ctor)
			} catch (e) {
				loadError = (e as Error).message.replace(/^\w+: /, '')
				return { error: { type: 'protocol_error', message: `gRPC service: ${loadError}` } }
			}
			// A refusal or a failed lookup is not kept: the next message asks the guard again.
			client.catch(() => (client = undefined))
		}
		try {
			return { client: await client }
		} catch (e) {
			return { error: refusalError(e) ?? networkError(e) }
		}
	}

	async function send(message: string, o: SendOptions): Promise<SendResult> {
		const got = await getClient()
		if ('error' in got) return failure(got.error, { responseTimeMs: 0 })
		const c = got.client
		const ex = exchangeSignal(o.signal, undefined)
		const promptText = message + o.history.map((t) => t.content).join('')
		let t0 = clock.perf()
		try {
			let creds
			try {
				creds = await auth.credentials(ex.signal)
			} catch (e) {
				if (e instanceof AuthFailure)
					return failure({ type: 'auth_error', message: e.message }, { responseTimeMs: 0 })
				throw e
			}
			const md = new Metadata()
			for (const [k, v] of Object.entries({ ...pc.metadata, ...creds.headers }))
				md.set(k.toLowerCase(), v)
			let request: Record<string, unknown>
			try {
				request = requestBody(message, o.history)
			} catch (e) {
				return failure(
					{ type: 'protocol_error', message: `Request template: ${(e as Error).message}` },
					{ responseTimeMs: 0 },
				)
			}
			const deadlineMs = Math.min(
				pc.deadlineMs ?? DEFAULT_DEADLINE_MS,
				o.timeoutMs ?? Number.POSITIVE_INFINITY,
			)
			const deadline = new Date(Date.now() + deadlineMs)
			const fn = (c as unknown as Record<string, Function>)[pc.method].bind(c)
			t0 = clock.perf()
			return await new Promise<SendResult>((resolve, reject) => {
				let content = ''
				let ttftMs: number | undefined
				let usage: ReportedUsage | undefined
				const raw: unknown[] = []
				let settled = false
				let tooLarge = false
				let received = 0
				const settle = (r: SendResult | Error) => {
					if (settled) return
					settled = true
					ex.signal.removeEventListener('abort', onAbort)
					if (r instanceof Error) reject(r)
					else resolve(r)
				}
				const onMessage = (msg: unknown) => {
					if (raw.length < 4) raw.push(msg)
					const delta = extractText(msg, rt.responsePath)
					if (delta) {
						ttftMs ??= elapsed(clock, t0)
						content += delta
						received += Buffer.byteLength(delta)
					}
					// A stream of messages each under the limit is held to it as a whole.
					if (received > maxReplyBytes && !tooLarge) {
						tooLarge = true
						call.cancel()
						return settle(
							failure(tooLargeError(maxReplyBytes), {
								usage: finalUsage(usage, promptText, ''),
								responseTimeMs: elapsed(clock, t0),
								raw,
								content: null,
							}),
						)
					}
					if (rt.tokenUsagePath)
						usage = mergeUsage(usage, normaliseUsage(getPath(msg, rt.tokenUsagePath)))
				}
				const complete = (err?: ServiceError | null) => {
					const text = applyTransform(content, rt.transform)
					const fields = {
						usage: finalUsage(usage, promptText, text),
						responseTimeMs: elapsed(clock, t0),
						raw,
						content: text || null,
						...(streaming ? { ttftMs } : {}),
					}
					if (err) {
						if (err.code === status.CANCELLED && o.signal.aborted)
							return settle(abortError(o.signal))
						return settle(
							failure(
								grpcError(
									err,
									maxReplyBytes,
									`${tls ? 'grpcs' : 'grpc'}://${address.replace(/^[^@/]*@/, '')}/${pc.service}/${pc.method}`,
								),
								fields,
							),
						)
					}
					const reported =
						raw.length && rt.errorPath
							? errorText(getPath(raw[raw.length - 1], rt.errorPath))
							: undefined
					if (reported) return settle(failure({ type: 'http_error', message: reported }, fields))
					if (!text)
						return settle(
							failure({ type: 'empty_response', message: 'The reply had no content' }, fields),
						)
					settle({ success: true, ...fields, content: text })
				}
				let call: { cancel(): void; on?: Function }
				if (streaming) {
					const stream = fn(request, md, { deadline })
					stream.on('data', onMessage)
					stream.on('error', (e: ServiceError) => complete(e))
					stream.on('end', () => complete())
					call = stream
				} else {
					call = fn(request, md, { deadline }, (err: ServiceError | null, res: unknown) => {
						if (!err) onMessage(res)
						complete(err)
					})
				}
				const onAbort = () => {
					call.cancel()
					settle(abortError(o.signal))
				}
				ex.signal.addEventListener('abort', onAbort, { once: true })
				if (ex.signal.aborted) onAbort()
			})
		} catch (e) {
			ex.checkCancelled()
			return unexpectedFailure(e, elapsed(clock, t0))
		} finally {
			ex.dispose()
		}
	}

	return {
		async open(signal) {
			if (signal.aborted) throw abortError(signal)
			return { send, close: async () => {} }
		},
		async close() {
			const c = client
			client = undefined
			transport.close()
			await c?.then((x) => x.close()).catch(() => {})
		},
	}
}
