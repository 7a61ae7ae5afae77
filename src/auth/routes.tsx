import { Elysia, t } from 'elysia'
import { LoginPage } from '../../views/auth/login'
import { SIGN_OUT_SLOT, SignOut } from '../../views/ui/layout'
import type { Deps } from '../deps'
import { endSession, loginLimiter, sessionValid, SESSION_TTL_MS, startSession } from './sessions'
import { bearerOk, isPublicPath, safeNext, SESSION_COOKIE, sessionCookie, tokenOk } from './token'

const unauthorized = () =>
	new Response(
		JSON.stringify({
			success: false,
			error: 'Unauthorized',
			message: 'Send Authorization: Bearer <KRAWALL_API_TOKEN>',
		}),
		{ status: 401, headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer' } },
	)

const htmlPage = (body: string, status = 200, headers: Record<string, string> = {}) =>
	new Response(body, {
		status,
		headers: { 'content-type': 'text/html; charset=utf-8', ...headers },
	})

/** `Secure` when the request came over HTTPS (directly or through a proxy saying so), or when configured. */
const secure = (request: Request, forced: boolean) =>
	forced ||
	new URL(request.url).protocol === 'https:' ||
	request.headers.get('x-forwarded-proto') === 'https'

const cookie = (value: string, maxAge: number, isSecure: boolean) =>
	`${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${isSecure ? '; Secure' : ''}`

type Server = { requestIP?(r: Request): { address: string } | null } | null

/**
 * The guard and the login pages. Without KRAWALL_API_TOKEN everything is open (the server
 * binds to loopback by default and warns otherwise; src/security/request-checks.ts still
 * refuses foreign hosts and cross-site posts).
 */
export const authRoutes = (deps: Pick<Deps, 'config' | 'db' | 'clock'>) => {
	const token = deps.config.apiToken
	const app = new Elysia({ name: 'krawall.auth' })
	if (!token) return app
	const limiter = loginLimiter(deps.clock)
	const clientOf = (request: Request, server: Server) =>
		server?.requestIP?.(request)?.address ?? 'local'
	const signOut = String(<SignOut />)
	return (
		app
			// Pages get a sign-out control where the layout leaves its slot (views/ui/layout.tsx).
			.onAfterHandle({ as: 'global' }, ({ response }) => {
				if (typeof response === 'string' && response.includes(SIGN_OUT_SLOT))
					return response.replaceAll(SIGN_OUT_SLOT, signOut)
			})
			.onRequest(async ({ request }) => {
				const url = new URL(request.url)
				if (isPublicPath(url.pathname)) return
				const headers = request.headers
				if (bearerOk(headers.get('authorization'), token)) return
				const id = sessionCookie(headers.get('cookie'))
				if (id && (await sessionValid(deps, id))) return
				if (url.pathname.startsWith('/api')) return unauthorized()
				const next = encodeURIComponent(url.pathname + url.search)
				return new Response(null, { status: 303, headers: { location: `/login?next=${next}` } })
			})
			.get('/login', ({ query }) => htmlPage(String(<LoginPage next={safeNext(query.next)} />)), {
				query: t.Object({ next: t.Optional(t.String()) }),
			})
			.post(
				'/login',
				async ({ body, request, server }) => {
					const next = safeNext(body.next)
					const client = clientOf(request, server as Server)
					const wait = limiter.retryAfter(client)
					if (wait) {
						const error = `Too many failed sign-ins; try again in ${wait} s.`
						return htmlPage(String(<LoginPage next={next} error={error} />), 429, {
							'retry-after': String(wait),
						})
					}
					if (!tokenOk(body.token ?? '', token)) {
						limiter.fail(client)
						return htmlPage(String(<LoginPage next={next} error="That token is not right." />), 401)
					}
					const id = await startSession(deps)
					const maxAge = SESSION_TTL_MS / 1000
					return new Response(null, {
						status: 303,
						headers: {
							location: next,
							'set-cookie': cookie(id, maxAge, secure(request, deps.config.secureCookie)),
						},
					})
				},
				{ body: t.Object({ token: t.Optional(t.String()), next: t.Optional(t.String()) }) },
			)
			.post('/logout', async ({ request }) => {
				const id = sessionCookie(request.headers.get('cookie'))
				if (id) await endSession(deps, id)
				return new Response(null, {
					status: 303,
					headers: {
						location: '/login',
						'set-cookie': cookie('', 0, secure(request, deps.config.secureCookie)),
					},
				})
			})
	)
}
