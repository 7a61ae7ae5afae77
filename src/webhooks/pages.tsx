import { Elysia } from 'elysia'
import { WebhookDetailPage } from '../../views/webhooks/detail'
import { NewWebhookPage, WebhooksPage } from '../../views/webhooks/list'
import type { Deps } from '../deps'
import { pagination } from '../http/envelope'
import { WEBHOOK_EVENTS } from './model'
import { getWebhook, listDeliveries, listWebhooks } from './service'

async function detail(deps: Deps, id: string, editing: boolean) {
	const hook = await getWebhook(deps, id)
	const d = await listDeliveries(deps, id, { limit: 25 })
	return (
		<WebhookDetailPage
			hook={hook}
			events={WEBHOOK_EVENTS}
			editing={editing}
			deliveries={{ rows: d.rows, pagination: pagination(d.total, d.limit, d.offset) }}
		/>
	)
}

/** Dashboard pages for webhooks; they compose the same services and views as the API fragments. */
export const webhookPages = (deps: Deps) =>
	new Elysia()
		.get('/webhooks', async () => <WebhooksPage hooks={await listWebhooks(deps)} />)
		.get('/webhooks/new', () => <NewWebhookPage events={WEBHOOK_EVENTS} />)
		.get('/webhooks/:id', ({ params }) => detail(deps, params.id, false))
		.get('/webhooks/:id/edit', ({ params }) => detail(deps, params.id, true))
