import type { Preset } from '../../src/presets/model'

/**
 * Auth fields per auth type (secrets as password inputs). On edit they hold the masked values,
 * which the API treats as "keep the stored secret".
 */

type AuthFieldSpec = {
	key: string
	label: string
	type: 'text' | 'password' | 'url' | 'json'
	placeholder?: string
	required: boolean
}

/** The fields of each auth type; a preset may relabel them (its `authFields`). */
export const AUTH_FIELDS: Record<string, AuthFieldSpec[]> = {
	NONE: [],
	BEARER_TOKEN: [{ key: 'token', label: 'Bearer token', type: 'password', required: true }],
	API_KEY: [
		{ key: 'apiKey', label: 'API key', type: 'password', required: true },
		{
			key: 'headerName',
			label: 'Header name (default x-api-key)',
			type: 'text',
			placeholder: 'x-api-key',
			required: false,
		},
		{
			key: 'queryParam',
			label: 'Or query parameter',
			type: 'text',
			placeholder: 'key',
			required: false,
		},
	],
	BASIC_AUTH: [
		{ key: 'username', label: 'Username', type: 'text', required: true },
		{ key: 'password', label: 'Password', type: 'password', required: true },
	],
	CUSTOM_HEADER: [
		{
			key: 'headers',
			label: 'Headers (JSON object, values are secret)',
			type: 'json',
			placeholder: '{"X-Api-Key": "..."}',
			required: true,
		},
	],
	OAUTH2: [
		{
			key: 'tokenUrl',
			label: 'Token URL',
			type: 'url',
			placeholder: 'https://auth.example.com/oauth/token',
			required: true,
		},
		{ key: 'clientId', label: 'Client ID', type: 'text', required: true },
		{ key: 'clientSecret', label: 'Client secret', type: 'password', required: true },
		{ key: 'scope', label: 'Scope', type: 'text', required: false },
		{ key: 'audience', label: 'Audience', type: 'text', required: false },
	],
}

export function authFieldsFor(
	authType: string,
	preset?: Pick<Preset, 'authType' | 'authFields'>,
): AuthFieldSpec[] {
	const base = AUTH_FIELDS[authType] ?? []
	if (!preset || preset.authType !== authType) return base
	return base.map((f) => {
		const p = preset.authFields.find((x) => x.key === f.key)
		return p
			? { ...f, label: p.label, placeholder: p.placeholder ?? f.placeholder, required: p.required }
			: f
	})
}

export function AuthFields(props: {
	authType: string
	fields: AuthFieldSpec[]
	values: Record<string, unknown>
}) {
	if (!props.fields.length)
		return <p class="text-sm text-slate-500">No credentials for this auth type.</p>
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
							<textarea
								id={id}
								name={`authConfig.${f.key}:json`}
								class="input font-mono"
								rows="3"
								placeholder={f.placeholder}
								required={f.required}
								safe
							>
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
