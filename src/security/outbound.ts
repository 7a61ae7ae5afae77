import { lookup as dnsLookup } from 'node:dns/promises'
import { formatIp, parseIp, type Ip } from './address'
import { canonicalName, compileDenyList, type DenyList } from './deny-list'

/**
 * Where outbound requests (targets, OAuth token URLs, webhooks) may go, decided at the socket
 * (issue 17): the host is resolved here, every address it resolves to is checked against the
 * deny list in every spelling (address.ts), and the connection is made to the checked address
 * — the transport never resolves the name again, so DNS rebinding cannot swap it.
 */

export type Lookup = (hostname: string) => Promise<{ address: string; family: number }[]>

/** A refused destination; its message says what was refused and why. */
export class OutboundRefused extends Error {
	override name = 'OutboundRefused'
}

export interface Pinned {
	/** The URL's host name as compared (lower case, no trailing dot, no brackets). */
	host: string
	/** The checked address to connect to (IPv4 first when there are both). */
	address: string
	family: 4 | 6
	/** Every address the name resolved to, all of them checked. */
	addresses: string[]
}

export interface OutboundGuard {
	/** Resolves `hostname` (a URL's hostname: any IP form, brackets, trailing dot), checks every address; cached for a short time. */
	pin(hostname: string): Promise<Pinned>
}

/** How long a resolution and its check are reused: one lookup per host per interval, not per request. */
export const PIN_TTL_MS = 30_000

const LOOPBACK: Ip[] = [
	{ family: 4, value: 0x7f000001 },
	{ family: 6, value: 1n },
]

/** `localhost` and `*.localhost` are loopback by definition (RFC 6761), whatever DNS says. */
const isLocalhost = (host: string) => host === 'localhost' || host.endsWith('.localhost')

function refusal(list: DenyList, host: string, ip: Ip, how: 'is' | 'resolves to') {
	const hit = list.deniedAddress(ip)
	if (!hit) return undefined
	const addr = formatIp(hit.reached)
	if (how === 'is' && formatIp(ip) === addr && host === addr)
		return `${addr} is on the outbound deny list (${hit.entry})`
	return `${host} ${how} ${addr}, which is on the outbound deny list (${hit.entry})`
}

/** The problem with a host known without DNS (a listed name, an address literal, localhost), or undefined. */
function literalProblem(list: DenyList, hostname: string): string | undefined {
	const host = canonicalName(hostname)
	if (!host) return 'host is missing'
	const named = list.deniedName(host)
	if (named) return `host ${host} is on the outbound deny list (${named})`
	const ip = parseIp(host)
	if (ip) return refusal(list, host, ip, 'is')
	if (isLocalhost(host))
		for (const lo of LOOPBACK) {
			const p = refusal(list, host, lo, 'resolves to')
			if (p) return p
		}
	return undefined
}

/**
 * The save-time check of a URL's text: scheme, host, a listed name, a literal address in any
 * form, `localhost`. Names are resolved only when sending (`createOutboundGuard`).
 */
export function outboundUrlProblem(
	url: string,
	denyList: string[],
	opts: { protocols?: string[] } = {},
): string | undefined {
	let u: URL
	try {
		u = new URL(url)
	} catch {
		return 'must be a valid URL'
	}
	const protocols = opts.protocols ?? ['http:', 'https:']
	if (!protocols.includes(u.protocol)) return `protocol must be one of ${protocols.join(', ')}`
	return literalProblem(compileDenyList(denyList), u.hostname)
}

const systemLookup: Lookup = (hostname) => dnsLookup(hostname, { all: true })

function notFound(host: string) {
	return Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' })
}

/**
 * A guard for one user of the network (a connector, a delivery): resolutions are shared by
 * concurrent callers and reused for `ttlMs`, so a run resolves each host about once.
 */
export function createOutboundGuard(opts: {
	denyList: string[]
	lookup?: Lookup
	ttlMs?: number
	now?: () => number
}): OutboundGuard {
	const list = compileDenyList(opts.denyList)
	const lookup = opts.lookup ?? systemLookup
	const ttl = opts.ttlMs ?? PIN_TTL_MS
	const now = opts.now ?? Date.now
	const cache = new Map<string, { until: number; pinned: Promise<Pinned> }>()

	async function resolve(host: string): Promise<Pinned> {
		const problem = literalProblem(list, host)
		if (problem) throw new OutboundRefused(problem)
		const literal = parseIp(host)
		const found = literal
			? [{ address: formatIp(literal), family: literal.family }]
			: await lookup(isLocalhost(host) ? 'localhost' : host).catch((e) => {
					throw Object.assign(new Error(`getaddrinfo ${e?.code ?? 'ENOTFOUND'} ${host}`), {
						code: e?.code ?? 'ENOTFOUND',
					})
				})
		const ips: Ip[] = []
		for (const f of found) {
			const ip = parseIp(f.address)
			if (!ip) continue
			const p = refusal(list, host, ip, 'resolves to')
			if (p) throw new OutboundRefused(p)
			ips.push(ip)
		}
		if (!ips.length) throw notFound(host)
		ips.sort((a, b) => a.family - b.family)
		return {
			host,
			address: formatIp(ips[0]!),
			family: ips[0]!.family,
			addresses: ips.map(formatIp),
		}
	}

	return {
		pin(hostname) {
			const host = canonicalName(hostname)
			const t = now()
			const hit = cache.get(host)
			if (hit && hit.until > t) return hit.pinned
			const pinned = resolve(host)
			cache.set(host, { until: t + ttl, pinned })
			// A failed lookup is not remembered: the next request asks again.
			pinned.catch((e) => {
				if (!(e instanceof OutboundRefused) && cache.get(host)?.pinned === pinned)
					cache.delete(host)
			})
			return pinned
		},
	}
}
