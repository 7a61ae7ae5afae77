import { Elysia } from 'elysia'
import { DeliveryLog, TestResult } from '../../views/webhook-deliveries'
import { WebhookCreated, WebhookSummary, WebhookTable } from '../../views/webhooks'
import type { Deps } from '../deps'
import { list, ok, page } from '../http/envelope'
import { negotiate } from '../http/negotiate'
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
	return parse(DeliveryQuery, { ...q, limit: n(q.limit), offset: n(q.offset) })
}

const summary = (r: { data: Parameters<typeof WebhookSummary>[0]['hook'] }) =>
	WebhookSummary({ hook: r.data })
const toPage = (r: { data: { id: string } }) => `/webhooks/${r.data.id}`

/**
 * The reference's webhook endpoints, plus form-friendly POST aliases used by the dashboard
 * (`POST /:id` saves the edit form with PUT semantics, `POST /:id/delete`).
 */
export const webhookRoutes = (deps: Deps) =>
	new Elysia({ prefix: '/api/webhooks' })
		.use(negotiate)
		.get('/', async () => list(await listWebhooks(deps)), {
			view: (r: any) => WebhookTable({ hooks: r.data }),
		})
		.post(
			'/',
			async ({ body, set }) => {
				set.status = 201
				return ok(await createWebhook(deps, body), 'Webhook created successfully')
			},
			{ body: CreateWebhook, view: (r: any) => WebhookCreated({ hook: r.data }) },
		)
		.get('/:id', async ({ params }) => ok(await getWebhook(deps, params.id)), {
			params: IdParams,
			view: summary,
		})
		.patch(
			'/:id',
			async ({ params, body }) =>
				ok(await updateWebhook(deps, params.id, body), 'Webhook updated successfully'),
			{
				params: IdParams,
				body: UpdateWebhook,
				view: summary,
			},
		)
		.put(
			'/:id',
			async ({ params, body }) =>
				ok(await updateWebhook(deps, params.id, body, 'replace'), 'Webhook updated successfully'),
			{ params: IdParams, body: ReplaceWebhook, view: summary },
		)
		.post(
			'/:id',
			async ({ params, body }) =>
				ok(await updateWebhook(deps, params.id, body, 'replace'), 'Webhook updated successfully'),
			{ params: IdParams, body: ReplaceWebhook, view: summary, redirect: toPage },
		)
		.delete(
			'/:id',
			async ({ params }) => {
				await deleteWebhook(deps, params.id)
				return { success: true as const, message: 'Webhook deleted successfully' }
			},
			{ params: IdParams },
		)
		.post(
			'/:id/delete',
			async ({ params }) => {
				await deleteWebhook(deps, params.id)
				return { success: true as const, message: 'Webhook deleted successfully' }
			},
			{ params: IdParams, redirect: () => '/webhooks' },
		)
		.post(
			'/:id/test',
			async ({ params }) => {
				const delivery = await sendTestEvent(deps, params.id)
				const message =
					delivery.status === 'DELIVERED' ? 'Test event delivered' : 'Test event not delivered'
				return ok(delivery, message)
			},
			{
				params: IdParams,
				view: (r: any) => TestResult({ delivery: r.data }),
				redirect: (r: any) => `/webhooks/${r.data.webhookId}`,
			},
		)
		.get(
			'/:id/deliveries',
			async ({ params, query }) => {
				const r = await listDeliveries(deps, params.id, parseDeliveryQuery(query))
				return page(r.rows, r.total, r.limit, r.offset)
			},
			{
				params: IdParams,
				view: (r: any) =>
					DeliveryLog({
						webhookId: r.data[0]?.webhookId ?? '',
						rows: r.data,
						pagination: r.pagination,
					}),
			},
		)
