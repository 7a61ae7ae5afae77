import type { Socket } from 'bun'
import { abortError } from '../clock'
import { ReplyTooLarge } from './errors'

/**
 * A small HTTP/1.1 client over Bun's native sockets (`Bun.connect`), for the outbound
 * transport (transport.ts). Chosen by measurement (bench/README.md, "transport"): it connects
 * to exactly the address it is given (the checked one), has no in-flight cap (Bun's `fetch`
 * stops at 256 unless BUN_CONFIG_MAX_HTTP_REQUESTS is set before start), and spends about the
 * CPU per message `fetch` does (`node:http` spends 2–2.5 times as much).
 *
 * Scope: one request per connection at a time (no pipelining), keep-alive pools per origin,
 * bodies framed by Content-Length, chunked encoding or the connection's end, 1xx skipped,
 * HEAD/204/304 without body. A request is never retried: a POST the target may have served
 * must not be sent twice (spend is never under-recorded).
 */

export interface Endpoint {
	/** The address to connect to (already checked); never a name. */
	address: string
	port: number
	tls: boolean
	/** TLS server name (SNI and certificate check); the address when absent. */
	serverName?: string
}

export interface Http1Request {
	method: string
	/** Path and query, as sent on the request line. */
	target: string
	/** Lower-case names; `host` included. */
	headers: Record<string, string>
	body?: string | Uint8Array
	signal: AbortSignal
	/** The largest body accepted: past it the body fails with ReplyTooLarge and the connection is closed. */
	maxBodyBytes?: number
}

export interface Http1Response {
	status: number
	statusText: string
	/** Lower-case names; repeated headers joined with ", ". */
	headers: Map<string, string>
	body: Body
}

/** Errors carry Node's codes, so errors.ts classifies them as it does fetch's. */
function netError(message: string, code: string, cause?: unknown) {
	return Object.assign(new Error(message, cause ? { cause } : undefined), { code })
}

/** A request that cannot be written as given (a header that would split it, a bad method). */
export class RequestInvalid extends Error {
	override name = 'RequestInvalid'
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const BAD_VALUE = /[\r\n\0]/
const MAX_HEAD = 64 * 1024
/** Idle connections are dropped before a typical server's keep-alive timeout (Node's is 5 s). */
const DEFAULT_IDLE_MS = 4_000

/** A response body as it arrives: iterate it, or read it whole. */
export class Body implements AsyncIterable<Uint8Array> {
	private chunks: Uint8Array[] = []
	private ended = false
	private failure: unknown
	private wake: (() => void) | undefined
	private received = 0
	/** When the body's last bytes arrived (performance.now() as the socket handed them over). */
	endedAt: number | undefined
	constructor(
		private readonly onCancel: () => void,
		private readonly limit = Number.POSITIVE_INFINITY,
	) {}

	push(chunk: Uint8Array) {
		if (this.ended) return
		this.received += chunk.length
		// Over the limit: nothing more is held, the connection is closed (docs/architecture.md §4).
		if (this.received > this.limit) return this.refuse()
		this.chunks.push(chunk)
		this.notify()
	}
	end(at = performance.now()) {
		this.ended = true
		this.endedAt = at
		this.notify()
	}
	fail(e: unknown) {
		if (this.ended) return
		this.failure = e
		this.ended = true
		this.notify()
	}
	/** Fails the body as too large and closes its connection. */
	refuse() {
		this.chunks = []
		this.fail(new ReplyTooLarge(this.limit))
		this.onCancel()
	}
	private notify() {
		const w = this.wake
		this.wake = undefined
		w?.()
	}
	private next() {
		return new Promise<void>((r) => (this.wake = r))
	}
	/** Stops reading: the connection is closed, not reused. */
	cancel() {
		if (!this.ended) this.onCancel()
		this.fail(netError('body cancelled', 'ABORT_ERR'))
		this.chunks = []
	}
	/** The whole body (one wait, not one per chunk). */
	async bytes(): Promise<Buffer> {
		while (!this.ended) await this.next()
		if (this.failure !== undefined) throw this.failure
		const all = this.chunks
		this.chunks = []
		if (all.length !== 1) return Buffer.concat(all)
		const c = all[0]!
		return Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength)
	}
	async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
		for (;;) {
			if (this.chunks.length) {
				yield this.chunks.shift()!
				continue
			}
			if (this.failure !== undefined) throw this.failure
			if (this.ended) return
			await this.next()
		}
	}
}

type Framing =
	| { kind: 'none' }
	| { kind: 'length'; left: number }
	| { kind: 'chunked'; state: 'size' | 'data' | 'crlf' | 'trailer'; left: number }
	| { kind: 'close' }

interface Exchange {
	method: string
	resolve(r: Http1Response): void
	reject(e: unknown): void
	body?: Body
	framing?: Framing
	keepAlive: boolean
	idleHintMs?: number
	signal: AbortSignal
	onAbort: () => void
	maxBodyBytes?: number
}

/** The request's bytes; refuses header names and values that would split the request. */
function serialise(req: Http1Request): string | Buffer {
	let head = `${req.method} ${req.target} HTTP/1.1\r\n`
	for (const k in req.headers) {
		const v = req.headers[k]!
		if (!TOKEN.test(k)) throw new RequestInvalid(`invalid header name "${k}"`)
		if (BAD_VALUE.test(v))
			throw new RequestInvalid(`invalid value for header "${k}" (line breaks or NUL)`)
		head += `${k}: ${v}\r\n`
	}
	const body = req.body
	if (body !== undefined || !BODYLESS.has(req.method))
		head += `content-length: ${body === undefined ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength}\r\n`
	head += '\r\n'
	// One write per request; a string body goes as it is (Bun encodes it natively).
	if (body === undefined || typeof body === 'string') return body ? head + body : head
	return Buffer.concat([Buffer.from(head), body])
}

const BODYLESS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS'])

/**
 * Socket events of this turn of the event loop, handled once every socket that became readable
 * in it has had its bytes stamped (issue 13, the recorded latency). Bun runs a socket's callback
 * and the promise reactions it starts before the next socket's: handled at once, the tenth of
 * ten replies that arrived together would be stamped after the nine others were parsed, recorded
 * and their next requests written. Stamped first, each reply's end time is when its bytes came.
 */
const deferred: (() => void)[] = []
function later(fn: () => void) {
	deferred.push(fn)
	if (deferred.length === 1) setImmediate(drainDeferred)
}
function drainDeferred() {
	// Events that arrive while these run (none: sockets call back from the loop) join the list.
	for (let i = 0; i < deferred.length; i++) {
		try {
			deferred[i]!()
		} catch {
			// Each handler settles its own exchange; a throw here must not drop the others.
		}
	}
	deferred.length = 0
}

class Connection {
	socket!: Socket<undefined>
	private buf: Buffer | undefined
	private exchange: Exchange | undefined
	private pendingWrite: Buffer | undefined
	/** When the bytes being parsed arrived: taken before any of them is processed. */
	private dataAt = 0
	/** Events of this socket waiting in `deferred`: the ones after them wait too, in order. */
	private queued = 0
	/** While idle in the pool: when it must not be used any more (performance.now()). */
	idleUntil = 0
	closed = false
	onIdle: (c: Connection) => void = () => {}
	onClose: (c: Connection) => void = () => {}

	static open(ep: Endpoint, opts: { ca?: string | string[] }, signal: AbortSignal) {
		const conn = new Connection()
		return new Promise<Connection>((resolve, reject) => {
			let settled = false
			const done = (e?: unknown) => {
				if (settled) return
				settled = true
				signal.removeEventListener('abort', onAbort)
				if (e) {
					conn.closed = true
					conn.socket?.terminate()
					reject(e)
				} else resolve(conn)
			}
			const onAbort = () => done(abortError(signal))
			signal.addEventListener('abort', onAbort, { once: true })
			Bun.connect({
				hostname: ep.address,
				port: ep.port,
				tls: ep.tls
					? {
							serverName: ep.serverName ?? ep.address,
							rejectUnauthorized: true,
							...(opts.ca ? { ca: opts.ca } : {}),
						}
					: undefined,
				socket: {
					open(s) {
						conn.socket = s
						if (!ep.tls) done()
					},
					// Nothing is written before the certificate is verified for the server name.
					handshake(s, ok, err) {
						conn.socket = s
						if (ok) done()
						else
							done(
								netError(
									`TLS: ${err?.message ?? 'handshake failed'}`,
									(err as { code?: string })?.code ?? 'ERR_TLS_HANDSHAKE',
									err,
								),
							)
					},
					data: (_s, data) => conn.arrived(data),
					drain: () => conn.flush(),
					end: () => conn.inOrder(() => conn.onEnd()),
					close: (_s, err) => {
						conn.inOrder(() => conn.onSocketClose(err))
						done(netError('socket connection was closed unexpectedly', 'ECONNRESET', err))
					},
					error: (_s, err) => conn.inOrder(() => conn.fail(err)),
					connectError: (_s, err) => done(err),
				},
			}).catch((e) => done(e))
		})
	}

	send(bytes: string | Buffer, req: Http1Request): Promise<Http1Response> {
		this.socket.ref()
		return new Promise<Http1Response>((resolve, reject) => {
			const onAbort = () => this.fail(abortError(req.signal))
			this.exchange = {
				method: req.method,
				resolve,
				reject,
				keepAlive: true,
				signal: req.signal,
				onAbort,
				maxBodyBytes: req.maxBodyBytes,
			}
			req.signal.addEventListener('abort', onAbort, { once: true })
			if (req.signal.aborted) return onAbort()
			this.write(bytes)
		})
	}

	private write(bytes: string | Buffer) {
		const n = this.socket.write(bytes)
		const size = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.length
		if (n < size) {
			const buf = typeof bytes === 'string' ? Buffer.from(bytes) : bytes
			this.pendingWrite = buf.subarray(Math.max(0, n))
		}
	}

	flush() {
		const rest = this.pendingWrite
		this.pendingWrite = undefined
		if (rest) this.write(rest)
	}

	/** Bytes off the socket: stamped now, parsed after this turn's other sockets are stamped. */
	arrived(data: Buffer) {
		const at = performance.now()
		this.queued++
		later(() => {
			this.queued--
			this.dataAt = at
			this.onData(data)
		})
	}

	/** An end, close or error after bytes still waiting to be parsed waits for them. */
	inOrder(fn: () => void) {
		if (!this.queued) return fn()
		this.queued++
		later(() => {
			this.queued--
			fn()
		})
	}

	onData(data: Buffer) {
		const ex = this.exchange
		if (!ex) {
			// Bytes nobody asked for: the connection cannot be trusted any more.
			this.destroy()
			return
		}
		this.buf = this.buf?.length ? Buffer.concat([this.buf, data]) : data
		try {
			this.parse(ex)
		} catch (e) {
			this.fail(e)
		}
	}

	private parse(ex: Exchange) {
		while (this.buf?.length && !this.closed) {
			if (!ex.framing) {
				const end = this.buf.indexOf('\r\n\r\n')
				if (end < 0) {
					if (this.buf.length > MAX_HEAD)
						throw netError('response header too large', 'HPE_HEADER_OVERFLOW')
					return
				}
				const head = this.buf.toString('latin1', 0, end)
				this.buf = this.buf.subarray(end + 4)
				if (this.head(ex, head)) continue // a 1xx: the real response follows
				if (ex.framing!.kind === 'none') return this.complete(ex)
				continue
			}
			const f = ex.framing
			const body = ex.body!
			if (f.kind === 'close') {
				body.push(this.buf)
				this.buf = undefined
				return
			}
			if (f.kind === 'length') {
				const take = Math.min(f.left, this.buf.length)
				body.push(this.buf.subarray(0, take))
				this.buf = this.buf.subarray(take)
				f.left -= take
				if (f.left === 0) return this.complete(ex)
				continue
			}
			if (f.kind === 'chunked' && !this.chunked(ex, f)) return
			if (f.kind === 'none') return
		}
	}

	/** Reads one chunked step; false when more bytes are needed. */
	private chunked(ex: Exchange, f: Extract<Framing, { kind: 'chunked' }>): boolean {
		const buf = this.buf!
		if (f.state === 'data') {
			const take = Math.min(f.left, buf.length)
			ex.body!.push(buf.subarray(0, take))
			this.buf = buf.subarray(take)
			f.left -= take
			if (f.left === 0) f.state = 'crlf'
			return true
		}
		const nl = buf.indexOf('\r\n')
		if (nl < 0) {
			if (buf.length > MAX_HEAD)
				throw netError('invalid chunked encoding', 'HPE_INVALID_CHUNK_SIZE')
			return false
		}
		const line = buf.toString('latin1', 0, nl)
		this.buf = buf.subarray(nl + 2)
		if (f.state === 'crlf') {
			if (line !== '') throw netError('invalid chunked encoding', 'HPE_INVALID_CHUNK_SIZE')
			f.state = 'size'
		} else if (f.state === 'size') {
			const size = /^([0-9a-fA-F]{1,12})[ \t]*(;.*)?$/.exec(line)
			if (!size) throw netError('invalid chunk size', 'HPE_INVALID_CHUNK_SIZE')
			f.left = parseInt(size[1]!, 16)
			f.state = f.left === 0 ? 'trailer' : 'data'
		} else if (line === '') {
			// The empty line after the (ignored) trailers ends the body.
			this.complete(ex)
			return false
		}
		return true
	}

	/** Parses a response head; true when it was an interim (1xx) response. */
	private head(ex: Exchange, head: string): boolean {
		// Scanned in place (no array of lines): this runs once per reply.
		const eol = head.indexOf('\r\n')
		const first = eol < 0 ? head : head.slice(0, eol)
		const m = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(first)
		if (!m) throw netError(`invalid HTTP response: ${first.slice(0, 80)}`, 'HPE_INVALID_CONSTANT')
		const status = Number(m[2])
		if (status >= 100 && status < 200) return true
		const headers = new Map<string, string>()
		for (let pos = eol < 0 ? head.length : eol + 2; pos < head.length;) {
			let end = head.indexOf('\r\n', pos)
			if (end < 0) end = head.length
			const colon = head.indexOf(':', pos)
			if (colon <= pos || colon > end)
				throw netError('invalid response header', 'HPE_INVALID_HEADER_TOKEN')
			const name = head.slice(pos, colon).trim().toLowerCase()
			const value = head.slice(colon + 1, end).trim()
			const prev = headers.get(name)
			headers.set(name, prev === undefined ? value : `${prev}, ${value}`)
			pos = end + 2
		}
		const connection = (headers.get('connection') ?? '').toLowerCase()
		ex.keepAlive = m[1] === '1' && !connection.includes('close')
		const hint = /timeout=(\d+)/i.exec(headers.get('keep-alive') ?? '')
		if (hint) ex.idleHintMs = Math.max(0, Number(hint[1]) * 1000 - 1000)
		const te = (headers.get('transfer-encoding') ?? '').toLowerCase()
		const length = headers.get('content-length')
		if (ex.method === 'HEAD' || status === 204 || status === 304) ex.framing = { kind: 'none' }
		else if (te.includes('chunked')) ex.framing = { kind: 'chunked', state: 'size', left: 0 }
		else if (length !== undefined) {
			if (!/^\d+$/.test(length))
				throw netError('invalid content-length', 'HPE_UNEXPECTED_CONTENT_LENGTH')
			ex.framing =
				Number(length) === 0 ? { kind: 'none' } : { kind: 'length', left: Number(length) }
		} else {
			ex.framing = { kind: 'close' }
			ex.keepAlive = false
		}
		ex.body = new Body(() => this.destroy(), ex.maxBodyBytes)
		ex.resolve({ status, statusText: m[3] ?? '', headers, body: ex.body })
		// A declared length over the limit is refused before a byte of it is read.
		if (ex.framing.kind === 'length' && ex.framing.left > (ex.maxBodyBytes ?? Infinity))
			ex.body.refuse()
		return false
	}

	private complete(ex: Exchange) {
		ex.signal.removeEventListener('abort', ex.onAbort)
		this.exchange = undefined
		ex.body?.end(this.dataAt)
		if (this.buf?.length || !ex.keepAlive) return this.destroy()
		this.buf = undefined
		this.idleUntil = performance.now() + (ex.idleHintMs ?? DEFAULT_IDLE_MS)
		// An idle connection does not keep the process alive (a CLI run exits when it is done).
		this.socket.unref()
		this.onIdle(this)
	}

	onEnd() {
		const ex = this.exchange
		if (ex?.framing?.kind === 'close') return this.complete(ex)
		this.fail(netError('socket connection was closed unexpectedly', 'ECONNRESET'))
	}

	onSocketClose(err?: Error) {
		const ex = this.exchange
		if (ex?.framing?.kind === 'close') this.complete(ex)
		else if (ex) this.fail(netError('socket connection was closed unexpectedly', 'ECONNRESET', err))
		this.markClosed()
	}

	/** Ends the current exchange with an error and closes the connection. */
	fail(e: unknown) {
		const ex = this.exchange
		this.exchange = undefined
		if (ex) {
			ex.signal.removeEventListener('abort', ex.onAbort)
			if (ex.body) ex.body.fail(e)
			else ex.reject(e)
		}
		this.destroy()
	}

	destroy() {
		if (this.closed) return
		this.socket?.terminate()
		this.markClosed()
	}

	private markClosed() {
		if (this.closed) return
		this.closed = true
		this.onClose(this)
	}
}

/** Keep-alive connections per endpoint, opened as needed: as many as there are requests in flight. */
export function createHttp1Pool(opts: { ca?: string | string[] } = {}) {
	const idle = new Map<string, Connection[]>()
	const open = new Set<Connection>()
	const keyOf = (ep: Endpoint) =>
		`${ep.tls ? 's' : ''}|${ep.address}|${ep.port}|${ep.serverName ?? ''}`
	// One sweep a second closes connections idle too long (no timer per request).
	let sweeper: ReturnType<typeof setInterval> | undefined
	const sweep = () => {
		const now = performance.now()
		for (const list of idle.values()) for (const c of [...list]) if (c.idleUntil <= now) c.destroy()
	}

	async function connection(ep: Endpoint, signal: AbortSignal): Promise<Connection> {
		const key = keyOf(ep)
		const list = idle.get(key)
		const now = performance.now()
		while (list?.length) {
			const c = list.pop()!
			if (!c.closed && c.idleUntil > now) return c
			c.destroy()
		}
		const c = await Connection.open(ep, opts, signal)
		open.add(c)
		c.onIdle = (conn) => {
			let l = idle.get(key)
			if (!l) idle.set(key, (l = []))
			l.push(conn)
			if (!sweeper) {
				sweeper = setInterval(sweep, 1000)
				sweeper.unref?.()
			}
		}
		c.onClose = (conn) => {
			open.delete(conn)
			const l = idle.get(key)
			const i = l?.indexOf(conn) ?? -1
			if (i >= 0) l!.splice(i, 1)
		}
		return c
	}

	return {
		async request(ep: Endpoint, req: Http1Request): Promise<Http1Response> {
			if (req.signal.aborted) throw abortError(req.signal)
			if (!TOKEN.test(req.method)) throw new RequestInvalid(`invalid method "${req.method}"`)
			const bytes = serialise(req)
			const c = await connection(ep, req.signal)
			return c.send(bytes, req)
		},
		close() {
			if (sweeper) clearInterval(sweeper)
			sweeper = undefined
			for (const c of [...open]) c.destroy()
			idle.clear()
		},
	}
}
