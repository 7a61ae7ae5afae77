import { Elysia, t } from 'elysia'
import { LoginPage } from '../../views/auth/login'
import { SIGN_OUT_SLOT, SignOut } from '../../views/ui/layout'
import type { Deps } from '../deps'
import {
	bearerOk,
	cookieOk,
	cookieValue,
	isPublicPath,
	safeNext,
	SESSION_COOKIE,
	tokenOk,
} from './token'

const unauthorized = () =>
	new Response(
		JSON.stringify({
			success: false,
			error: 'Unauthorized',
			message: 'Send Authorization: Bearer <KRAWALL_API_TOKEN>',
		}),
		{ status: 401, headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer' } },
	)

const htmlPage = (body: string, status = 200) =>
	new Response(body, { status, headers: { 'content-type': 'text/html; charset=utf-8' } })

/**
 * The guard and the login pages. Without KRAWALL_API_TOKEN everything is open (the server
 * binds to loopback by default and warns otherwise).
 */
export const authRoutes = (deps: Pick<Deps, 'config'>) => {
	const token = deps.config.apiToken
	const app = new Elysia({ name: 'krawall.auth' })
	if (!token) return app
	const signOut = String(<SignOut />)
	return (
		app
			// Pages get a sign-out control where the layout leaves its slot (views/ui/layout.tsx).
			.onAfterHandle({ as: 'global' }, ({ response }) => {
				if (typeof response === 'string' && response.includes(SIGN_OUT_SLOT))
					return response.replaceAll(SIGN_OUT_SLOT, signOut)
			})
			.onRequest(({ request }) => {
				const url = new URL(request.url)
				if (isPublicPath(url.pathname)) return
				const headers = request.headers
				if (bearerOk(headers.get('authorization'), token) || cookieOk(headers.get('cookie'), token))
					return
				if (url.pathname.startsWith('/api')) return unauthorized()
				const next = encodeURIComponent(url.pathname + url.search)
				return new Response(null, { status: 303, headers: { location: `/login?next=${next}` } })
			})
			.get('/login', ({ query }) => htmlPage(String(<LoginPage next={safeNext(query.next)} />)), {
				query: t.Object({ next: t.Optional(t.String()) }),
			})
			.post(
				'/login',
				({ body }) => {
					const next = safeNext(body.next)
					if (!tokenOk(body.token ?? '', token)) {
						return htmlPage(String(<LoginPage next={next} error="That token is not right." />), 401)
					}
					const cookie = `${SESSION_COOKIE}=${cookieValue(token)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=2592000`
					return new Response(null, {
						status: 303,
						headers: { location: next, 'set-cookie': cookie },
					})
				},
				{ body: t.Object({ token: t.Optional(t.String()), next: t.Optional(t.String()) }) },
			)
			.post(
				'/logout',
				() =>
					new Response(null, {
						status: 303,
						headers: {
							location: '/login',
							'set-cookie': `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`,
						},
					}),
			)
	)
}
