import type { Pagination } from '../src/http/envelope'
import { THRESHOLD_LABELS, WEBHOOK_EVENTS, type Thresholds } from '../src/webhooks/model'
import type { DeliveryRow, WebhookView } from '../src/webhooks/service'
import { Layout, PageHeader } from './layout'

const when = (d: Date | string | null | undefined) =>
	d ? new Date(d).toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : '—'

const STATUS_CLASS: Record<string, string> = {
	DELIVERED: 'bg-emerald-100 text-emerald-800',
	PENDING: 'bg-amber-100 text-amber-800',
	FAILED: 'bg-red-100 text-red-800',
}

export function DeliveryBadge({ status }: { status: string }) {
	return (
		<span class={`badge ${STATUS_CLASS[status] ?? 'bg-slate-100 text-slate-700'}`} safe>
			{status}
		</span>
	)
}

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
			<table class="table">
				<thead>
					<tr>
						<th>Name</th>
						<th>URL</th>
						<th>Events</th>
						<th>Status</th>
						<th>Last delivery</th>
						<th>Created</th>
					</tr>
				</thead>
				<tbody class="divide-y divide-slate-100">
					{hooks.map((h) => (
						<tr>
							<td>
								<a class="font-medium text-indigo-700 hover:underline" href={`/webhooks/${h.id}`} safe>
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
										<span class="text-slate-500" safe>{`${h.lastDelivery.event}, ${when(h.lastDelivery.createdAt)}`}</span>
									</>
								) : (
									<span class="text-slate-400">none yet</span>
								)}
							</td>
							<td class="text-xs text-slate-500" safe>{when(h.createdAt)}</td>
						</tr>
					))}
				</tbody>
			</table>
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

const num = (v: number | undefined) => (v === undefined ? undefined : String(v))

/** Create/edit form. Creation is answered in place with the secret (shown once); edits redirect. */
export function WebhookForm({ hook }: { hook?: WebhookView }) {
	const action = hook ? `/api/webhooks/${hook.id}` : '/api/webhooks'
	const thresholds: Thresholds = hook?.thresholds ?? {}
	return (
		<form
			id="webhook-form"
			class="card space-y-4"
			method="post"
			action={action}
			hx-post={action}
			hx-target="#webhook-form-errors"
			hx-swap="innerHTML"
		>
			<div id="webhook-form-errors"></div>
			<div class="grid gap-4 md:grid-cols-2">
				<label class="block">
					<span class="label">Name</span>
					<input class="input" name="name" maxlength="100" value={hook?.name ?? ''} placeholder="Ops alerts" />
				</label>
				<label class="block">
					<span class="label">URL</span>
					<input class="input font-mono" name="url" type="url" required value={hook?.url ?? ''} placeholder="https://example.com/hooks/krawall" />
				</label>
			</div>
			<fieldset>
				<legend class="label">Events</legend>
				<div class="flex flex-wrap gap-4 text-sm">
					{WEBHOOK_EVENTS.map((e) => (
						<label class="inline-flex items-center gap-2">
							<input type="checkbox" name="events[]" value={e} checked={hook ? hook.events.includes(e) : e !== 'metric.threshold'} />
							<code>{e}</code>
						</label>
					))}
				</div>
			</fieldset>
			<fieldset>
				<legend class="label">Thresholds (metric.threshold fires when a finished session exceeds one)</legend>
				<div class="grid gap-3 md:grid-cols-5">
					{(Object.keys(THRESHOLD_LABELS) as (keyof Thresholds)[]).map((k) => (
						<label class="block text-xs text-slate-600">
							<span safe>{THRESHOLD_LABELS[k]}</span>
							<input class="input" type="number" step="any" min="0" name={`thresholds.${k}:number`} value={num(thresholds[k])} />
						</label>
					))}
				</div>
			</fieldset>
			<fieldset>
				<legend class="label">Retries</legend>
				<div class="grid gap-3 md:grid-cols-3">
					<label class="block text-xs text-slate-600">
						Max attempts
						<input class="input" type="number" min="1" max="20" name="retryPolicy.maxAttempts:number" value={num(hook?.retryPolicy.maxAttempts)} placeholder="5" />
					</label>
					<label class="block text-xs text-slate-600">
						First delay (ms)
						<input class="input" type="number" min="10" name="retryPolicy.initialDelayMs:number" value={num(hook?.retryPolicy.initialDelayMs)} placeholder="2000" />
					</label>
					<label class="block text-xs text-slate-600">
						Max delay (ms)
						<input class="input" type="number" min="10" name="retryPolicy.maxDelayMs:number" value={num(hook?.retryPolicy.maxDelayMs)} placeholder="3600000" />
					</label>
				</div>
			</fieldset>
			<div class="grid gap-4 md:grid-cols-2">
				<label class="block">
					<span class="label">Secret</span>
					<input
						class="input font-mono"
						name="secret"
						autocomplete="off"
						placeholder={hook ? `${hook.secret} (leave empty to keep)` : 'leave empty to generate one'}
					/>
				</label>
				<label class="mt-6 inline-flex items-center gap-2 text-sm">
					<input type="hidden" name="isActive:boolean" value="false" />
					<input type="checkbox" name="isActive:boolean" checked={hook ? hook.isActive : true} />
					Active
				</label>
			</div>
			<div class="flex gap-2">
				<button class="btn" type="submit">
					{hook ? 'Save webhook' : 'Create webhook'}
				</button>
				<a class="btn-secondary" href={hook ? `/webhooks/${hook.id}` : '/webhooks'}>
					Cancel
				</a>
			</div>
		</form>
	)
}

/** The answer to a create: the only place the plain secret is ever shown. */
export function WebhookCreated({ hook }: { hook: WebhookView }) {
	return (
		<div id="webhook-form" class="card space-y-3" hx-swap-oob="outerHTML">
			<p class="font-semibold text-emerald-700">Webhook created.</p>
			<p class="text-sm text-slate-700">Copy the signing secret now: it is stored encrypted and will not be shown again.</p>
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
				<dd safe>{`up to ${hook.retryPolicy.maxAttempts} attempts, first delay ${hook.retryPolicy.initialDelayMs} ms, at most ${hook.retryPolicy.maxDelayMs} ms`}</dd>
				<dt class="text-slate-500">Thresholds</dt>
				<dd>{set.length ? set.map(([k, v]) => `${THRESHOLD_LABELS[k]} > ${v}`).join('; ') : 'none'}</dd>
			</dl>
		</div>
	)
}

export function TestResult({ delivery }: { delivery: DeliveryRow }) {
	return (
		<div id="test-result" class="text-sm">
			<DeliveryBadge status={delivery.status} />{' '}
			<span safe>
				{delivery.status === 'DELIVERED'
					? `test event delivered (HTTP ${delivery.statusCode})`
					: `test event not delivered: ${delivery.error ?? 'unknown error'}${delivery.status === 'PENDING' ? ' — will retry' : ''}`}
			</span>
		</div>
	)
}

/** One page of the delivery log, newest first, with links to the neighbouring pages. */
export function DeliveryLog({ webhookId, rows, pagination }: { webhookId: string; rows: DeliveryRow[]; pagination: Pagination }) {
	const url = (offset: number) => `/api/webhooks/${webhookId}/deliveries?limit=${pagination.limit}&offset=${offset}`
	return (
		<div id="delivery-log" class="card overflow-x-auto p-0">
			{rows.length ? (
				<table class="table">
					<thead>
						<tr>
							<th>Created</th>
							<th>Event</th>
							<th>Status</th>
							<th>Attempts</th>
							<th>HTTP</th>
							<th>Error / next retry</th>
							<th>Delivery id</th>
						</tr>
					</thead>
					<tbody class="divide-y divide-slate-100">
						{rows.map((d) => (
							<tr>
								<td class="text-xs text-slate-500" safe>{when(d.createdAt)}</td>
								<td class="font-mono text-xs" safe>
									{d.event}
								</td>
								<td>
									<DeliveryBadge status={d.status} />
								</td>
								<td safe>{String(d.attempts)}</td>
								<td safe>{d.statusCode === null ? '—' : String(d.statusCode)}</td>
								<td class="max-w-md truncate text-xs" title={d.error ?? undefined}>
									<span safe>{d.error ?? ''}</span>
									{d.nextRetryAt ? <span class="text-amber-700" safe>{` next retry ${when(d.nextRetryAt)}`}</span> : ''}
								</td>
								<td class="font-mono text-xs text-slate-500" safe>
									{d.id}
								</td>
							</tr>
						))}
					</tbody>
				</table>
			) : (
				<p class="p-4 text-sm text-slate-600">No deliveries yet.</p>
			)}
			<div class="flex items-center justify-between border-t border-slate-100 px-3 py-2 text-xs text-slate-500">
				<span safe>{`${pagination.total} ${pagination.total === 1 ? 'delivery' : 'deliveries'}`}</span>
				<span class="flex gap-2">
					{pagination.offset > 0 ? (
						<a class="btn-secondary" href={url(Math.max(0, pagination.offset - pagination.limit))} hx-get={url(Math.max(0, pagination.offset - pagination.limit))} hx-target="#delivery-log" hx-swap="outerHTML">
							Newer
						</a>
					) : (
						''
					)}
					{pagination.hasMore ? (
						<a class="btn-secondary" href={url(pagination.offset + pagination.limit)} hx-get={url(pagination.offset + pagination.limit)} hx-target="#delivery-log" hx-swap="outerHTML">
							Older
						</a>
					) : (
						''
					)}
				</span>
			</div>
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
				<form method="post" action={`/api/webhooks/${hook.id}/delete`} hx-post={`/api/webhooks/${hook.id}/delete`} hx-confirm="Delete this webhook and its delivery log?">
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
