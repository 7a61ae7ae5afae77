import type { Envelope, Pagination } from '../../src/http/model'
import type { DeliveryRow, Thresholds, WebhookEvent, WebhookView } from '../../src/webhooks/model'
import { Layout, PageHeader } from '../ui/layout'
import { DeliveryLog } from './deliveries'
import { WebhookForm } from './form'
import { HookStatus } from './list'
import { THRESHOLD_LABELS } from './thresholds'

/** A webhook's page: its summary (or the edit form) and its delivery log. */

/** A webhook's summary card (the fragment for GET/PATCH/PUT /api/webhooks/:id). */
function WebhookSummary({ hook }: { hook: WebhookView }) {
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
					<HookStatus hook={hook} />{' '}
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

/** What the webhook routes answer htmx: the summary card. */
export const WebhookSummaryFragment = (r: Envelope<WebhookView>) => <WebhookSummary hook={r.data} />

export function WebhookDetailPage(props: {
	hook: WebhookView
	deliveries: { rows: DeliveryRow[]; pagination: Pagination }
	/** The events a webhook can subscribe to (the edit form's checkboxes). */
	events: readonly WebhookEvent[]
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
				{props.editing ? (
					<WebhookForm hook={hook} events={props.events} />
				) : (
					<WebhookSummary hook={hook} />
				)}
				<section>
					<h2 class="mb-2 text-lg font-semibold">Delivery log</h2>
					<DeliveryLog webhookId={hook.id} {...props.deliveries} />
				</section>
			</div>
		</Layout>
	)
}
