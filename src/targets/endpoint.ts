import { buildUrl, shownUrl } from '../connectors/http'
import type { ConnectorType } from '../connectors/types'
import type { UrlPreview } from './model'
import { outboundUrlProblem } from '../security/outbound'

/**
 * A target endpoint per connector type: an http(s) URL for HTTP_REST and SSE, ws(s) for
 * WEBSOCKET, and `host:port` for GRPC. Every endpoint is checked against the outbound deny list.
 */
const PROTOCOLS: Record<Exclude<ConnectorType, 'GRPC'>, string[]> = {
	HTTP_REST: ['http:', 'https:'],
	SSE: ['http:', 'https:'],
	WEBSOCKET: ['ws:', 'wss:'],
}

/** `host:port`: a name (a trailing dot allowed), an IPv4 address in any form, or [IPv6]. */
const HOST_PORT =
	/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?):(\d{1,5})$/

export function outboundProblem(url: string, denyList: string[], protocols: string[]) {
	const p = outboundUrlProblem(url, denyList, { protocols })
	return p === 'must be a valid URL' ? `"${url}" is not a valid URL` : p
}

export function endpointProblem(
	type: ConnectorType,
	endpoint: string,
	denyList: string[],
): string | undefined {
	if (type === 'GRPC') {
		const m = HOST_PORT.exec(endpoint)
		if (!m) return 'must be host:port for a gRPC target (e.g. grpc.example.com:443)'
		const port = Number(m[5])
		if (port < 1 || port > 65535) return 'port must be between 1 and 65535'
		return outboundUrlProblem(`http://${endpoint}`, denyList)
	}
	return outboundProblem(endpoint, denyList, PROTOCOLS[type])
}

/**
 * The final URL of a target from its form fields: the connectors' own `buildUrl` (endpoint +
 * path + query, the streaming path when `stream` is on), auth query parameters as `***`.
 */
export function previewUrl(input: {
	connectorType: string
	endpoint: string
	protocolConfig: Record<string, unknown>
	authQueryParam?: string
}): UrlPreview {
	const pc = input.protocolConfig
	const endpoint = input.endpoint.trim()
	if (!endpoint) return { problem: 'Enter the endpoint' }
	if (input.connectorType === 'GRPC') {
		if (!HOST_PORT.test(endpoint)) return { problem: 'must be host:port for a gRPC target' }
		const scheme = pc.tls ? 'grpcs' : 'grpc'
		return {
			method: 'gRPC',
			url: `${scheme}://${endpoint}/${String(pc.service ?? '?')}/${String(pc.method ?? '?')}`,
		}
	}
	const str = (v: unknown) => (typeof v === 'string' ? v : undefined)
	const map = (v: unknown) =>
		v && typeof v === 'object' && !Array.isArray(v)
			? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)]))
			: {}
	const streams = input.connectorType === 'HTTP_REST' && pc.stream === true
	const streamCfg = (pc.streaming ?? {}) as Record<string, unknown>
	const path = (streams && str(streamCfg.path)) || str(pc.path)
	const query: Record<string, string> = {
		...map(pc.query),
		...(streams ? map(streamCfg.query) : {}),
	}
	const secret = [input.authQueryParam, str(pc.tokenQueryParam)].filter((k): k is string => !!k)
	for (const k of secret) query[k] = '***'
	let url: URL
	try {
		url = buildUrl(endpoint, path, query)
	} catch {
		return { problem: `"${endpoint}" is not a valid URL` }
	}
	const method = input.connectorType === 'WEBSOCKET' ? 'WebSocket' : (str(pc.method) ?? 'POST')
	return { method, url: shownUrl(url, secret) }
}
