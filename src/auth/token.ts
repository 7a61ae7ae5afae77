import { timingSafeEqual } from 'node:crypto'

/**
 * Optional API token (KRAWALL_API_TOKEN, docs/architecture.md §8). `/api` accepts `Authorization: Bearer
 * <token>`; the dashboard logs in once and carries a cookie with a server-side session id
 * (src/auth/sessions.ts), never the token.
 */
export const SESSION_COOKIE = 'krawall_session'

const equal = (a: string, b: string) => {
	const x = Buffer.from(a)
	const y = Buffer.from(b)
	return x.length === y.length && timingSafeEqual(x, y)
}

export function bearerOk(header: string | null, token: string): boolean {
	const m = /^Bearer\s+(.+)$/i.exec(header ?? '')
	return !!m && equal(m[1].trim(), token)
}

/** The session id the cookie header carries, if any. */
export function sessionCookie(cookieHeader: string | null): string | undefined {
	for (const part of (cookieHeader ?? '').split(';')) {
		const [k, ...v] = part.trim().split('=')
		if (k === SESSION_COOKIE) return v.join('=')
	}
	return undefined
}

export const tokenOk = (given: string, token: string) => equal(given, token)

/** Paths anyone may reach: health for load balancers, static assets, the login page itself. */
export const isPublicPath = (path: string) =>
	path === '/api/health' ||
	path.startsWith('/public/') ||
	path === '/favicon.svg' ||
	path === '/favicon.ico' ||
	path === '/login' ||
	path === '/logout'

/**
 * Only a same-site path is followed after login (no open redirect). Browsers strip tab, CR and
 * LF from URLs and read `\` as `/`, so `/\evil.example` and `/<tab>/evil.example` are
 * `//evil.example` to them: anything but a path of plain printable characters is refused.
 */
export function safeNext(next: unknown): string {
	if (typeof next !== 'string' || !next.startsWith('/')) return '/'
	if (/[\u0000-\u0020\u007f\\]/.test(next)) return '/'
	if (next.startsWith('//')) return '/'
	try {
		// Resolved against a placeholder origin, the path must stay on it.
		const u = new URL(next, 'http://krawall.invalid')
		return u.origin === 'http://krawall.invalid' ? u.pathname + u.search + u.hash : '/'
	} catch {
		return '/'
	}
}
