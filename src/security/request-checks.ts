import { Elysia } from 'elysia'
import { embeddedIPv4, parseIp } from './address'

/**
 * Checks on who is asking, before routing (docs/architecture.md §8), with or without a token:
 *
 * - **Host.** A request whose `Host` is not a loopback name or address, the address the server
 *   is bound to, or an entry of `KRAWALL_ALLOWED_HOSTS` is refused (403): a DNS-rebinding page
 *   (`evil.example` re-pointed at 127.0.0.1) reaches the socket but names its own host.
 *   `KRAWALL_ALLOWED_HOSTS=*` turns the check off. `/api/health` is exempt (load balancers probe
 *   by address).
 * - **Cross-site state changes.** A `POST`/`PUT`/`PATCH`/`DELETE` a browser sends from another
 *   site is refused (403): `Sec-Fetch-Site` other than `same-origin` or `none`, else an `Origin`
 *   whose host is not the request's `Host` (or an allowed host). Requests with neither header are
 *   not from a browser page (curl, SDKs) and pass. Every browser the dashboard supports sends
 *   one of them on every POST, so the dashboard's forms need no CSRF token; this is the check Go's
 *   `net/http.CrossOriginProtection` makes.
 */
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

const forbidden = (message: string) =>
	new Response(JSON.stringify({ success: false, error: 'Forbidden', message }), {
		status: 403,
		headers: { 'content-type': 'application/json' },
	})

/** `example.com:3000` → `example.com`; `[::1]:3000` → `::1`; lower case, no trailing dot. */
export function hostName(host: string): string {
	const h = host.trim().toLowerCase()
	const name = h.startsWith('[') ? h.slice(1, h.indexOf(']')) : h.replace(/:\d*$/, '')
	return name.replace(/\.$/, '')
}

/** 127.0.0.0/8 or ::1 in any spelling (an IPv4-mapped form too); never 0.0.0.0. */
function isLoopbackAddress(name: string): boolean {
	const ip = parseIp(name)
	if (!ip) return false
	const v4 = ip.family === 4 ? ip.value : embeddedIPv4(ip.value)
	if (v4 !== undefined) return v4 >>> 24 === 127
	return ip.value === 1n
}

const WILDCARD_BIND = new Set(['0.0.0.0', '::', ''])

/** Is `host` (a Host header's name) one this server answers to? */
export function hostAllowed(host: string, bound: string, allowed: string[]): boolean {
	if (allowed.includes('*')) return true
	const name = hostName(host)
	if (!name) return false
	if (name === 'localhost' || name.endsWith('.localhost') || isLoopbackAddress(name)) return true
	if (!WILDCARD_BIND.has(bound) && name === hostName(bound)) return true
	return allowed.some((a) => hostName(a) === name)
}

export function crossSite(request: Request, allowed: string[]): string | undefined {
	if (!UNSAFE_METHODS.has(request.method)) return undefined
	const site = request.headers.get('sec-fetch-site')
	if (site && site !== 'same-origin' && site !== 'none')
		return `Cross-site request refused (Sec-Fetch-Site: ${site})`
	const origin = request.headers.get('origin')
	if (origin === null) return undefined
	let originHost: string
	try {
		originHost = new URL(origin).host
	} catch {
		return `Cross-site request refused (Origin: ${origin.slice(0, 100)})`
	}
	const host = request.headers.get('host') ?? new URL(request.url).host
	if (hostName(originHost) === hostName(host) && originHost === host) return undefined
	if (allowed.some((a) => a !== '*' && hostName(a) === hostName(originHost))) return undefined
	return `Cross-site request refused (Origin: ${origin.slice(0, 100)})`
}

export const requestChecks = (config: { host: string; allowedHosts: string[] }) =>
	new Elysia({ name: 'krawall.request-checks' }).onRequest(({ request }) => {
		const url = new URL(request.url)
		if (url.pathname === '/api/health') return
		const host = request.headers.get('host') ?? url.host
		if (!hostAllowed(host, config.host, config.allowedHosts))
			return forbidden(
				`Host "${hostName(host).slice(0, 100)}" is not allowed; add it to KRAWALL_ALLOWED_HOSTS`,
			)
		const problem = crossSite(request, config.allowedHosts)
		if (problem) return forbidden(problem)
	})
