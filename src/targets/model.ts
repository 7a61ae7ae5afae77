import { Type as T, type Static, type TSchema } from '@sinclair/typebox'
import type { ErrorType, TokenUsage } from '../connectors/types'
import { authType, connectorType, type targets } from '../db/schema'
import { Invalid, type ErrorDetail } from '../http/errors'

/**
 * Target schemas: the reference's field names and limits; the shapes of
 * src/connectors/types.ts (AuthConfig, RequestTemplate, ResponseTemplate).
 */

/** The schema's enums are the one list of connector and auth types. */
export const CONNECTOR_TYPES = connectorType.enumValues
export const AUTH_TYPES = authType.enumValues

const Text = (max: number) => T.String({ minLength: 1, maxLength: max })

/** One schema per auth type; no extra keys, so a typo is an error rather than a silently ignored field. */
export const AuthConfigSchemas = {
	NONE: T.Object({}, { additionalProperties: false }),
	BEARER_TOKEN: T.Object({ token: Text(8192) }, { additionalProperties: false }),
	API_KEY: T.Object(
		{
			apiKey: Text(8192),
			headerName: T.Optional(
				T.String({ minLength: 1, maxLength: 200, pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" }),
			),
			queryParam: T.Optional(Text(200)),
		},
		{ additionalProperties: false },
	),
	BASIC_AUTH: T.Object(
		{ username: Text(1000), password: Text(8192) },
		{ additionalProperties: false },
	),
	CUSTOM_HEADER: T.Object(
		{
			headers: T.Record(T.String(), Text(8192), {
				minProperties: 1,
				maxProperties: 50,
			}),
		},
		{ additionalProperties: false },
	),
	OAUTH2: T.Object(
		{
			tokenUrl: Text(2048),
			clientId: Text(1000),
			clientSecret: Text(8192),
			scope: T.Optional(T.String({ maxLength: 2000 })),
			audience: T.Optional(T.String({ maxLength: 2000 })),
		},
		{ additionalProperties: false },
	),
} satisfies Record<(typeof AUTH_TYPES)[number], TSchema>

/** An HTTP header name (RFC 9110 token). */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

export const RequestTemplateSchema = T.Object({
	messagePath: Text(500),
	structure: T.Optional(T.Record(T.String(), T.Unknown())),
	variables: T.Optional(T.Record(T.String(), T.Union([T.String(), T.Number(), T.Boolean()]))),
	historyPath: T.Optional(T.String({ maxLength: 500 })),
	historyFormat: T.Optional(T.Union([T.Literal('openai'), T.Literal('gemini')])),
})

export const ResponseTemplateSchema = T.Object({
	responsePath: Text(500),
	tokenUsagePath: T.Optional(T.String({ maxLength: 500 })),
	errorPath: T.Optional(T.String({ maxLength: 500 })),
	transform: T.Optional(T.Union([T.Literal('none'), T.Literal('markdown'), T.Literal('html')])),
})

const Price = T.Number({ minimum: 0, maximum: 100000 })
const PricingSchema = T.Object({
	model: T.Optional(T.String({ maxLength: 200 })),
	inputPerMTok: Price,
	outputPerMTok: Price,
	cachedInputPerMTok: T.Optional(Price),
	cacheWriteInputPerMTok: T.Optional(Price),
})

const fields = {
	name: Text(100),
	description: T.Optional(T.String({ maxLength: 2000 })),
	// Enums are checked in the service (`enumProblem`) so the error names every allowed value.
	connectorType: T.String(),
	endpoint: Text(2048),
	authType: T.String(),
	// Checked against the auth type's schema in the service (paths prefixed with `authConfig`).
	authConfig: T.Record(T.String(), T.Unknown()),
	requestTemplate: RequestTemplateSchema,
	responseTemplate: ResponseTemplateSchema,
	protocolConfig: T.Optional(T.Record(T.String(), T.Unknown())),
	pricing: T.Optional(T.Union([PricingSchema, T.Null()])),
	presetId: T.Optional(T.Union([T.String({ maxLength: 100 }), T.Null()])),
	isActive: T.Optional(T.Boolean()),
}

export const CreateTargetSchema = T.Object({ ...fields, authConfig: T.Optional(fields.authConfig) })
export type CreateTargetInput = Static<typeof CreateTargetSchema>

/** PATCH and PUT: the same fields, all optional. */
export const UpdateTargetSchema = T.Partial(T.Object(fields))
export type UpdateTargetInput = Static<typeof UpdateTargetSchema>

export const ListTargetsQuery = T.Object({
	isActive: T.Optional(T.String()),
	connectorType: T.Optional(T.String()),
})
type ListTargetsFilter = {
	isActive?: 'true' | 'false'
	connectorType?: (typeof CONNECTOR_TYPES)[number]
}

/** A detail naming every allowed value, or undefined when `value` is one of them. */
export function enumProblem(
	path: string,
	value: unknown,
	allowed: readonly string[],
): ErrorDetail | undefined {
	if (value === undefined || allowed.includes(value as string)) return undefined
	const expected = allowed.map((v) => JSON.stringify(v)).join(' | ')
	return {
		code: 'invalid_enum_value',
		expected,
		received: typeof value,
		path: [path],
		message: `Expected ${expected}, received ${JSON.stringify(value)}`,
	}
}

/**
 * `isActive` and `connectorType` filters; anything else is a 400, never an empty list.
 * An empty value (`?isActive=`, what the filter form's "All" sends) means no filter.
 */
export function parseListFilter(raw: Static<typeof ListTargetsQuery>): ListTargetsFilter {
	const query = {
		isActive: raw.isActive || undefined,
		connectorType: raw.connectorType || undefined,
	}
	const details = [
		enumProblem('isActive', query.isActive, ['true', 'false']),
		enumProblem('connectorType', query.connectorType, CONNECTOR_TYPES),
	].filter((d) => d !== undefined)
	if (details.length) throw new Invalid(details)
	return query as ListTargetsFilter
}

export const TargetIdParams = T.Object({ id: T.String({ minLength: 1, maxLength: 64 }) })

type TargetRow = typeof targets.$inferSelect

/** List and create/update responses: never the auth config or the templates (the reference). */
export type TargetSummary = Pick<
	TargetRow,
	| 'id'
	| 'name'
	| 'description'
	| 'connectorType'
	| 'endpoint'
	| 'authType'
	| 'isActive'
	| 'presetId'
	| 'lastTestAt'
	| 'lastTestSuccess'
	| 'lastTestError'
	| 'createdAt'
	| 'updatedAt'
>

/** `GET /api/targets/:id`: templates, the masked auth config, relationship counts. */
export type TargetDetails = TargetSummary & {
	/** Every secret masked. */
	authConfig: Record<string, unknown>
	/** Set (on pages only) when the stored credentials cannot be decrypted. */
	authConfigError?: string
	requestTemplate: TargetRow['requestTemplate']
	responseTemplate: TargetRow['responseTemplate']
	protocolConfig: NonNullable<TargetRow['protocolConfig']>
	pricing: TargetRow['pricing']
	sessionCount: number
	scenarioCount: number
	/** Credential-looking values outside authConfig (src/targets/credential-warnings.ts), when any. */
	credentialWarnings?: string[]
}

/** `POST /api/targets/:id/test`: one real exchange with the target. */
export interface ConnectionTestResult {
	healthy: boolean
	latencyMs: number
	ttftMs: number | null
	/** The extracted reply, truncated. */
	response: string | null
	tokenUsage: TokenUsage
	error: { type: ErrorType; message: string; retryAfterMs?: number } | null
	httpStatus: number | null
	/** The raw reply as JSON text (truncated), to help pick `responsePath`. */
	rawResponse: string | null
	testedAt: string
}

/** What "Test connection" and a session will call, as the form shows it while the user types. */
export type UrlPreview = { method: string; url: string } | { problem: string }
