import { Elysia } from 'elysia'
import { HomePage } from '../../views/home'
import type { Deps } from '../deps'
import { getHealth } from '../health/service'

export const dashboardPages = (deps: Deps) =>
	new Elysia().get('/', async () => {
		const health = await getHealth(deps)
		const mode = {
			database: deps.database.kind === 'pglite' ? 'PGlite (embedded)' : 'PostgreSQL',
			queue: deps.queue.kind === 'memory' ? 'in-process' : 'BullMQ (Redis)',
		}
		return <HomePage health={health} mode={mode} />
	})
