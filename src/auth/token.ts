import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * Optional API token (KRAWALL_API_TOKEN, docs/architecture.md §8). `/api` accepts `Authorization: Bearer
 * <token>`; the dashboard logs in once and carries a cookie derived from the token (an HMAC,
 * so the token itself never sits in a cookie and rotating the token logs everyone out).
 */
export const SESSION_COOKIE = 'krawall_session'

const equal = (a: string, b: string) => {
	const x = Buffer.from(a)
	const y = Buffer.from(b)
	return x.length === y.length && timingSafeEqual(x, y)
}

export const cookieValue = (token: string) =>
	createHmac('sha256', token).update('krawall dashboard v1').digest('hex')

export function bearerOk(header: string | null, token: string): boolean {
	const m = /^Bearer\s+(.+)$/i.exec(header ?? '')
	return !!m && equal(m[1].trim(), token)
}

export function cookieOk(cookieHeader: string | null, token: string): boolean {
	for (const part of (cookieHeader ?? '').split(';')) {
		const [k, ...v] = part.trim().split('=')
		if (k === SESSION_COOKIE) return equal(v.join('='), cookieValue(token))
	}
	return false
}

export const tokenOk = (given: string, token: string) => equal(given, token)

/** Paths anyone may reach: health for load balancers, static assets, the login page itself. */
export const isPublicPath = (path: string) =>
	path === '/api/health' ||
	path.startsWith('/public/') ||
	path === '/favicon.svg' ||
	path === '/login' ||
	path === '/logout'

/** Only same-site relative paths are followed after login (no open redirect). */
export const safeNext = (next: unknown) =>
	typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') ? next : '/'
