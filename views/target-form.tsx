import type { Preset } from '../src/presets/presets'
import { AUTH_FIELDS, AuthFields, authFieldsFor } from './target-auth'
import { BooleanInputs } from './components'

/**
 * The target form (create and edit) with the live template check. Field names follow src/http/form.ts,
 * so the form posts the same shape as the JSON API. Secrets are password inputs; on edit they
 * hold the masked values, which the API treats as "keep the stored secret".
 */

export type TargetFormValues = {
	name?: string
	description?: string | null
	connectorType: string
	endpoint: string
	authType: string
	authConfig: Record<string, unknown>
	requestTemplate: Record<string, unknown>
	responseTemplate: Record<string, unknown>
	protocolConfig: Record<string, unknown>
	pricing?: Record<string, unknown> | null
	presetId?: string | null
	isActive: boolean
}

const pretty = (v: unknown) => (v === undefined ? '' : JSON.stringify(v, null, 2))
const str = (v: unknown) =>
	typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v)

function Select(props: {
	name: string
	id: string
	value: string
	options: string[]
	attrs?: Record<string, string>
}) {
	return (
		<select name={props.name} id={props.id} class="input" {...(props.attrs ?? {})}>
			{props.options.map((o) => (
				<option value={o} selected={o === props.value} safe>
					{o === '' ? '—' : o}
				</option>
			))}
		</select>
	)
}

function Input(props: {
	name: string
	label: string
	value: unknown
	type?: string
	placeholder?: string
	required?: boolean
	step?: string
}) {
	const id = `f-${props.name.replace(/[^\w]/g, '-')}`
	return (
		<div>
			<label class="label" for={id} safe>
				{props.label}
			</label>
			<input
				id={id}
				class="input"
				name={props.name}
				type={props.type ?? 'text'}
				value={str(props.value)}
				placeholder={props.placeholder}
				required={props.required}
				step={props.step}
			/>
		</div>
	)
}

function JsonArea(props: {
	name: string
	label: string
	value: unknown
	rows?: number
	id?: string
}) {
	const id = props.id ?? `f-${props.name.replace(/[^\w]/g, '-')}`
	return (
		<div>
			<label class="label" for={id} safe>
				{props.label}
			</label>
			<textarea
				id={id}
				name={props.name}
				class="input font-mono text-xs"
				rows={String(props.rows ?? 6)}
				safe
			>
				{pretty(props.value)}
			</textarea>
		</div>
	)
}

const TEMPLATE_FIELDS =
	"#target-form [name^='requestTemplate'], #target-form [name^='responseTemplate'], [name='sampleResponse:json']"

export function TargetForm(props: {
	action: string
	submitLabel: string
	values: TargetFormValues
	preset?: Preset
	sampleResponse?: unknown
}) {
	const v = props.values
	const req = v.requestTemplate
	const res = v.responseTemplate
	const pricing = (v.pricing ?? {}) as Record<string, unknown>
	const hint = (props.preset?.pricing ?? {}) as Record<string, unknown>
	return (
		<div class="grid gap-6 lg:grid-cols-3">
			<form
				id="target-form"
				method="post"
				action={props.action}
				hx-post={props.action}
				hx-target="#form-result"
				hx-swap="innerHTML"
				class="space-y-6 lg:col-span-2"
			>
				{v.presetId ? <input type="hidden" name="presetId" value={v.presetId} /> : ''}
				<section class="card grid gap-4 md:grid-cols-2">
					<Input name="name" label="Name" value={v.name} required placeholder="My chatbot" />
					<div>
						<label class="label" for="f-connectorType">
							Connector
						</label>
						<Select
							name="connectorType"
							id="f-connectorType"
							value={v.connectorType}
							options={['HTTP_REST', 'SSE', 'WEBSOCKET', 'GRPC']}
						/>
					</div>
					<div class="md:col-span-2">
						<Input
							name="endpoint"
							label="Endpoint (URL, or host:port for gRPC)"
							value={v.endpoint}
							required
						/>
					</div>
					<div class="md:col-span-2">
						<label class="label" for="f-description">
							Description
						</label>
						<textarea id="f-description" name="description:string" class="input" rows="2" safe>
							{v.description ?? ''}
						</textarea>
					</div>
					<label class="flex items-center gap-2 text-sm">
						<BooleanInputs name="isActive:boolean" checked={v.isActive} /> Active
					</label>
				</section>

				<section class="card space-y-3">
					<h2 class="text-sm font-semibold">Authentication</h2>
					<div class="max-w-xs">
						<label class="label" for="f-authType">
							Auth type
						</label>
						<Select
							name="authType"
							id="f-authType"
							value={v.authType}
							options={Object.keys(AUTH_FIELDS)}
							attrs={{
								'hx-get': `/targets/auth-fields${v.presetId ? `?preset=${encodeURIComponent(v.presetId)}` : ''}`,
								'hx-trigger': 'change',
								'hx-target': '#auth-fields',
								'hx-swap': 'innerHTML',
								'hx-include': 'this',
							}}
						/>
					</div>
					<div id="auth-fields">
						<AuthFields
							authType={v.authType}
							fields={authFieldsFor(v.authType, props.preset)}
							values={v.authConfig}
						/>
					</div>
					<p class="text-xs text-slate-500">
						Credentials are encrypted at rest (AES-256-GCM) and only ever shown masked.
					</p>
				</section>

				<section class="card grid gap-4 md:grid-cols-2">
					<h2 class="text-sm font-semibold md:col-span-2">Request template</h2>
					<Input
						name="requestTemplate.messagePath"
						label="Message path"
						value={req.messagePath}
						required
						placeholder="messages.0.content"
					/>
					<Input
						name="requestTemplate.historyPath"
						label="History path (multi-turn context)"
						value={req.historyPath}
						placeholder="messages"
					/>
					<div>
						<label class="label" for="f-historyFormat">
							History format
						</label>
						<Select
							name="requestTemplate.historyFormat"
							id="f-historyFormat"
							value={str(req.historyFormat)}
							options={['', 'openai', 'gemini']}
						/>
					</div>
					<div class="md:col-span-2">
						<JsonArea
							name="requestTemplate.structure:json"
							label="Structure (JSON body)"
							value={req.structure ?? {}}
							rows={8}
						/>
					</div>
					<div class="md:col-span-2">
						<JsonArea
							name="requestTemplate.variables:json"
							label="Variables (JSON)"
							value={req.variables ?? {}}
							rows={2}
						/>
					</div>
				</section>

				<section class="card grid gap-4 md:grid-cols-2">
					<h2 class="text-sm font-semibold md:col-span-2">Response template</h2>
					<Input
						name="responseTemplate.responsePath"
						label="Response path"
						value={res.responsePath}
						required
						placeholder="choices.0.message.content"
					/>
					<Input
						name="responseTemplate.tokenUsagePath"
						label="Token usage path"
						value={res.tokenUsagePath}
						placeholder="usage"
					/>
					<Input
						name="responseTemplate.errorPath"
						label="Error path"
						value={res.errorPath}
						placeholder="error.message"
					/>
					<div>
						<label class="label" for="f-transform">
							Transform
						</label>
						<Select
							name="responseTemplate.transform"
							id="f-transform"
							value={str(res.transform ?? 'none')}
							options={['none', 'markdown', 'html']}
						/>
					</div>
				</section>

				<section class="card space-y-4">
					<h2 class="text-sm font-semibold">Protocol settings</h2>
					<JsonArea
						name="protocolConfig:json"
						label="Protocol config (JSON)"
						value={v.protocolConfig}
						rows={8}
					/>
					<h2 class="text-sm font-semibold">Pricing override (optional, USD per million tokens)</h2>
					<p class="text-xs text-slate-500">
						Leave empty to price by the model the target reports, from the built-in price table.
					</p>
					<div class="grid gap-3 md:grid-cols-4">
						<Input
							name="pricing.model"
							label="Model"
							value={pricing.model}
							placeholder={str(hint.model)}
						/>
						<Input
							name="pricing.inputPerMTok:number"
							label="Input"
							type="number"
							step="any"
							value={pricing.inputPerMTok}
							placeholder={str(hint.inputPerMTok)}
						/>
						<Input
							name="pricing.outputPerMTok:number"
							label="Output"
							type="number"
							step="any"
							value={pricing.outputPerMTok}
							placeholder={str(hint.outputPerMTok)}
						/>
						<Input
							name="pricing.cachedInputPerMTok:number"
							label="Cached input"
							type="number"
							step="any"
							value={pricing.cachedInputPerMTok}
							placeholder={str(hint.cachedInputPerMTok)}
						/>
					</div>
				</section>

				<div id="form-result"></div>
				<button class="btn" type="submit">
					{props.submitLabel as 'safe'}
				</button>
			</form>

			<aside class="space-y-4">
				<section class="card space-y-2">
					<h2 class="text-sm font-semibold">Template check</h2>
					<p class="text-xs text-slate-500">
						Checked live against the sample response below (the preset's example, or paste one of
						yours).
					</p>
					<div
						id="template-check"
						hx-post="/api/templates/validate"
						hx-trigger="load, input delay:600ms from:#target-form, input delay:600ms from:#f-sampleResponse"
						hx-include={TEMPLATE_FIELDS}
						hx-target="this"
						hx-swap="innerHTML"
					>
						<noscript>
							<p class="text-xs text-slate-500">Templates are checked when you save.</p>
						</noscript>
					</div>
					<JsonArea
						name="sampleResponse:json"
						id="f-sampleResponse"
						label="Sample response"
						value={props.sampleResponse}
						rows={14}
					/>
				</section>
				{props.preset ? (
					<section class="card">
						<h2 class="text-sm font-semibold" safe>
							{props.preset.name}
						</h2>
						<p class="mt-1 text-xs text-slate-600" safe>
							{props.preset.documentation}
						</p>
					</section>
				) : (
					''
				)}
			</aside>
		</div>
	)
}
