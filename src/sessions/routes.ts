import { Elysia, t, type Context } from 'elysia'
import { CancelResult, SessionDetailFragment } from '../../views/sessions/detail'
import { ExecuteAccepted } from '../../views/sessions/execute-form'
import { ExecuteEstimate } from '../../views/sessions/execute-estimate'
import { SessionRows } from '../../views/sessions/list'
import type { Deps } from '../deps'
import { ok, page } from '../http/envelope'
import { isFormPost, negotiate, negotiated } from '../http/negotiate'
import { documented } from '../openapi/doc'
import { DoneSchema, okOf, pageOf } from '../openapi/schemas'
import { ExecuteBody, IdParams, ListQuery, MessagesQuery, StreamQuery } from './model'
import {
	cancelSession,
	deleteSession,
	executeSession,
	getSession,
	listMessages,
	listSessions,
	restartSession,
	sessionLogStream,
} from './service'
import {
	ExecuteAcceptedSchema,
	ExecutionEstimateSchema,
	SessionDetailSchema,
	SessionListItemSchema,
	SessionMessageSchema,
	SessionTimeseriesSchema,
} from './responses'
import { estimateExecution } from './estimate'
import { getSessionTimeseries } from '../metrics/timeseries'
import { htmlRenderer, messagesFragment } from './sse-html'
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

type Id = { params: { id: string } }
type Status = { set: Context['set'] }
const toSession = (r: { data: { sessionId: string } }) => `/sessions/${r.data.sessionId}`

/**
 * The Execute form's "Fixed count" sends no load type; with a workers count it is the closed
 * model without a duration (repetitions × concurrency, split into shards). Form posts only: a
 * JSON body names its type.
 */
function fixedCountWithWorkers({ body, request }: { body: unknown; request: Request }) {
	const load = (body as { executionConfig?: { load?: Record<string, unknown> } } | null)
		?.executionConfig?.load
	if (isFormPost(request) && load && load.type === undefined && load.workers !== undefined)
		load.type = 'closed'
}

export const sessionRoutes = (deps: Deps) => {
	const execute = async ({ body, set }: { body: ExecuteBody } & Status) => {
		set.status = 202
		return ok(await executeSession(deps, body))
	}
	const estimate = async ({ body }: { body: ExecuteBody }) =>
		ok(await estimateExecution(deps, body))
	const list = async ({ query }: { query: ListQuery }) => {
		const r = await listSessions(deps, query)
		return page(r.items, r.total, r.limit, r.offset)
	}
	const show = async ({ params }: Id) => ok(await getSession(deps, params.id))
	const messages = async ({ params, query }: Id & { query: MessagesQuery }) => {
		const r = await listMessages(deps, params.id, query)
		return page(r.items, r.total, r.limit, r.offset)
	}
	const timeseries = async ({ params }: Id) => ok(await getSessionTimeseries(deps, params.id))
	const cancel = async ({ params }: Id) => {
		const r = await cancelSession(deps, params.id)
		return ok({ id: r.id, status: r.status }, r.message)
	}
	const restart = async ({ params, set }: Id & Status) => {
		set.status = 202
		return ok(await restartSession(deps, params.id))
	}
	return (
		new Elysia({ prefix: '/api' })
			.use(negotiate)
			.post('/execute', execute, {
				body: ExecuteBody,
				transform: fixedCountWithWorkers,
				...documented({
					summary: 'Queue a session (fire and forget)',
					errors: [404],
					status: 202,
					response: okOf(ExecuteAcceptedSchema),
				}),
				...negotiated(execute, { view: ExecuteAccepted, redirect: toSession }),
			})
			.post('/execute/estimate', estimate, {
				body: ExecuteBody,
				transform: fixedCountWithWorkers,
				...documented({
					summary: 'Estimate an execution: conversations, requests and cost (nothing runs)',
					response: okOf(ExecutionEstimateSchema),
				}),
				...negotiated(estimate, { view: ExecuteEstimate }),
			})
			.get('/sessions', list, {
				query: ListQuery,
				...documented({ summary: 'List sessions', response: pageOf(SessionListItemSchema) }),
				...negotiated(list, { view: SessionRows }),
			})
			.get('/sessions/:id', show, {
				params: IdParams,
				...documented({ summary: 'Get a session', response: okOf(SessionDetailSchema) }),
				...negotiated(show, { view: SessionDetailFragment }),
			})
			.get('/sessions/:id/messages', messages, {
				params: IdParams,
				query: MessagesQuery,
				...documented({
					summary: "A session's recorded messages, in order",
					response: pageOf(SessionMessageSchema),
				}),
				...negotiated(messages, { view: messagesFragment }),
			})
			.get('/sessions/:id/timeseries', timeseries, {
				params: IdParams,
				...documented({
					summary:
						"The session's per-second time series; percentiles from sketches (relativeError)",
					response: okOf(SessionTimeseriesSchema),
				}),
			})
			.get(
				'/sessions/:id/log',
				async ({ params }) =>
					new Response(await sessionLogStream(deps, params.id), {
						headers: { 'content-type': 'application/x-ndjson; charset=utf-8' },
					}),
				{
					params: IdParams,
					...documented({
						summary: "The session's JSONL log (logPath), from the recorded rows, in every mode",
						contentType: 'application/x-ndjson',
						response: t.String({ description: 'one JSON line per message, in seq order' }),
					}),
				},
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
				{
					params: IdParams,
					query: StreamQuery,
					...documented({
						summary: 'Live log (Server-Sent Events): replay, then new messages',
						contentType: 'text/event-stream',
						response: t.String({ description: 'data: {"type":"message",…} frames' }),
					}),
				},
			)
			.post('/sessions/:id/cancel', cancel, {
				params: IdParams,
				...documented({
					summary: 'Cancel a queued or running session (400 once it has ended)',
					response: okOf(t.Object({ id: t.String(), status: t.String() })),
				}),
				...negotiated(cancel, { view: CancelResult, redirect: (r) => `/sessions/${r.data.id}` }),
			})
			.post('/sessions/:id/restart', restart, {
				params: IdParams,
				...documented({
					summary: 'Run the same snapshot again as a new session',
					status: 202,
					response: okOf(ExecuteAcceptedSchema),
				}),
				...negotiated(restart, { view: ExecuteAccepted, redirect: toSession }),
			})
			.delete(
				'/sessions/:id',
				async ({ params }) => {
					await deleteSession(deps, params.id)
					return { success: true as const, message: 'Session deleted successfully' }
				},
				{
					params: IdParams,
					...documented({ summary: 'Delete a session', response: DoneSchema }),
				},
			)
			// Forms cannot send DELETE without JavaScript: the dashboard posts here instead.
			.post(
				'/sessions/:id/delete',
				async ({ params }) => {
					await deleteSession(deps, params.id)
					return { success: true as const, message: 'Session deleted successfully' }
				},
				{
					params: IdParams,
					redirect: () => '/sessions',
					...documented({ summary: 'Delete a session (form post)', response: DoneSchema }),
				},
			)
	)
}
