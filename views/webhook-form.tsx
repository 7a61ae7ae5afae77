import { BooleanInputs, Field, PostForm } from './components'
import { THRESHOLD_LABELS, WEBHOOK_EVENTS, type Thresholds } from '../src/webhooks/model'
import type { WebhookView } from '../src/webhooks/service'

const num = (v: number | undefined) => (v === undefined ? undefined : String(v))

/** Create/edit form. Creation is answered in place with the secret (shown once); edits redirect. */
export function WebhookForm({ hook }: { hook?: WebhookView }) {
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
					{WEBHOOK_EVENTS.map((e) => (
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
					<label class="block text-xs text-slate-600">
						Max attempts
						<input
							class="input"
							type="number"
							min="1"
							max="20"
							name="retryPolicy.maxAttempts:number"
							value={num(hook?.retryPolicy.maxAttempts)}
							placeholder="5"
						/>
					</label>
					<label class="block text-xs text-slate-600">
						First delay (ms)
						<input
							class="input"
							type="number"
							min="10"
							name="retryPolicy.initialDelayMs:number"
							value={num(hook?.retryPolicy.initialDelayMs)}
							placeholder="2000"
						/>
					</label>
					<label class="block text-xs text-slate-600">
						Max delay (ms)
						<input
							class="input"
							type="number"
							min="10"
							name="retryPolicy.maxDelayMs:number"
							value={num(hook?.retryPolicy.maxDelayMs)}
							placeholder="3600000"
						/>
					</label>
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
