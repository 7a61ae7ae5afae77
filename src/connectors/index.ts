import { createHttpConnector, type ConnectorOptions } from './http'
import { redactResult, secretForms, secretValues } from './redact'
import type { Connector, TargetSpec } from './types'
import { createWebSocketConnector } from './websocket'

/**
 * The outbound deny list (config.urlDenyList, checked at the socket for targets and OAuth
 * token URLs), the clock, and for tests a resolver and extra trusted certificates.
 */
export type CreateConnectorOptions = ConnectorOptions

/**
 * The connector for a target: `open(signal)` gives a conversation whose `send` never throws
 * for target errors (they are results with a classified `error`), only on abort.
 */
export function createConnector(spec: TargetSpec, opts: CreateConnectorOptions = {}): Connector {
	const secrets = secretValues(spec.authConfig)
	// A credential fetched at run time (an OAuth access token) is scrubbed from replies too.
	const onSecret = (value: string) => {
		const all = secretForms([...secrets, value])
		secrets.splice(0, secrets.length, ...all)
	}
	const inner = connectorFor(spec, { ...opts, onSecret })
	if (secrets.length === 0 && spec.authType !== 'OAUTH2') return inner
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
			return grpcModule().createGrpcConnector(spec, opts)
		default:
			throw new Error(`unknown connector type ${String((spec as TargetSpec).connectorType)}`)
	}
}

/**
 * The gRPC connector with @grpc/grpc-js, proto-loader and protobufjs, loaded on the first gRPC
 * target rather than at start: most processes never use them, and loading them costs start-up
 * time and memory (bench/README.md "start-up"). `require` keeps `createConnector` synchronous.
 */
const grpcModule = () => require('./grpc') as typeof import('./grpc')
