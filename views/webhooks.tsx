import type { Pagination } from '../src/http/envelope'
import { DeliveryBadge, DeliveryLog, when } from './webhook-deliveries'
import { THRESHOLD_LABELS, type Thresholds } from '../src/webhooks/model'
import type { DeliveryRow, WebhookView } from '../src/webhooks/service'
import { DataTable } from './components'
import { Layout, PageHeader } from './layout'
import { WebhookForm } from './webhook-form'

function ActiveBadge({ hook }: { hook: WebhookView }) {
	if (hook.isActive) return <span class="badge bg-emerald-100 text-emerald-800">active</span>
	return (
		<span class="badge bg-slate-200 text-slate-700" title={hook.disabledReason ?? undefined}>
			{hook.disabledReason ? 'disabled by receiver' : 'disabled'}
		</span>
	)
}

/** The list of webhooks (GET /api/webhooks as a fragment). */
export function WebhookTable({ hooks }: { hooks: WebhookView[] }) {
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
							<a
								class="font-medium text-indigo-700 hover:underline"
								href={`/webhooks/${h.id}`}
								safe
							>
								{h.name || '(unnamed)'}
							</a>
						</td>
						<td class="max-w-xs truncate font-mono text-xs" safe>
							{h.url}
						</td>
						<td class="max-w-xs text-xs whitespace-normal" safe>
							{h.events.join(', ')}
						</td>
						<td>
							<ActiveBadge hook={h} />
						</td>
						<td class="text-xs">
							{h.lastDelivery ? (
								<>
									<DeliveryBadge status={h.lastDelivery.status} />{' '}
									<span
										class="text-slate-500"
										safe
									>{`${h.lastDelivery.event}, ${when(h.lastDelivery.createdAt)}`}</span>
								</>
							) : (
								<span class="text-slate-400">none yet</span>
							)}
						</td>
						<td class="text-xs text-slate-500" safe>
							{when(h.createdAt)}
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

/** The answer to a create: the only place the plain secret is ever shown. */
export function WebhookCreated({ hook }: { hook: WebhookView }) {
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

export function NewWebhookPage() {
	return (
		<Layout title="New webhook" active="/webhooks">
			<PageHeader title="New webhook" />
			<WebhookForm />
		</Layout>
	)
}

/** A webhook's summary card (the fragment for GET/PATCH/PUT /api/webhooks/:id). */
export function WebhookSummary({ hook }: { hook: WebhookView }) {
	const set = Object.entries(hook.thresholds) as [keyof Thresholds, number][]
	return (
		<div id="webhook-summary" class="card">
			<dl class="grid grid-cols-[max-content_1fr] gap-x-6 gap-y-1 text-sm">
				<dt class="text-slate-500">URL</dt>
				<dd class="font-mono text-xs break-all" safe>
					{hook.url}
				</dd>
				<dt class="text-slate-500">Events</dt>
				<dd safe>{hook.events.join(', ')}</dd>
				<dt class="text-slate-500">Status</dt>
				<dd>
					<ActiveBadge hook={hook} />{' '}
					{hook.disabledReason ? (
						<span class="text-xs text-slate-500" safe>
							{hook.disabledReason}
						</span>
					) : (
						''
					)}
				</dd>
				<dt class="text-slate-500">Secret</dt>
				<dd class="font-mono text-xs" safe>
					{hook.secret}
				</dd>
				<dt class="text-slate-500">Retries</dt>
				<dd
					safe
				>{`up to ${hook.retryPolicy.maxAttempts} attempts, first delay ${hook.retryPolicy.initialDelayMs} ms, at most ${hook.retryPolicy.maxDelayMs} ms`}</dd>
				<dt class="text-slate-500">Thresholds</dt>
				<dd>
					{set.length ? set.map(([k, v]) => `${THRESHOLD_LABELS[k]} > ${v}`).join('; ') : 'none'}
				</dd>
			</dl>
		</div>
	)
}

export function WebhookDetailPage(props: {
	hook: WebhookView
	deliveries: { rows: DeliveryRow[]; pagination: Pagination }
	editing?: boolean
}) {
	const { hook } = props
	return (
		<Layout title={hook.name || 'Webhook'} active="/webhooks">
			<PageHeader title={hook.name || '(unnamed webhook)'}>
				<form method="post" action={`/api/webhooks/${hook.id}/test`}>
					<button class="btn-secondary" type="submit">
						Send test event
					</button>
				</form>
				<a class="btn-secondary" href={`/webhooks/${hook.id}/edit`}>
					Edit
				</a>
				<form
					method="post"
					action={`/api/webhooks/${hook.id}/delete`}
					hx-post={`/api/webhooks/${hook.id}/delete`}
					hx-confirm="Delete this webhook and its delivery log?"
				>
					<button class="btn-danger" type="submit">
						Delete
					</button>
				</form>
			</PageHeader>
			<div class="space-y-6">
				{props.editing ? <WebhookForm hook={hook} /> : <WebhookSummary hook={hook} />}
				<section>
					<h2 class="mb-2 text-lg font-semibold">Delivery log</h2>
					<DeliveryLog webhookId={hook.id} {...props.deliveries} />
				</section>
			</div>
		</Layout>
	)
}
