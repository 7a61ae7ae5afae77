/**
 * The target form's values (create and edit), in the shape the form posts: the API's fields,
 * with secrets masked on edit (the API keeps a stored secret it gets back masked).
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
