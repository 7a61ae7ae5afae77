import { Elysia } from 'elysia'
import { TargetDetailsPanel } from '../../views/target-details'
import { TargetDeleted, TargetSaved, TargetTable } from '../../views/targets'
import type { Deps } from '../deps'
import { list, ok } from '../http/envelope'
import { negotiate } from '../http/negotiate'
import { parse } from '../http/validation'
import { CreateTargetSchema, ListTargetsQuery, TargetIdParams, UpdateTargetSchema } from './model'
import { createTarget, deleteTarget, getTarget, listTargets, updateTarget } from './service'

/**
 * `/api/targets` (the reference's Targets section). HTML forms cannot send PATCH or DELETE, so
 * `POST /api/targets/:id` and `POST /api/targets/:id/delete` are their form equivalents.
 *
 * Bodies are validated with `parse` rather than a route `body` schema: Elysia's default
 * normaliser turns a string sent for an object field (`structure: "{"`) into `{"0": "{"}`
 * and accepts it; `parse` rejects it with the usual 400 details.
 */
export const targetRoutes = (deps: Deps) => {
	const update = {
		params: TargetIdParams,
		view: TargetSaved,
		redirect: (r: any) => `/targets/${r.data.id}`,
	}
	const updateHandler = async ({ params, body }: { params: { id: string }; body: unknown }) =>
		ok(
			await updateTarget(deps, params.id, parse(UpdateTargetSchema, body)),
			'Target updated successfully',
		)
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
				const created = await createTarget(deps, parse(CreateTargetSchema, body))
				set.status = 201
				return ok(created, 'Target created successfully')
			},
			{ view: TargetSaved, redirect: (r: any) => `/targets/${r.data.id}` },
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
