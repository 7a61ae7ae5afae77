import { Elysia, type Context } from 'elysia'
import type { Deps } from '../deps'
import { ok, page } from '../http/envelope'
import { negotiate, negotiated } from '../http/negotiate'
import { documented } from '../openapi/doc'
import { okOf, pageOf } from '../openapi/schemas'
import { BatchIdParams, BatchListQuery, CreateBatch } from './model'
import { BatchCreatedSchema, BatchListItemSchema, BatchSchema } from './responses'
import { createBatch, getBatch, listBatches } from './service'

/** `/api/batches`: one scenario against several targets (docs/architecture.md §4). */
export const batchRoutes = (deps: Deps) => {
	const create = async ({ body, set }: { body: CreateBatch; set: Context['set'] }) => {
		set.status = 202
		return ok(await createBatch(deps, body), 'Batch queued for execution')
	}
	return new Elysia({ prefix: '/api' })
		.use(negotiate)
		.post('/batches', create, {
			body: CreateBatch,
			...documented({
				summary: 'Run one scenario against several targets',
				errors: [404],
				description:
					'Each target becomes an ordinary session, prepared as POST /api/execute prepares one. ' +
					'Every target is validated before any session is created: 2–20 distinct targets; an ' +
					'unknown scenario or target is 404, an inactive one 400, with nothing created.',
				status: 202,
				response: okOf(BatchCreatedSchema),
			}),
			...negotiated(create, { redirect: (r) => `/batches/${r.data.batchId}` }),
		})
		.get(
			'/batches',
			async ({ query }) => {
				const r = await listBatches(deps, query)
				return page(r.items, r.total, r.limit, r.offset)
			},
			{
				query: BatchListQuery,
				...documented({
					summary: 'List batches, newest first',
					response: pageOf(BatchListItemSchema),
				}),
			},
		)
		.get('/batches/:id', async ({ params }) => ok(await getBatch(deps, params.id)), {
			params: BatchIdParams,
			...documented({
				summary: 'A batch: its sessions, derived status and, once finished, their comparison',
				response: okOf(BatchSchema),
			}),
		})
}
