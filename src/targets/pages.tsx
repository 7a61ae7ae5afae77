import { Elysia } from 'elysia'
import { AuthFields, authFieldsFor } from '../../views/targets/auth-fields'
import { DeleteTargetPage, TargetDetailsPage } from '../../views/targets/detail'
import { TargetsPage } from '../../views/targets/list'
import { EditTargetPage, NewTargetPage } from '../../views/targets/new'
import { UrlPreviewView } from '../../views/targets/url-preview'
import type { Deps } from '../deps'
import { Invalid } from '../http/errors'
import type { Preset } from '../presets/model'
import { findPreset, PRESETS } from '../presets/presets'
import { previewUrl } from './endpoint'
import type { TargetFormValues } from './present'
import { getTarget, getTargetRow, listTargets, recentTargetSessions, toSummary } from './service'

/** Form values pre-filled from a preset (auth secrets empty, the provider's fixed auth settings filled). */
export function valuesFromPreset(p: Preset): TargetFormValues {
	return {
		name: p.name,
		description: '',
		connectorType: p.connectorType,
		endpoint: p.defaultEndpoint,
		authType: p.authType,
		authConfig: { ...(p.authConfigDefaults ?? {}) },
		requestTemplate: p.requestTemplate,
		responseTemplate: p.responseTemplate,
		protocolConfig: p.protocolConfig,
		// Left empty: costs then follow the versioned price table for the model the target reports,
		// which stays right when the model in the structure is changed (the form shows the preset's prices as hints).
		pricing: null,
		presetId: p.id,
		isActive: true,
	}
}

/** The URL preview of form values (the same computation as `GET /targets/url-preview`). */
const urlPreviewOf = (v: TargetFormValues) =>
	previewUrl({
		connectorType: v.connectorType,
		endpoint: v.endpoint,
		protocolConfig: (v.protocolConfig ?? {}) as Record<string, unknown>,
		authQueryParam:
			v.authType === 'API_KEY' && typeof v.authConfig?.queryParam === 'string'
				? v.authConfig.queryParam
				: undefined,
	})

/** The dashboard's target screens; they call the same services as `/api/targets`. */
export const targetPages = (deps: Deps) =>
	new Elysia()
		.get('/targets', async ({ query }) => {
			const filter = {
				isActive: query.isActive || undefined,
				connectorType: query.connectorType || undefined,
			}
			try {
				return <TargetsPage targets={await listTargets(deps, filter)} filter={filter} />
			} catch (e) {
				if (!(e instanceof Invalid)) throw e
				const error = `Ignored invalid filter: ${(e.details ?? []).map((d) => d.message).join('; ')}`
				return <TargetsPage targets={await listTargets(deps, {})} filter={{}} error={error} />
			}
		})
		.get('/targets/new', ({ query }) => {
			const preset = query.preset ? findPreset(String(query.preset)) : undefined
			const values = preset ? valuesFromPreset(preset) : undefined
			return (
				<NewTargetPage
					presets={PRESETS}
					preset={preset}
					values={values}
					urlPreview={values ? urlPreviewOf(values) : undefined}
				/>
			)
		})
		// The URL the form's values call, refreshed as the user types (views/targets/form.tsx).
		.get('/targets/url-preview', ({ query }) => {
			const q = query as Record<string, string | string[] | undefined>
			const last = (k: string) => {
				const v = q[k]
				return Array.isArray(v) ? v[v.length - 1] : v
			}
			let protocolConfig: Record<string, unknown> = {}
			try {
				const parsed = JSON.parse(last('protocolConfig:json') || '{}')
				if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) protocolConfig = parsed
			} catch {
				return <UrlPreviewView preview={{ problem: 'The protocol config is not valid JSON' }} />
			}
			const stream = last('protocolConfig.stream:boolean')
			if (stream !== undefined) protocolConfig.stream = stream === 'on' || stream === 'true'
			const preview = previewUrl({
				connectorType: last('connectorType') ?? 'HTTP_REST',
				endpoint: last('endpoint') ?? '',
				protocolConfig,
				authQueryParam:
					last('authType') === 'API_KEY' ? last('authConfig.queryParam') || undefined : undefined,
			})
			return <UrlPreviewView preview={preview} />
		})
		// The auth fields of another auth type, swapped into the form when the select changes.
		.get('/targets/auth-fields', ({ query }) => {
			const authType = String(query.authType ?? 'NONE')
			const preset = query.preset ? findPreset(String(query.preset)) : undefined
			const values = preset?.authType === authType ? { ...(preset.authConfigDefaults ?? {}) } : {}
			return (
				<AuthFields authType={authType} fields={authFieldsFor(authType, preset)} values={values} />
			)
		})
		.get('/targets/:id', async ({ params }) => {
			const target = await getTarget(deps, params.id, { tolerateDecryptError: true })
			return (
				<TargetDetailsPage target={target} sessions={await recentTargetSessions(deps, params.id)} />
			)
		})
		.get('/targets/:id/edit', async ({ params }) => {
			const row = await getTargetRow(deps, params.id)
			// Undecryptable credentials: the form still opens, with empty secrets to re-enter.
			const { authConfig } = await getTarget(deps, params.id, { tolerateDecryptError: true })
			const values: TargetFormValues = {
				...toSummary(row),
				authConfig,
				requestTemplate: row.requestTemplate,
				responseTemplate: row.responseTemplate,
				protocolConfig: row.protocolConfig ?? {},
				pricing: row.pricing,
			}
			return (
				<EditTargetPage
					id={row.id}
					values={values}
					preset={row.presetId ? findPreset(row.presetId) : undefined}
					urlPreview={urlPreviewOf(values)}
				/>
			)
		})
		.get('/targets/:id/delete', async ({ params }) => (
			<DeleteTargetPage target={await getTarget(deps, params.id, { tolerateDecryptError: true })} />
		))
