import type { Envelope, Listed } from '../../src/http/model'
import type { WebhookEvent, WebhookView } from '../../src/webhooks/model'
import { formatDate } from '../ui/format'
import { Layout, PageHeader } from '../ui/layout'
import { DataTable, NameLink } from '../ui/table'
import { DeliveryBadge } from './deliveries'
import { WebhookForm } from './form'

/** The webhooks list, the new-webhook page, and the one-time secret after a create. */

/** Active, disabled, or disabled by the receiver (410 Gone). */
export function HookStatus({ hook }: { hook: WebhookView }) {
	if (hook.isActive) return <span class="badge bg-emerald-100 text-emerald-800">active</span>
	return (
		<span class="badge bg-slate-200 text-slate-700" title={hook.disabledReason ?? undefined}>
			{hook.disabledReason ? 'disabled by receiver' : 'disabled'}
		</span>
	)
}

/** The list of webhooks (GET /api/webhooks as a fragment). */
function WebhookTable({ hooks }: { hooks: WebhookView[] }) {
	if (!hooks.length) {
		return (
			<div id="webhook-table" class="card text-sm text-slate-600">
				No webhooks yet. Add one to be told when sessions finish or cross a threshold.
			</div>
		)
	}
	return (
		<div id="webhook-table" class="card overflow-x-auto p-0">
			<DataTable columns={['Name', 'URL', 'Events', 'Status', 'Last delivery', 'Created']}>
				{hooks.map((h) => (
					<tr>
						<td>
							<NameLink href={`/webhooks/${h.id}`} name={h.name || '(unnamed)'} />
						</td>
						<td class="max-w-xs truncate font-mono text-xs" safe>
							{h.url}
						</td>
						<td class="max-w-xs text-xs whitespace-normal" safe>
							{h.events.join(', ')}
						</td>
						<td>
							<HookStatus hook={h} />
						</td>
						<td class="text-xs">
							{h.lastDelivery ? (
								<>
									<DeliveryBadge status={h.lastDelivery.status} />{' '}
									<span
										class="text-slate-500"
										safe
									>{`${h.lastDelivery.event}, ${formatDate(h.lastDelivery.createdAt)}`}</span>
								</>
							) : (
								<span class="text-slate-400">none yet</span>
							)}
						</td>
						<td class="text-xs text-slate-500" safe>
							{formatDate(h.createdAt)}
						</td>
					</tr>
				))}
			</DataTable>
		</div>
	)
}

export function WebhooksPage({ hooks }: { hooks: WebhookView[] }) {
	return (
		<Layout title="Webhooks" active="/webhooks">
			<PageHeader title="Webhooks">
				<a class="btn" href="/webhooks/new">
					New webhook
				</a>
			</PageHeader>
			<WebhookTable hooks={hooks} />
		</Layout>
	)
}

/** GET /api/webhooks for htmx. */
export const WebhookRows = (r: Listed<WebhookView>) => <WebhookTable hooks={r.data} />

/** The answer to a create (in place of the form): the only place the plain secret is ever shown. */
export function WebhookCreated({ data: hook }: Envelope<WebhookView>) {
	return (
		<div id="webhook-form" class="card space-y-3" hx-swap-oob="outerHTML">
			<p class="font-semibold text-emerald-700">Webhook created.</p>
			<p class="text-sm text-slate-700">
				Copy the signing secret now: it is stored encrypted and will not be shown again.
			</p>
			<code class="block rounded bg-slate-100 p-2 font-mono text-sm break-all" data-secret safe>
				{hook.secret}
			</code>
			<a class="btn" href={`/webhooks/${hook.id}`}>
				Open the webhook
			</a>
		</div>
	)
}

export function NewWebhookPage({ events }: { events: readonly WebhookEvent[] }) {
	return (
		<Layout title="New webhook" active="/webhooks">
			<PageHeader title="New webhook" />
			<WebhookForm events={events} />
		</Layout>
	)
}
