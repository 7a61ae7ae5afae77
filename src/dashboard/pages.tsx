import { Elysia } from 'elysia'
import { HomePage } from '../../views/home/page'
import type { Deps } from '../deps'
import { versioned } from '../db/versioned'
import { getHealth } from '../health/service'
import {
	getCostPerDay,
	getDashboardStats,
	getFilterOptions,
	getLiveSessions,
	getRecentSessionSeries,
} from './service'

export const dashboardPages = (deps: Deps) =>
	new Elysia().get('/', async () => {
		// One version read for the page's figures while the data is unchanged, for the second they
		// count from (src/db/versioned.ts); the health check runs every time.
		const second = Math.floor(deps.clock.now().getTime() / 1000)
		const [health, [stats, live, recent, costPerDay, options]] = await Promise.all([
			getHealth(deps),
			versioned(deps.database, ['sessions', 'targets', 'scenarios'], `home:${second}`, () =>
				Promise.all([
					getDashboardStats(deps),
					getLiveSessions(deps),
					getRecentSessionSeries(deps),
					getCostPerDay(deps),
					getFilterOptions(deps),
				]),
			),
		])
		const mode = {
			database: deps.database.kind === 'pglite' ? 'PGlite (embedded)' : 'PostgreSQL',
			queue: deps.queue.kind === 'memory' ? 'in-process' : 'BullMQ (Redis)',
		}
		return (
			<HomePage
				health={health}
				mode={mode}
				stats={stats.data}
				live={live}
				recent={recent}
				costPerDay={costPerDay}
				execute={options}
			/>
		)
	})
