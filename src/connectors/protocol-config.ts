import type { ErrorDetail } from '../http/errors'
import type { ConnectorType } from './types'

/**
 * Validates a target's `protocolConfig` for its connector type; returns problems with paths
 * relative to `protocolConfig`. Filled in by the connectors (one schema per connector).
 */
export function validateProtocolConfig(_type: ConnectorType, _config: unknown): ErrorDetail[] {
	return []
}
