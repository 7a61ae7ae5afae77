import type { ConnectorType } from '../connectors/types'
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
