import { Elysia } from 'elysia'
import type { Deps } from '../deps'
import { ok } from '../http/envelope'
import { negotiate } from '../http/negotiate'
import { documented } from '../openapi/doc'
import { okOf } from '../openapi/schemas'
import { CompareQuery } from './model'
import { ComparisonSchema } from './responses'
import { compareSessions } from './service'

/**
 * `GET /api/sessions/compare?ids=a,b[,c…]`. A static segment: Elysia's router prefers it to
 * `/api/sessions/:id` whatever the registration order.
 */
export const compareRoutes = (deps: Deps) =>
	new Elysia({ prefix: '/api' })
		.use(negotiate)
		.get('/sessions/compare', async ({ query }) => ok(await compareSessions(deps, query.ids)), {
			query: CompareQuery,
			...documented({
				summary: 'Compare finished sessions against the first (the baseline)',
				errors: [404],
				description:
					'Every summary metric side by side with absolute and relative deltas; for response ' +
					'time and cost per conversation a two-sided Mann–Whitney U test with the ' +
					'Hodges–Lehmann shift and its 95 % interval; curves for the overlaid charts. ' +
					'400 for fewer than 2 or more than 10 ids, a repeated id, or an unfinished session; ' +
					'404 for an unknown one.',
				response: okOf(ComparisonSchema),
			}),
		})
