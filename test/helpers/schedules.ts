import { scenarios, targets } from '../../src/db/schema'
import type { Deps } from '../../src/deps'
import type { FlowStep } from '../../src/engine/types'

/** A target and two scenarios (one with its own target) inserted directly. */
export async function seedScenario(deps: Pick<Deps, 'db'>, opts: { targetActive?: boolean } = {}) {
	const [target] = await deps.db
		.insert(targets)
		.values({
			name: 'Bot <i>one</i>',
			connectorType: 'HTTP_REST',
			endpoint: 'http://127.0.0.1:9/chat',
			requestTemplate: { messagePath: 'message' },
			responseTemplate: { responsePath: 'reply' },
			isActive: opts.targetActive ?? true,
		})
		.returning()
	const flowConfig: FlowStep[] = [{ id: 's1', type: 'message', config: { message: 'hello' } }]
	const [bare] = await deps.db
		.insert(scenarios)
		.values({ name: 'No target <b>x</b>', flowConfig })
		.returning()
	const [owned] = await deps.db
		.insert(scenarios)
		.values({ name: 'With target', flowConfig, targetId: target!.id })
		.returning()
	return { target: target!, bare: bare!, owned: owned! }
}
