import type { Clock } from '../clock'
import { createGrpcConnector } from './grpc'
import { createHttpConnector } from './http'
import { redactResult, secretValues } from './redact'
import type { Connector, TargetSpec } from './types'
import { createWebSocketConnector } from './websocket'

interface CreateConnectorOptions {
	/** Outbound deny list (config.outboundDenyList); targets and OAuth token URLs are checked. */
	denyList?: string[]
	clock?: Clock
	/** For tests that need a custom fetch; the real one by default. */
	fetch?: typeof fetch
}

/**
 * The connector for a target: `open(signal)` gives a conversation whose `send` never throws
 * for target errors (they are results with a classified `error`), only on abort.
 */
export function createConnector(spec: TargetSpec, opts: CreateConnectorOptions = {}): Connector {
	const inner = connectorFor(spec, opts)
	const secrets = secretValues(spec.authConfig)
	if (secrets.length === 0) return inner
	return {
		async open(signal) {
			const conv = await inner.open(signal)
			return {
				send: async (message, o) => redactResult(await conv.send(message, o), secrets),
				close: () => conv.close(),
			}
		},
		close: () => inner.close(),
	}
}

function connectorFor(spec: TargetSpec, opts: CreateConnectorOptions): Connector {
	switch (spec.connectorType) {
		case 'HTTP_REST':
		case 'SSE':
			return createHttpConnector(spec, opts)
		case 'WEBSOCKET':
			return createWebSocketConnector(spec, opts)
		case 'GRPC':
			return createGrpcConnector(spec, opts)
		default:
			throw new Error(`unknown connector type ${String((spec as TargetSpec).connectorType)}`)
	}
}
