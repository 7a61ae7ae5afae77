import { Elysia } from 'elysia'
import { ErrorFragment } from '../../views/ui/error'
import { Layout } from '../../views/ui/layout'
import { AppError, Invalid, NotFound, type ErrorDetail } from './errors'
import { decodeForm } from './form'
import { isStorableText, unstorableText } from '../db/text'
import { toDetails } from './validation'

/**
 * The one place that decides between JSON and HTML (docs/architecture.md §2, docs/conventions.md rule 7):
 *
 * - a route declares `view: (result) => JSX` and its handler returns data (an envelope); the
 *   view takes that envelope (`negotiated` below checks it);
 *   `HX-Request: true` gets the view as an HTML fragment, everyone else the JSON envelope;
 * - a route may declare `redirect: (result) => url` for mutations posted from forms: htmx gets
 *   `HX-Location`, a plain browser (JavaScript off) a 303;
 * - every response here carries `Vary: HX-Request`.
 *
 * Form bodies (urlencoded or multipart) are decoded into the JSON shape before validation.
 */
type Html = JSX.Element | string | Promise<string>
/**
 * A route's `view` renders its handler's result; `redirect` names the page a form post goes to.
 * The macro cannot see the handler's type, so its options accept any of them (`never`): use
 * `negotiated` at the route, which checks view and redirect against the handler.
 */
type View<R = never> = (result: R) => Html
type Redirect<R = never> = (result: R) => string

/** What a handler answers with, less a `Response` it builds itself (the negotiator passes those). */
type ResultOf<H> = H extends (ctx: never) => infer R ? Exclude<Awaited<R>, Response> : never

/**
 * A route's `view` and `redirect`, typed by its handler, so tsc checks that the view takes the
 * envelope the handler returns: `{ params, ...negotiated(show, { view: TargetDetailsPanel }) }`.
 * (Elysia 1.4 types a macro option from the macro alone; it cannot relate it to the handler.)
 */
export const negotiated = <H extends (ctx: never) => unknown>(
	_handler: H,
	options: { view?: View<ResultOf<H>>; redirect?: Redirect<ResultOf<H>> },
) => options

const FORM = /^(application\/x-www-form-urlencoded|multipart\/form-data)/i

export const isHtmx = (request: Request) => request.headers.get('hx-request') === 'true'
export const isFormPost = (request: Request) => FORM.test(request.headers.get('content-type') ?? '')
/** A browser navigating (JavaScript off, or a plain link/form) asks for HTML first; API clients do not. */
const acceptsHtml = (request: Request) =>
	(request.headers.get('accept') ?? '').startsWith('text/html')
/** A form a browser submitted without htmx: it gets pages and 303s, an API client posting a form gets JSON. */
const isBrowserFormPost = (request: Request) => isFormPost(request) && acceptsHtml(request)
const wantsHtml = (request: Request) => isHtmx(request) || acceptsHtml(request)

export const htmlResponse = (body: string, status = 200, headers: Record<string, string> = {}) =>
	new Response(body, {
		status,
		headers: { 'content-type': 'text/html; charset=utf-8', vary: 'HX-Request', ...headers },
	})

/** The reference's 404 wording per resource ("Target not found"), from the request path. */
const RESOURCES: Record<string, string> = {
	targets: 'Target',
	scenarios: 'Scenario',
	sessions: 'Session',
	'scheduled-jobs': 'Scheduled job',
	schedules: 'Scheduled job',
	webhooks: 'Webhook',
	presets: 'Preset',
}
const notFoundFor = (path: string) => {
	// The innermost resource named in the path: /api/metrics/sessions/:id/series → Session.
	const segment = path
		.split('/')
		.filter((s) => RESOURCES[s])
		.pop()
	return segment ? `${RESOURCES[segment]} not found` : 'Not found'
}

export const negotiate = new Elysia({ name: 'krawall.negotiate' })
	.onParse({ as: 'global' }, async ({ request, contentType }) => {
		if (!FORM.test(contentType ?? '')) return
		const form = await request.formData()
		return decodeForm(form.entries())
	})
	// Postgres refuses NUL characters and lone surrogates; JSON and URLs allow them. One guard for
	// every route: bad text in a body or query is a 400, in a path id a 404 (no such row can exist).
	.onTransform({ as: 'global' }, ({ body, query, params, path }) => {
		const details = [...unstorableText(body), ...unstorableText(query)]
		if (details.length) throw new Invalid(details)
		if (params && Object.values(params).some((v) => typeof v === 'string' && !isStorableText(v))) {
			throw new NotFound(notFoundFor(path))
		}
	})
	.macro({
		// mapResponse runs after every afterHandle, so `redirect` below has set its headers.
		view: (render: View) => ({
			async mapResponse({ request, set, responseValue }) {
				set.headers['vary'] = 'HX-Request'
				if (responseValue instanceof Response) return
				const status = typeof set.status === 'number' ? set.status : 200
				const headers = set.headers as Record<string, string>
				// Checked at the route (`negotiated`): the view takes what this route's handler returns.
				const html = () => render(responseValue as never)
				if (isHtmx(request)) return htmlResponse(await html(), status, headers)
				// A browser form without JavaScript, on a route that does not redirect (a one-time
				// secret, a connection test result): the same fragment, inside the layout.
				if (isBrowserFormPost(request)) {
					// The view escaped its own user data; `safe…` tells xss-scan this is rendered HTML.
					const safeFragment = String(await html())
					const page = (
						<Layout title="Krawall" active="">
							{safeFragment}
						</Layout>
					)
					return htmlResponse(String(page), status, headers)
				}
			},
		}),
		redirect: (to: Redirect) => ({
			afterHandle({ request, set, responseValue }) {
				set.headers['vary'] = 'HX-Request'
				if (!isFormPost(request) || responseValue instanceof Response) return
				const url = to(responseValue as never)
				if (isHtmx(request)) {
					set.headers['hx-location'] = JSON.stringify({ path: url, target: 'body' })
					return
				}
				if (!isBrowserFormPost(request)) return
				return new Response(null, { status: 303, headers: { location: url, vary: 'HX-Request' } })
			},
		}),
	})
	.as('global')

/**
 * Elysia validates a coerced query number (`?limit=0`) after decoding it on its own, so the
 * error arrives without a path. Find the one query parameter that holds that value (when two
 * hold the same value the path stays empty rather than name the wrong one).
 */
function withQueryPaths(details: ErrorDetail[], request: Request): ErrorDetail[] {
	const params = [...new URL(request.url).searchParams.entries()]
	return details.map((d) => {
		if (d.path.length) return d
		const value = (d as ErrorDetail & { value?: unknown }).value
		const matches = params.filter(([, v]) => v === String(value) || Number(v) === value)
		return matches.length === 1 ? { ...d, path: [matches[0][0]] } : d
	})
}

type ErrorBody = { success: false; error: string; message?: string; details?: ErrorDetail[] }

/** Maps anything thrown to the reference's error envelope, or to an error fragment for htmx. */
export function errorResponse(
	code: string | number,
	error: unknown,
	request: Request,
	log: (msg: string, fields: Record<string, unknown>) => void,
): Response {
	let status = 500
	let body: ErrorBody
	// Elysia wraps what a parser throws (a 413, a too-deep body) in its ParseError.
	const cause = code === 'PARSE' ? (error as { cause?: unknown }).cause : undefined
	if (cause instanceof AppError) error = cause
	if (error instanceof AppError) {
		status = error.status
		body = { success: false, error: error.error }
		if (error.detailMessage) body.message = error.detailMessage
		if (error.details) body.details = error.details
	} else if (code === 'VALIDATION') {
		status = 400
		const all = (error as { all?: unknown[] }).all ?? []
		body = {
			success: false,
			error: 'Validation error',
			details: withQueryPaths(toDetails(all as never), request),
		}
	} else if (code === 'PARSE') {
		status = 400
		body = {
			success: false,
			error: 'Invalid request body',
			message: 'The body could not be parsed',
		}
	} else if (code === 'NOT_FOUND') {
		status = 404
		body = { success: false, error: 'Not found' }
	} else if (code === 'INVALID_COOKIE_SIGNATURE' || code === 'INVALID_FILE_TYPE') {
		status = 400
		body = { success: false, error: 'Bad request' }
	} else {
		const e = error instanceof Error ? error : new Error(String(error))
		log('unhandled error', { error: e, path: new URL(request.url).pathname })
		body = {
			success: false,
			error: 'Internal server error',
			message: 'An unexpected error occurred',
		}
	}
	if (wantsHtml(request)) {
		// htmx swaps 4xx fragments too (see the htmx config in the layout).
		return htmlResponse(String(<ErrorFragment status={status} error={body} />), status)
	}
	return new Response(JSON.stringify(body), {
		status,
		headers: { 'content-type': 'application/json', vary: 'HX-Request' },
	})
}

export { Invalid }
