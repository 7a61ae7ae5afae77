import type { Preset } from '../src/presets/presets'
import { Layout, PageHeader } from './layout'

/**
 * The target form (create and edit) and the preset picker. Field names follow src/http/form.ts,
 * so the form posts the same shape as the JSON API. Secrets are password inputs; on edit they
 * hold the masked values, which the API treats as "keep the stored secret".
 */

export type AuthFieldSpec = { key: string; label: string; type: 'text' | 'password' | 'url' | 'json'; placeholder?: string; required: boolean }

/** The fields of each auth type; a preset may relabel them (its `authFields`). */
export const AUTH_FIELDS: Record<string, AuthFieldSpec[]> = {
	NONE: [],
	BEARER_TOKEN: [{ key: 'token', label: 'Bearer token', type: 'password', required: true }],
	API_KEY: [
		{ key: 'apiKey', label: 'API key', type: 'password', required: true },
		{ key: 'headerName', label: 'Header name (default x-api-key)', type: 'text', placeholder: 'x-api-key', required: false },
		{ key: 'queryParam', label: 'Or query parameter', type: 'text', placeholder: 'key', required: false },
	],
	BASIC_AUTH: [
		{ key: 'username', label: 'Username', type: 'text', required: true },
		{ key: 'password', label: 'Password', type: 'password', required: true },
	],
	CUSTOM_HEADER: [
		{ key: 'headers', label: 'Headers (JSON object, values are secret)', type: 'json', placeholder: '{"X-Api-Key": "..."}', required: true },
	],
	OAUTH2: [
		{ key: 'tokenUrl', label: 'Token URL', type: 'url', placeholder: 'https://auth.example.com/oauth/token', required: true },
		{ key: 'clientId', label: 'Client ID', type: 'text', required: true },
		{ key: 'clientSecret', label: 'Client secret', type: 'password', required: true },
		{ key: 'scope', label: 'Scope', type: 'text', required: false },
		{ key: 'audience', label: 'Audience', type: 'text', required: false },
	],
}

export function authFieldsFor(authType: string, preset?: Pick<Preset, 'authType' | 'authFields'>): AuthFieldSpec[] {
	const base = AUTH_FIELDS[authType] ?? []
	if (!preset || preset.authType !== authType) return base
	return base.map((f) => {
		const p = preset.authFields.find((x) => x.key === f.key)
		return p ? { ...f, label: p.label, placeholder: p.placeholder ?? f.placeholder, required: p.required } : f
	})
}

export function AuthFields(props: { authType: string; fields: AuthFieldSpec[]; values: Record<string, unknown> }) {
	if (!props.fields.length) return <p class="text-sm text-slate-500">No credentials for this auth type.</p>
	return (
		<div class="grid gap-3 md:grid-cols-2">
			{props.fields.map((f) => {
				const v = props.values[f.key]
				const id = `auth-${f.key}`
				return (
					<div class={f.type === 'json' ? 'md:col-span-2' : ''}>
						<label class="label" for={id} safe>
							{f.label}
						</label>
						{f.type === 'json' ? (
							<textarea id={id} name={`authConfig.${f.key}:json`} class="input font-mono" rows="3" placeholder={f.placeholder} required={f.required} safe>
								{v === undefined ? '' : JSON.stringify(v, null, 2)}
							</textarea>
						) : (
							<input
								id={id}
								class="input"
								type={f.type}
								name={`authConfig.${f.key}`}
								value={typeof v === 'string' ? v : ''}
								placeholder={f.placeholder}
								required={f.required}
								autocomplete={f.type === 'password' ? 'new-password' : 'off'}
							/>
						)}
					</div>
				)
			})}
		</div>
	)
}

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
const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v))

function Select(props: { name: string; id: string; value: string; options: string[]; attrs?: Record<string, string> }) {
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

function Input(props: { name: string; label: string; value: unknown; type?: string; placeholder?: string; required?: boolean; step?: string }) {
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

function JsonArea(props: { name: string; label: string; value: unknown; rows?: number; id?: string }) {
	const id = props.id ?? `f-${props.name.replace(/[^\w]/g, '-')}`
	return (
		<div>
			<label class="label" for={id} safe>
				{props.label}
			</label>
			<textarea id={id} name={props.name} class="input font-mono text-xs" rows={String(props.rows ?? 6)} safe>
				{pretty(props.value)}
			</textarea>
		</div>
	)
}

const TEMPLATE_FIELDS = "#target-form [name^='requestTemplate'], #target-form [name^='responseTemplate'], [name='sampleResponse:json']"

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
						<Select name="connectorType" id="f-connectorType" value={v.connectorType} options={['HTTP_REST', 'SSE', 'WEBSOCKET', 'GRPC']} />
					</div>
					<div class="md:col-span-2">
						<Input name="endpoint" label="Endpoint (URL, or host:port for gRPC)" value={v.endpoint} required />
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
						<input type="hidden" name="isActive:boolean" value="false" />
						<input type="checkbox" name="isActive:boolean" checked={v.isActive} /> Active
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
						<AuthFields authType={v.authType} fields={authFieldsFor(v.authType, props.preset)} values={v.authConfig} />
					</div>
					<p class="text-xs text-slate-500">Credentials are encrypted at rest (AES-256-GCM) and only ever shown masked.</p>
				</section>

				<section class="card grid gap-4 md:grid-cols-2">
					<h2 class="text-sm font-semibold md:col-span-2">Request template</h2>
					<Input name="requestTemplate.messagePath" label="Message path" value={req.messagePath} required placeholder="messages.0.content" />
					<Input name="requestTemplate.historyPath" label="History path (multi-turn context)" value={req.historyPath} placeholder="messages" />
					<div>
						<label class="label" for="f-historyFormat">
							History format
						</label>
						<Select name="requestTemplate.historyFormat" id="f-historyFormat" value={str(req.historyFormat)} options={['', 'openai', 'gemini']} />
					</div>
					<div class="md:col-span-2">
						<JsonArea name="requestTemplate.structure:json" label="Structure (JSON body)" value={req.structure ?? {}} rows={8} />
					</div>
					<div class="md:col-span-2">
						<JsonArea name="requestTemplate.variables:json" label="Variables (JSON)" value={req.variables ?? {}} rows={2} />
					</div>
				</section>

				<section class="card grid gap-4 md:grid-cols-2">
					<h2 class="text-sm font-semibold md:col-span-2">Response template</h2>
					<Input name="responseTemplate.responsePath" label="Response path" value={res.responsePath} required placeholder="choices.0.message.content" />
					<Input name="responseTemplate.tokenUsagePath" label="Token usage path" value={res.tokenUsagePath} placeholder="usage" />
					<Input name="responseTemplate.errorPath" label="Error path" value={res.errorPath} placeholder="error.message" />
					<div>
						<label class="label" for="f-transform">
							Transform
						</label>
						<Select name="responseTemplate.transform" id="f-transform" value={str(res.transform ?? 'none')} options={['none', 'markdown', 'html']} />
					</div>
				</section>

				<section class="card space-y-4">
					<h2 class="text-sm font-semibold">Protocol settings</h2>
					<JsonArea name="protocolConfig:json" label="Protocol config (JSON)" value={v.protocolConfig} rows={8} />
					<h2 class="text-sm font-semibold">Pricing override (optional, USD per million tokens)</h2>
					<p class="text-xs text-slate-500">Leave empty to price by the model the target reports, from the built-in price table.</p>
					<div class="grid gap-3 md:grid-cols-4">
						<Input name="pricing.model" label="Model" value={pricing.model} placeholder={str(hint.model)} />
						<Input name="pricing.inputPerMTok:number" label="Input" type="number" step="any" value={pricing.inputPerMTok} placeholder={str(hint.inputPerMTok)} />
						<Input name="pricing.outputPerMTok:number" label="Output" type="number" step="any" value={pricing.outputPerMTok} placeholder={str(hint.outputPerMTok)} />
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
					<p class="text-xs text-slate-500">Checked live against the sample response below (the preset's example, or paste one of yours).</p>
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
					<JsonArea name="sampleResponse:json" id="f-sampleResponse" label="Sample response" value={props.sampleResponse ?? {}} rows={14} />
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

export function PresetCards({ presets }: { presets: Preset[] }) {
	return (
		<div class="grid gap-4 sm:grid-cols-2 lg:grid-cols-4" id="preset-cards">
			{presets.map((p) => (
				<a href={`/targets/new?preset=${encodeURIComponent(p.id)}`} class="card block hover:border-indigo-400 hover:shadow" data-preset={p.id}>
					<h2 class="font-semibold" safe>
						{p.name}
					</h2>
					<p class="mt-1 text-xs text-slate-600" safe>
						{p.description}
					</p>
					<p class="mt-2 flex gap-1 text-xs">
						<span class="badge bg-slate-100 text-slate-700">
							{p.connectorType}
						</span>
						<span class="badge bg-slate-100 text-slate-700">
							{p.authType}
						</span>
					</p>
				</a>
			))}
		</div>
	)
}

export function NewTargetPage(props: { presets: Preset[]; preset?: Preset; values?: TargetFormValues }) {
	return (
		<Layout title="New target" active="/targets">
			<PageHeader title={props.preset ? `New target: ${props.preset.name}` : 'New target'}>
				<a class="btn-secondary" href="/targets">
					Back to targets
				</a>
			</PageHeader>
			{props.preset && props.values ? (
				<>
					<p class="mb-4 text-sm text-slate-600">
						Pre-filled from the preset.{' '}
						<a class="text-indigo-700 underline" href="/targets/new">
							Choose another preset
						</a>
					</p>
					<TargetForm action="/api/targets" submitLabel="Create target" values={props.values} preset={props.preset} sampleResponse={props.preset.exampleResponse} />
				</>
			) : (
				<>
					<p class="mb-4 text-sm text-slate-600">Choose a provider preset; every field stays editable.</p>
					<PresetCards presets={props.presets} />
				</>
			)}
		</Layout>
	)
}

export function EditTargetPage(props: { id: string; values: TargetFormValues; preset?: Preset }) {
	return (
		<Layout title={`Edit ${props.values.name}`} active="/targets">
			<PageHeader title={`Edit ${props.values.name}`}>
				<a class="btn-secondary" href={`/targets/${props.id}`}>
					Cancel
				</a>
			</PageHeader>
			<TargetForm
				action={`/api/targets/${props.id}`}
				submitLabel="Save changes"
				values={props.values}
				preset={props.preset}
				sampleResponse={props.preset?.exampleResponse}
			/>
		</Layout>
	)
}
