import { Elysia } from 'elysia'
import { TargetDeleted, TargetDetailsPanel, TargetSaved, TargetTable } from '../../views/targets'
import type { Deps } from '../deps'
import { list, ok } from '../http/envelope'
import { negotiate } from '../http/negotiate'
import { CreateTargetSchema, ListTargetsQuery, TargetIdParams, UpdateTargetSchema } from './model'
import { createTarget, deleteTarget, getTarget, listTargets, updateTarget } from './service'

/**
 * `/api/targets` (the reference's Targets section). HTML forms cannot send PATCH or DELETE, so
 * `POST /api/targets/:id` and `POST /api/targets/:id/delete` are their form equivalents.
 */
export const targetRoutes = (deps: Deps) => {
	const update = {
		params: TargetIdParams,
		body: UpdateTargetSchema,
		view: TargetSaved,
		redirect: (r: any) => `/targets/${r.data.id}`,
	}
	const updateHandler = async ({ params, body }: { params: { id: string }; body: any }) =>
		ok(await updateTarget(deps, params.id, body), 'Target updated successfully')
	const remove = { params: TargetIdParams, view: TargetDeleted, redirect: () => '/targets' }
	const removeHandler = async ({ params }: { params: { id: string } }) => {
		await deleteTarget(deps, params.id)
		return { success: true as const, message: 'Target deleted successfully' }
	}
	return new Elysia({ prefix: '/api' })
		.use(negotiate)
		.get('/targets', async ({ query }) => list(await listTargets(deps, query)), {
			query: ListTargetsQuery,
			view: (r: any) => TargetTable({ targets: r.data }),
		})
		.post(
			'/targets',
			async ({ body, set }) => {
				const created = await createTarget(deps, body)
				set.status = 201
				return ok(created, 'Target created successfully')
			},
			{ body: CreateTargetSchema, view: TargetSaved, redirect: (r: any) => `/targets/${r.data.id}` },
		)
		.get('/targets/:id', async ({ params }) => ok(await getTarget(deps, params.id)), {
			params: TargetIdParams,
			view: (r: any) => TargetDetailsPanel({ target: r.data }),
		})
		.patch('/targets/:id', updateHandler, update)
		.put('/targets/:id', updateHandler, update)
		.post('/targets/:id', updateHandler, update)
		.delete('/targets/:id', removeHandler, remove)
		.post('/targets/:id/delete', removeHandler, remove)
}
