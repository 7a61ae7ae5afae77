import type { RequestTemplate, ResponseTemplate } from '../connectors/types'

/** The fields of `T`, each possibly missing or malformed: what a form holds before validation. */
type Fields<T> = { [K in keyof T]?: unknown }
type Pricing = Fields<{
	model: string
	inputPerMTok: number
	outputPerMTok: number
	cachedInputPerMTok: number
	cacheWriteInputPerMTok: number
}>

/**
 * The target form's values (create and edit), in the shape the form posts: the API's fields,
 * with secrets masked on edit (the API keeps a stored secret it gets back masked). Pre-filled
 * from a preset or read from a stored row.
 */
export type TargetFormValues = {
	name?: string
	description?: string | null
	connectorType: string
	endpoint: string
	authType: string
	authConfig: Record<string, unknown>
	requestTemplate: Fields<RequestTemplate>
	responseTemplate: Fields<ResponseTemplate>
	protocolConfig: Record<string, unknown>
	pricing?: Pricing | null
	presetId?: string | null
	isActive: boolean
}
