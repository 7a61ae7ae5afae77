import { createConnector } from '../connectors/index'
import type { Connector, TargetSpec } from '../connectors/types'
import type { Deps } from '../deps'

/** The connector for a session's target, with the outbound deny list and the deps' clock. */
export function openConnector(deps: Pick<Deps, 'config' | 'clock'>, spec: TargetSpec): Connector {
	return createConnector(spec, {
		denyList: deps.config.urlDenyList,
		maxReplyBytes: deps.config.maxReplyBytes,
		clock: deps.clock,
	})
}
