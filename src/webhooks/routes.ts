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
		.get('/', index, negotiated(index, { view: WebhookRows }))
		.post('/', create, { body: CreateWebhook, ...negotiated(create, { view: WebhookCreated }) })
		.get('/:id', show, { params: IdParams, ...negotiated(show, summary) })
		.patch('/:id', patch, { params: IdParams, body: UpdateWebhook, ...negotiated(patch, summary) })
		.put('/:id', replace, {
			params: IdParams,
			body: ReplaceWebhook,
			...negotiated(replace, summary),
		})
		.post('/:id', replace, {
			params: IdParams,
			body: ReplaceWebhook,
			...negotiated(replace, { ...summary, redirect: toPage }),
		})
		.delete('/:id', remove, { params: IdParams })
		.post('/:id/delete', remove, { params: IdParams, redirect: () => '/webhooks' })
		.post('/:id/test', test, {
			params: IdParams,
			...negotiated(test, {
				view: TestResultFragment,
				redirect: (r) => `/webhooks/${r.data.webhookId}`,
			}),
		})
		.get('/:id/deliveries', deliveries, {
			params: IdParams,
			...negotiated(deliveries, { view: DeliveryLogFragment }),
		})
}
