import type {
	AuthType,
	ConnectorType,
	RequestTemplate,
	ResponseTemplate,
} from '../connectors/types'

/** A provider preset (presets.ts holds them): what the new-target form is pre-filled with. */
export interface AuthField {
	key: string
	label: string
	type: 'text' | 'password' | 'url'
	placeholder?: string
	required: boolean
}

interface PresetPricing {
	model: string
	inputPerMTok: number
	outputPerMTok: number
	cachedInputPerMTok?: number
	cacheWriteInputPerMTok?: number
}

export interface Preset {
	id: string
	name: string
	description: string
	icon: string
	connectorType: ConnectorType
	defaultEndpoint: string
	authType: AuthType
	authFields: AuthField[]
	/** Non-secret parts of authConfig the provider fixes (e.g. `headerName: 'x-api-key'`). */
	authConfigDefaults?: Record<string, string>
	requestTemplate: RequestTemplate
	responseTemplate: ResponseTemplate
	protocolConfig: Record<string, unknown>
	pricing?: PresetPricing
	documentation: string
	exampleResponse: Record<string, unknown>
}
