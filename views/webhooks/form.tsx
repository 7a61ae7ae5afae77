import type { Thresholds, WebhookEvent, WebhookView } from '../../src/webhooks/model'
import { BooleanInputs, Field, PostForm } from '../ui/form'
import { THRESHOLD_LABELS } from './thresholds'

const num = (v: number | undefined) => (v === undefined ? undefined : String(v))

/** The retry policy inputs, in order (labels are ours; values come from the webhook). */
const RETRY_FIELDS = [
	{ key: 'maxAttempts', label: 'Max attempts', min: '1', max: '20', placeholder: '5' },
	{
		key: 'initialDelayMs',
		label: 'First delay (ms)',
		min: '10',
		max: undefined,
		placeholder: '2000',
	},
	{ key: 'maxDelayMs', label: 'Max delay (ms)', min: '10', max: undefined, placeholder: '3600000' },
] as const

/** Create/edit form. Creation is answered in place with the secret (shown once); edits redirect. */
export function WebhookForm({
	hook,
	events,
}: {
	hook?: WebhookView
	/** The events a webhook can subscribe to (src/webhooks/model.ts). */
	events: readonly WebhookEvent[]
}) {
	const action = hook ? `/api/webhooks/${hook.id}` : '/api/webhooks'
	const thresholds: Thresholds = hook?.thresholds ?? {}
	return (
		<PostForm id="webhook-form" action={action}>
			<div class="grid gap-4 md:grid-cols-2">
				<Field label="Name">
					<input
						class="input"
						name="name"
						maxlength="100"
						value={hook?.name ?? ''}
						placeholder="Ops alerts"
					/>
				</Field>
				<Field label="URL">
					<input
						class="input font-mono"
						name="url"
						type="url"
						required
						value={hook?.url ?? ''}
						placeholder="https://example.com/hooks/krawall"
					/>
				</Field>
			</div>
			<fieldset>
				<legend class="label">Events</legend>
				<div class="flex flex-wrap gap-4 text-sm">
					{events.map((e) => (
						<label class="inline-flex items-center gap-2">
							<input
								type="checkbox"
								name="events[]"
								value={e}
								checked={hook ? hook.events.includes(e) : e !== 'metric.threshold'}
							/>
							<code>{e}</code>
						</label>
					))}
				</div>
			</fieldset>
			<fieldset>
				<legend class="label">
					Thresholds (metric.threshold fires when a finished session exceeds one)
				</legend>
				<div class="grid gap-3 md:grid-cols-5">
					{(Object.keys(THRESHOLD_LABELS) as (keyof Thresholds)[]).map((k) => (
						<label class="block text-xs text-slate-600">
							<span safe>{THRESHOLD_LABELS[k]}</span>
							<input
								class="input"
								type="number"
								step="any"
								min="0"
								name={`thresholds.${k}:number`}
								value={num(thresholds[k])}
							/>
						</label>
					))}
				</div>
			</fieldset>
			<fieldset>
				<legend class="label">Retries</legend>
				<div class="grid gap-3 md:grid-cols-3">
					{RETRY_FIELDS.map((f) => (
						<label class="block text-xs text-slate-600">
							{f.label}
							<input
								class="input"
								type="number"
								min={f.min}
								max={f.max}
								name={`retryPolicy.${f.key}:number`}
								value={num(hook?.retryPolicy[f.key])}
								placeholder={f.placeholder}
							/>
						</label>
					))}
				</div>
			</fieldset>
			<div class="grid gap-4 md:grid-cols-2">
				<Field label="Secret">
					<input
						class="input font-mono"
						name="secret"
						autocomplete="off"
						placeholder={
							hook ? `${hook.secret} (leave empty to keep)` : 'leave empty to generate one'
						}
					/>
				</Field>
				<label class="mt-6 inline-flex items-center gap-2 text-sm">
					<BooleanInputs name="isActive:boolean" checked={hook ? hook.isActive : true} />
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
		</PostForm>
	)
}
