import type { Preset } from '../../src/presets/model'
import type { UrlPreview } from '../../src/targets/model'
import type { TargetFormValues } from '../../src/targets/present'
import { BooleanInputs } from '../ui/form'
import { AUTH_FIELDS, AuthFields, authFieldsFor } from './auth-fields'
import { CONNECTOR_TYPES } from './connector-types'
import { Input, JsonArea, Select, str } from './inputs'
import { RequestTemplateFields, ResponseTemplateFields } from './template-fields'
import { UrlPreviewView } from './url-preview'

/**
 * The target form (create and edit) with the live template check. Field names follow src/http/form.ts,
 * so the form posts the same shape as the JSON API. Secrets are password inputs; on edit they
 * hold the masked values, which the API treats as "keep the stored secret".
 */

/** The price override's inputs (USD per million tokens; the model only names it). */
const PRICING_FIELDS = [
	{ field: 'model', label: 'Model', number: false },
	{ field: 'inputPerMTok', label: 'Input', number: true },
	{ field: 'outputPerMTok', label: 'Output', number: true },
	{ field: 'cachedInputPerMTok', label: 'Cached input', number: true },
	{ field: 'cacheWriteInputPerMTok', label: 'Cache write', number: true },
] as const

/** HTTP targets whose protocol config knows how to stream (the provider presets' `streaming`). */
const streamable = (v: TargetFormValues) =>
	v.connectorType === 'HTTP_REST' &&
	typeof v.protocolConfig?.streaming === 'object' &&
	v.protocolConfig.streaming !== null

/** Keeps `"stream"` in the protocol config JSON in step with the checkbox (left alone if the JSON is invalid). */
const STREAM_SYNC =
	"const a=document.querySelector('[name=\"protocolConfig:json\"]');try{const c=JSON.parse(a.value||'{}');c.stream=this.checked;a.value=JSON.stringify(c,null,2)}catch(e){}"

const TEMPLATE_FIELDS =
	"#target-form [name^='requestTemplate'], #target-form [name^='responseTemplate'], [name='sampleResponse:json']"

/** The fields the URL preview is computed from. */
const URL_FIELDS =
	"#target-form [name='endpoint'], #target-form [name='connectorType'], #target-form [name='protocolConfig:json'], #target-form [name='protocolConfig.stream:boolean'], #target-form [name='authType'], #target-form [name='authConfig.queryParam']"

export function TargetForm(props: {
	action: string
	submitLabel: string
	values: TargetFormValues
	preset?: Preset
	sampleResponse?: unknown
	/** The URL the values call now (the page computes it; refreshed live by htmx). */
	urlPreview: UrlPreview
}) {
	const v = props.values
	const req = v.requestTemplate
	const res = v.responseTemplate
	const pricing = v.pricing ?? {}
	// The preset's list prices, as placeholders: costs follow the price table unless overridden.
	const hint = props.preset?.pricing
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
							options={CONNECTOR_TYPES}
						/>
					</div>
					<div class="md:col-span-2">
						<Input
							name="endpoint"
							label="Endpoint (URL, or host:port for gRPC)"
							value={v.endpoint}
							required
						/>
						<p
							id="url-preview"
							class="mt-1 text-xs text-slate-600"
							aria-live="polite"
							hx-get="/targets/url-preview"
							hx-trigger="input delay:300ms from:#target-form, change from:#target-form"
							hx-include={URL_FIELDS}
							hx-target="this"
							hx-swap="innerHTML"
						>
							<UrlPreviewView preview={props.urlPreview} />
						</p>
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

				<RequestTemplateFields req={req} />

				<ResponseTemplateFields res={res} />

				<section class="card space-y-4">
					<h2 class="text-sm font-semibold">Protocol settings</h2>
					<JsonArea
						name="protocolConfig:json"
						label="Protocol config (JSON)"
						value={v.protocolConfig}
						rows={8}
					/>
					{streamable(v) ? (
						// After the JSON in the form, so its value wins when both say something (src/http/form.ts);
						// with JavaScript the JSON's "stream" follows the box, so the two never disagree.
						<label class="flex items-center gap-2 text-sm" id="stream-toggle">
							<BooleanInputs
								name="protocolConfig.stream:boolean"
								checked={v.protocolConfig?.stream === true}
								attrs={{ 'hx-on:change': STREAM_SYNC }}
							/>
							Stream the reply (measures time to first token)
						</label>
					) : (
						''
					)}
					<h2 class="text-sm font-semibold">Pricing override (optional, USD per million tokens)</h2>
					<p class="text-xs text-slate-500">
						Leave empty to price by the model the target reports, from the built-in price table.
					</p>
					<div class="grid gap-3 md:grid-cols-4">
						{PRICING_FIELDS.map((f) => (
							<Input
								name={f.number ? `pricing.${f.field}:number` : `pricing.${f.field}`}
								label={f.label}
								type={f.number ? 'number' : undefined}
								step={f.number ? 'any' : undefined}
								value={pricing[f.field]}
								placeholder={str(hint?.[f.field])}
							/>
						))}
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
