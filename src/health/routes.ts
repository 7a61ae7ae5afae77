import { Elysia, type Context } from 'elysia'
import type { Deps } from '../deps'
import { getHealth } from './service'
import { HealthPanel } from '../../views/health/panel'
import { negotiate, negotiated } from '../http/negotiate'

export const healthRoutes = (deps: Deps) => {
	const health = async ({ set }: { set: Context['set'] }) => {
		const h = await getHealth(deps)
		set.status = h.status === 'unhealthy' ? 503 : 200
		return h
	}
	return new Elysia({ prefix: '/api' })
		.use(negotiate)
		.get('/health', health, negotiated(health, { view: HealthPanel }))
}
