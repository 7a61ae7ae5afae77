import { Elysia, type Context } from 'elysia'
import type { Deps } from '../deps'
import { getHealth } from './service'
import { HealthPanel } from '../../views/health/panel'
import { negotiate, negotiated } from '../http/negotiate'
import { documented } from '../openapi/doc'
import { HealthSchema } from './responses'

export const healthRoutes = (deps: Deps) => {
	const health = async ({ set }: { set: Context['set'] }) => {
		const h = await getHealth(deps)
		set.status = h.status === 'unhealthy' ? 503 : 200
		return h
	}
	return new Elysia({ prefix: '/api' }).use(negotiate).get('/health', health, {
		...documented({
			summary: 'Health of the API, the database and Redis (503 when the database is down)',
			response: HealthSchema,
		}),
		...negotiated(health, { view: HealthPanel }),
	})
}
