import { Elysia } from 'elysia'
import type { Deps } from '../deps'
import { getHealth } from './service'
import { HealthPanel } from '../../views/health'
import { negotiate } from '../http/negotiate'

export const healthRoutes = (deps: Deps) =>
	new Elysia({ prefix: '/api' }).use(negotiate).get(
		'/health',
		async ({ set }) => {
			const health = await getHealth(deps)
			set.status = health.status === 'unhealthy' ? 503 : 200
			return health
		},
		{ view: HealthPanel },
	)
