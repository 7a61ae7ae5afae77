import { Elysia, type Context } from 'elysia'
import { DeliveryLogFragment, TestResultFragment } from '../../views/webhooks/deliveries'
import { WebhookSummaryFragment } from '../../views/webhooks/detail'
import { WebhookCreated, WebhookRows } from '../../views/webhooks/list'
import type { Deps } from '../deps'
import { list, ok, page } from '../http/envelope'
import { negotiate, negotiated } from '../http/negotiate'
import { parse } from '../http/validation'
import { CreateWebhook, DeliveryQuery, IdParams, ReplaceWebhook, UpdateWebhook } from './model'
import {
	createWebhook,
	deleteWebhook,
	getWebhook,
	listDeliveries,
	listWebhooks,
	updateWebhook,
} from './service'
import { sendTestEvent } from './test-event'
import { documented } from '../openapi/doc'
import { DoneSchema, listOf, okOf, pageOf } from '../openapi/schemas'
import { DeliverySchema, WebhookListItemSchema, WebhookSchema } from './responses'

/** Parsed here rather than by Elysia, whose coerced query numbers report an empty error path. */
const parseDeliveryQuery = (q: Record<string, string | undefined>) => {
	const n = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v))
	return parse(DeliveryQuery, { ...q, limit: n(q.limit), offset: n(q.offset) }, false)
}

type Id = { params: { id: string } }
const toPage = (r: { data: { id: string } }) => `/webhooks/${r.data.id}`
const updated = 'Webhook updated successfully'
const summary = { view: WebhookSummaryFragment }

/**
 * The reference's webhook endpoints, plus form-friendly POST aliases used by the dashboard
 * (`POST /:id` saves the edit form with PUT semantics, `POST /:id/delete`).
 */
export const webhookRoutes = (deps: Deps) => {
	const index = async () => list(await listWebhooks(deps))
	const create = async ({ body, set }: { body: CreateWebhook; set: Context['set'] }) => {
		set.status = 201
		return ok(await createWebhook(deps, body), 'Webhook created successfully')
	}
	const show = async ({ params }: Id) => ok(await getWebhook(deps, params.id))
	const patch = async ({ params, body }: Id & { body: UpdateWebhook }) =>
		ok(await updateWebhook(deps, params.id, body), updated)
	const replace = async ({ params, body }: Id & { body: CreateWebhook }) =>
		ok(await updateWebhook(deps, params.id, body, 'replace'), updated)
	const remove = async ({ params }: Id) => {
		await deleteWebhook(deps, params.id)
		return { success: true as const, message: 'Webhook deleted successfully' }
	}
	const test = async ({ params }: Id) => {
		const delivery = await sendTestEvent(deps, params.id)
		const message =
			delivery.status === 'DELIVERED' ? 'Test event delivered' : 'Test event not delivered'
		return ok(delivery, message)
	}
	const deliveries = async ({
		params,
		query,
	}: Id & { query: Record<string, string | undefined> }) => {
		const r = await listDeliveries(deps, params.id, parseDeliveryQuery(query))
		return page(r.rows, r.total, r.limit, r.offset)
	}
	return new Elysia({ prefix: '/api/webhooks' })
		.use(negotiate)
		.get('/', index, {
			...documented({ summary: 'List webhooks', response: listOf(WebhookListItemSchema) }),
			...negotiated(index, { view: WebhookRows }),
		})
		.post('/', create, {
			body: CreateWebhook,
			...documented({
				summary: 'Create a webhook (the answer carries its signing secret, once)',
				status: 201,
				response: okOf(WebhookSchema),
			}),
			...negotiated(create, { view: WebhookCreated }),
		})
		.get('/:id', show, {
			params: IdParams,
			...documented({ summary: 'Get a webhook', response: okOf(WebhookSchema) }),
			...negotiated(show, summary),
		})
		.patch('/:id', patch, {
			params: IdParams,
			body: UpdateWebhook,
			...documented({ summary: 'Change some fields of a webhook', response: okOf(WebhookSchema) }),
			...negotiated(patch, summary),
		})
		.put('/:id', replace, {
			params: IdParams,
			body: ReplaceWebhook,
			...documented({ summary: 'Replace a webhook', response: okOf(WebhookSchema) }),
			...negotiated(replace, summary),
		})
		.post('/:id', replace, {
			params: IdParams,
			body: ReplaceWebhook,
			...documented({ summary: 'Replace a webhook (form post)', response: okOf(WebhookSchema) }),
			...negotiated(replace, { ...summary, redirect: toPage }),
		})
		.delete('/:id', remove, {
			params: IdParams,
			...documented({ summary: 'Delete a webhook', response: DoneSchema }),
		})
		.post('/:id/delete', remove, {
			params: IdParams,
			redirect: () => '/webhooks',
			...documented({ summary: 'Delete a webhook (form post)', response: DoneSchema }),
		})
		.post('/:id/test', test, {
			params: IdParams,
			...documented({
				summary: 'Send a webhook.test event (first attempt inline)',
				response: okOf(DeliverySchema),
			}),
			...negotiated(test, {
				view: TestResultFragment,
				redirect: (r) => `/webhooks/${r.data.webhookId}`,
			}),
		})
		.get('/:id/deliveries', deliveries, {
			params: IdParams,
			...documented({
				summary: "A webhook's deliveries, newest first",
				query: DeliveryQuery,
				response: pageOf(DeliverySchema),
			}),
			...negotiated(deliveries, { view: DeliveryLogFragment }),
		})
}
