import { Readable } from 'node:stream'
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib'
import { parseIp } from '../security/address'
import { OutboundRefused, type OutboundGuard, type Pinned } from '../security/outbound'
import { ReplyTooLarge } from './errors'
import { createHttp1Pool, type Http1Response } from './http1'

/**
 * Outbound HTTP for targets, OAuth token URLs and webhooks, over http1.ts (Bun's sockets):
 * - to the address the guard checked (the host name goes in `Host` and in the TLS server name,
 *   so certificates are verified against the name, not the address);
 * - redirects followed by hand: each hop is checked again, at most `MAX_REDIRECTS`, and a hop
 *   to another origin carries no credentials (only content-negotiation headers, no credential
 *   query keys, and never a credential body);
 * - without Bun's 256-request cap on `fetch` (bench/README.md, "transport"), so a run with
 *   thousands of conversations in flight needs no BUN_CONFIG_MAX_HTTP_REQUESTS.
 * Proxy variables (HTTP_PROXY, …) are not used: a proxy would resolve names itself, after the check.
 */

export const MAX_REDIRECTS = 5

/** A redirect that is not followed (too many, another scheme, a credential body elsewhere). */
export class RedirectRefused extends Error {
	override name = 'RedirectRefused'
}

export interface OutboundRequest {
	method: string
	/** Any case (sent in lower case); `host` is always the URL's. */
	headers: Record<string, string>
	body?: string | Uint8Array
	signal: AbortSignal
	/** `follow` (re-checked hops, `MAX_REDIRECTS`) or `none` (a 3xx is the answer, as for webhooks). */
	redirect: 'follow' | 'none'
	/** Query parameters that carry credentials: dropped from a redirect to another origin. */
	credentialQuery?: string[]
	/** The body itself is a credential (the OAuth client secret): no redirect may carry it to another origin. */
	credentialBody?: boolean
}

export interface OutboundResponse {
	status: number
	statusText: string
	/** The URL that answered, after any redirects. */
	url: URL
	redirects: number
	ok: boolean
	header(name: string): string | undefined
	/** Every header, lower-case names (rate-limit headers are recorded per attempt, docs/architecture.md §5). */
	headers: ReadonlyMap<string, string>
	text(): Promise<string>
	/**
	 * performance.now() when the body's last bytes came off the socket, once it has ended: the end
	 * of a response time, free of the work the event loop did after they arrived (issue 13).
	 */
	receivedAt(): number | undefined
	/** The body as it arrives (decoded when the server compressed it), for streamed replies. */
	chunks(): AsyncIterable<Uint8Array>
	/** Drops the rest of the body and the connection's share in it. */
	discard(): void
}

export interface Transport {
	request(url: URL, req: OutboundRequest): Promise<OutboundResponse>
	close(): void
}

/** What a hop to another origin still carries: content negotiation, never credentials. */
const CROSS_ORIGIN_HEADERS = new Set([
	'accept',
	'accept-language',
	'content-language',
	'content-type',
	'user-agent',
])

const REDIRECTS = new Set([301, 302, 303, 307, 308])

type Decoder = () => NodeJS.ReadWriteStream

const DECODERS: Record<string, Decoder> = {
	gzip: createGunzip,
	'x-gzip': createGunzip,
	deflate: createInflate,
	br: createBrotliDecompress,
}

/** The body as sent, or decoded when a server compressed it without being asked. */
function decoded(res: Http1Response, limit: number): AsyncIterable<Uint8Array> {
	const decoder = DECODERS[(res.headers.get('content-encoding') ?? '').toLowerCase()]
	if (!decoder) return res.body
	const stream = Readable.from(res.body).pipe(decoder()) as unknown as AsyncIterable<Uint8Array>
	return bounded(stream, limit, () => res.body.cancel())
}

/** A decoded body is held to the limit too: a small compressed reply may inflate past it. */
async function* bounded(body: AsyncIterable<Uint8Array>, limit: number, cancel: () => void) {
	let n = 0
	for await (const chunk of body) {
		n += chunk.length
		if (n > limit) {
			cancel()
			throw new ReplyTooLarge(limit)
		}
		yield chunk
	}
}

function wrap(res: Http1Response, url: URL, redirects: number, limit: number): OutboundResponse {
	const body = decoded(res, limit)
	return {
		status: res.status,
		statusText: res.statusText,
		url,
		redirects,
		ok: res.status >= 200 && res.status < 300,
		header: (name) => res.headers.get(name.toLowerCase()),
		headers: res.headers,
		async text() {
			if (body === res.body) return (await res.body.bytes()).toString('utf8')
			const parts: Buffer[] = []
			for await (const chunk of body) parts.push(Buffer.from(chunk))
			return Buffer.concat(parts).toString('utf8')
		},
		receivedAt: () => res.body.endedAt,
		chunks: () => body,
		discard: () => res.body.cancel(),
	}
}

export function createTransport(opts: {
	guard: OutboundGuard
	/** Extra trusted certificates (tests with a local TLS server). */
	ca?: string | string[]
	/** The largest reply body held (config.maxReplyBytes); past it a read fails with ReplyTooLarge. */
	maxReplyBytes?: number
}): Transport {
	const limit = opts.maxReplyBytes ?? Number.POSITIVE_INFINITY
	const pool = createHttp1Pool({ ca: opts.ca })

	async function pin(url: URL, hops: number): Promise<Pinned> {
		try {
			return await opts.guard.pin(url.hostname)
		} catch (e) {
			if (e instanceof OutboundRefused && hops > 0)
				throw new OutboundRefused(`redirect ${hops} to ${url.origin}: ${e.message}`)
			throw e
		}
	}

	function hop(url: URL, pinned: Pinned, req: OutboundRequest) {
		const tls = url.protocol === 'https:'
		return pool.request(
			{
				address: pinned.address,
				port: url.port ? Number(url.port) : tls ? 443 : 80,
				tls,
				// The certificate is verified against the name the user gave, not the pinned address.
				serverName: tls && !parseIp(pinned.host) ? pinned.host : undefined,
			},
			{
				method: req.method,
				target: url.pathname + url.search,
				headers: { 'user-agent': 'Krawall', accept: '*/*', ...req.headers, host: url.host },
				body: req.body,
				signal: req.signal,
				maxBodyBytes: limit,
			},
		)
	}

	return {
		async request(first, req) {
			let url = first
			let current = { ...req, headers: lowerCase(req.headers) }
			for (let hops = 0; ; hops++) {
				const res = await hop(url, await pin(url, hops), current)
				const location = res.headers.get('location')
				if (req.redirect === 'none' || !REDIRECTS.has(res.status) || !location)
					return wrap(res, url, hops, limit)
				// Not read: the connection goes back to the pool once the (small) body has arrived.
				if (hops >= MAX_REDIRECTS)
					throw new RedirectRefused(`too many redirects (more than ${MAX_REDIRECTS})`)
				let next: URL
				try {
					next = new URL(location, url)
				} catch {
					throw new RedirectRefused(`redirect ${hops + 1} to an invalid URL`)
				}
				if (next.protocol !== 'http:' && next.protocol !== 'https:')
					throw new RedirectRefused(`redirect ${hops + 1} to a ${next.protocol} URL`)
				current = nextRequest(current, res.status, url, next, req, hops + 1)
				url = next
			}
		},
		close: () => pool.close(),
	}
}

/** Header names compared and sent in lower case, so defaults and `host` are never doubled. */
function lowerCase(headers: Record<string, string>): Record<string, string> {
	const out: Record<string, string> = {}
	for (const k in headers) out[k.toLowerCase()] = headers[k]!
	return out
}

/** The request for the next hop (RFC 9110 §15.4, as fetch does it), minus credentials across origins. */
function nextRequest(
	prev: OutboundRequest,
	status: number,
	from: URL,
	to: URL,
	original: OutboundRequest,
	hop: number,
): OutboundRequest {
	const toGet =
		status === 303
			? prev.method !== 'HEAD'
			: (status === 301 || status === 302) && prev.method === 'POST'
	const method = toGet ? 'GET' : prev.method
	const body = toGet ? undefined : prev.body
	let headers = { ...prev.headers }
	if (toGet) {
		delete headers['content-type']
		delete headers['content-length']
	}
	if (from.origin !== to.origin) {
		if (body !== undefined && original.credentialBody)
			throw new RedirectRefused(
				`redirect ${hop} to another origin (${to.origin}) would carry the credentials in the body`,
			)
		headers = Object.fromEntries(
			Object.entries(headers).filter(([k]) => CROSS_ORIGIN_HEADERS.has(k)),
		)
		for (const key of original.credentialQuery ?? []) to.searchParams.delete(key)
	}
	return { ...prev, method, body, headers }
}
