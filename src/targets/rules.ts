import { Value } from '@sinclair/typebox/value'
import { validateProtocolConfig } from '../connectors/protocol-config'
import type {
	AuthType,
	ConnectorType,
	RequestTemplate,
	ResponseTemplate,
} from '../connectors/types'
import type { Deps } from '../deps'
import { Invalid, type ErrorDetail } from '../http/errors'
import { toDetails } from '../http/validation'
import { checkHistoryPath, checkMessagePath, pathSyntaxProblem } from '../templates/validate'
import { endpointProblem, outboundProblem } from './endpoint'
import { AUTH_TYPES, AuthConfigSchemas, CONNECTOR_TYPES, enumProblem, HEADER_NAME } from './model'

/** The rules a target must satisfy beyond its schema, shared by create and update. */

export type Candidate = {
	connectorType: ConnectorType
	endpoint: string
	authType: AuthType
	authConfig: unknown
	requestTemplate: RequestTemplate
	responseTemplate: ResponseTemplate
	protocolConfig: Record<string, unknown>
}

const prefix = (path: (string | number)[], details: ErrorDetail[]) =>
	details.map((d) => ({ ...d, path: [...path, ...d.path] }))

/** Rules beyond the schema: auth shape per type, endpoint per protocol and deny list, templates, protocol settings. */
export function problems(deps: Pick<Deps, 'config'>, c: Candidate): ErrorDetail[] {
	const out: ErrorDetail[] = []
	const schema = AuthConfigSchemas[c.authType]
	if (!Value.Check(schema, c.authConfig))
		out.push(...prefix(['authConfig'], toDetails(Value.Errors(schema, c.authConfig))))
	else if (c.authType === 'CUSTOM_HEADER') {
		for (const name of Object.keys((c.authConfig as { headers: object }).headers)) {
			if (!HEADER_NAME.test(name))
				out.push({
					code: 'invalid_string',
					path: ['authConfig', 'headers', name],
					message: 'Not a valid HTTP header name',
				})
		}
	}
	const ep = endpointProblem(c.connectorType, c.endpoint, deps.config.urlDenyList)
	if (ep) out.push({ code: 'invalid_string', path: ['endpoint'], message: ep })
	if (
		c.authType === 'OAUTH2' &&
		typeof (c.authConfig as { tokenUrl?: unknown }).tokenUrl === 'string'
	) {
		const p = outboundProblem(
			(c.authConfig as { tokenUrl: string }).tokenUrl,
			deps.config.urlDenyList,
			['http:', 'https:'],
		)
		if (p) out.push({ code: 'invalid_string', path: ['authConfig', 'tokenUrl'], message: p })
	}
	const req = c.requestTemplate
	const msg = checkMessagePath(req.messagePath, req.structure ?? {})
	if (!msg.valid)
		out.push({ code: 'custom', path: ['requestTemplate', 'messagePath'], message: msg.message })
	if (req.historyPath?.trim()) {
		const h = checkHistoryPath(req.historyPath, req.structure ?? {})
		if (!h.valid)
			out.push({ code: 'custom', path: ['requestTemplate', 'historyPath'], message: h.message })
	}
	for (const key of ['responsePath', 'tokenUsagePath', 'errorPath'] as const) {
		const path = c.responseTemplate[key]
		const p =
			path !== undefined && (key === 'responsePath' || path.trim())
				? pathSyntaxProblem(path)
				: undefined
		if (p) out.push({ code: 'custom', path: ['responseTemplate', key], message: p })
	}
	out.push(...prefix(['protocolConfig'], validateProtocolConfig(c.connectorType, c.protocolConfig)))
	return out
}

export const sealAuth = (deps: Pick<Deps, 'secrets'>, authType: AuthType, config: unknown) =>
	authType === 'NONE' ? null : deps.secrets.encrypt(config)

/** Optional template keys sent blank (an emptied form field) are dropped rather than stored as "". */
export function tidy<T extends object>(template: T): T {
	return Object.fromEntries(
		Object.entries(template).filter(([, v]) => v !== undefined && v !== ''),
	) as T
}

/** The enum fields, checked first: everything after depends on them. */
export function checkEnums(input: { connectorType?: string; authType?: string }) {
	const details = [
		enumProblem('connectorType', input.connectorType, CONNECTOR_TYPES),
		enumProblem('authType', input.authType, AUTH_TYPES),
	].filter((d) => d !== undefined)
	if (details.length) throw new Invalid(details)
	return input as { connectorType?: ConnectorType; authType?: AuthType }
}
