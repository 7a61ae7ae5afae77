import type { CONNECTOR_TYPES as SCHEMA_CONNECTOR_TYPES } from '../../src/targets/model'

type ConnectorType = (typeof SCHEMA_CONNECTOR_TYPES)[number]

/**
 * The connector types for selects, in the schema's order. Keyed by the schema's enum (through
 * its type), so tsc refuses a list that misses or invents one.
 */
export const CONNECTOR_TYPES = Object.keys({
	HTTP_REST: true,
	SSE: true,
	WEBSOCKET: true,
	GRPC: true,
} satisfies Record<ConnectorType, true>) as ConnectorType[]
