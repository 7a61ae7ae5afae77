import { Elysia } from 'elysia'
import {
	CancelResult,
	ExecuteAccepted,
	MessagesPage,
	SessionDetailFragment,
	SessionRows,
} from '../../views/sessions'
import type { Deps } from '../deps'
import { ok, page } from '../http/envelope'
import { negotiate } from '../http/negotiate'
import { ExecuteBody, IdParams, ListQuery, MessagesQuery, StreamQuery } from './model'
import {
	cancelSession,
	deleteSession,
	executeSession,
	getSession,
	listMessages,
	listSessions,
	restartSession,
} from './service'
import { htmlRenderer } from './sse-html'
import { jsonRenderer, openSessionStream } from './stream'

const SSE_HEADERS = {
	'content-type': 'text/event-stream; charset=utf-8',
	'cache-control': 'no-cache, no-transform',
	connection: 'keep-alive',
	'x-accel-buffering': 'no',
}

/** Last-Event-ID header (EventSource reconnects) or `?lastEventId=` (first connection of a page). */
const lastEventId = (request: Request, query: Record<string, unknown>) => {
	const raw = request.headers.get('last-event-id') ?? (query.lastEventId as string | undefined)
	const n = Number(raw)
	return raw !== undefined && raw !== null && Number.isFinite(n) && n >= 0 ? n : undefined
}

export const sessionRoutes = (deps: Deps) =>
	new Elysia({ prefix: '/api' })
		.use(negotiate)
		.post(
			'/execute',
			async ({ body, set }) => {
				set.status = 202
				return ok(await executeSession(deps, body as ExecuteBody))
			},
			{
				body: ExecuteBody,
				view: ExecuteAccepted,
				redirect: (r) => `/sessions/${r.data.sessionId}`,
			},
		)
		.get(
			'/sessions',
			async ({ query }) => {
				const r = await listSessions(deps, query)
				return page(r.items, r.total, r.limit, r.offset)
			},
			{ query: ListQuery, view: SessionRows },
		)
		.get('/sessions/:id', async ({ params }) => ok(await getSession(deps, params.id)), {
			params: IdParams,
			view: SessionDetailFragment,
		})
		.get(
			'/sessions/:id/messages',
			async ({ params, query }) => {
				const r = await listMessages(deps, params.id, query)
				return page(r.items, r.total, r.limit, r.offset)
			},
			{ params: IdParams, query: MessagesQuery, view: MessagesPage },
		)
		.get(
			'/sessions/:id/stream',
			async ({ params, query, request }) => {
				const renderer = query.format === 'html' ? htmlRenderer : jsonRenderer
				const stream = await openSessionStream(deps, params.id, {
					lastEventId: lastEventId(request, query as Record<string, unknown>),
					renderer,
					signal: request.signal,
				})
				return new Response(stream, { headers: SSE_HEADERS })
			},
			{ params: IdParams, query: StreamQuery },
		)
		.post(
			'/sessions/:id/cancel',
			async ({ params }) => {
				const r = await cancelSession(deps, params.id)
				return ok({ id: r.id, status: r.status }, r.message)
			},
			{ params: IdParams, view: CancelResult, redirect: (r) => `/sessions/${r.data.id}` },
		)
		.post(
			'/sessions/:id/restart',
			async ({ params, set }) => {
				set.status = 202
				return ok(await restartSession(deps, params.id))
			},
			{ params: IdParams, view: ExecuteAccepted, redirect: (r) => `/sessions/${r.data.sessionId}` },
		)
		.delete(
			'/sessions/:id',
			async ({ params }) => {
				await deleteSession(deps, params.id)
				return { success: true as const, message: 'Session deleted successfully' }
			},
			{ params: IdParams },
		)
		// Forms cannot send DELETE without JavaScript: the dashboard posts here instead.
		.post(
			'/sessions/:id/delete',
			async ({ params }) => {
				await deleteSession(deps, params.id)
				return { success: true as const, message: 'Session deleted successfully' }
			},
			{ params: IdParams, redirect: () => '/sessions' },
		)
