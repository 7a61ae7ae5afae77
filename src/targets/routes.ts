import { Elysia, type Context, type Static } from 'elysia'
import { TargetDetailsFragment } from '../../views/targets/detail'
import { TargetDeleted, TargetRows, TargetSaved } from '../../views/targets/list'
import type { Deps } from '../deps'
import { list, ok } from '../http/envelope'
import type { Envelope } from '../http/model'
import { credentialWarnings } from './credential-warnings'
import { negotiate, negotiated } from '../http/negotiate'
import { parse } from '../http/validation'
import { documented } from '../openapi/doc'
import { CreateTargetSchema, ListTargetsQuery, TargetIdParams, UpdateTargetSchema } from './model'
import { createTarget, deleteTarget, getTarget, listTargets, updateTarget } from './service'
import { DoneSchema, listOf, okOf } from '../openapi/schemas'
import { TargetDetailSchema, TargetSummarySchema } from './responses'

type Id = { params: { id: string } }

/** The envelope with `warnings` when the saved input holds a credential outside authConfig. */
function warned<E extends Envelope<unknown>>(
	envelope: E,
	input: Parameters<typeof credentialWarnings>[0],
): E {
	const warnings = credentialWarnings(input)
	return warnings.length ? { ...envelope, warnings } : envelope
}
const toTarget = (r: { data: { id: string } }) => `/targets/${r.data.id}`

/**
 * `/api/targets` (the reference's Targets section). HTML forms cannot send PATCH or DELETE, so
 * `POST /api/targets/:id` and `POST /api/targets/:id/delete` are their form equivalents.
 *
 * Bodies are validated with `parse` rather than a route `body` schema: Elysia's default
 * normaliser turns a string sent for an object field (`structure: "{"`) into `{"0": "{"}`
 * and accepts it; `parse` rejects it with the usual 400 details.
 */
export const targetRoutes = (deps: Deps) => {
	const index = async ({ query }: { query: Static<typeof ListTargetsQuery> }) =>
		list(await listTargets(deps, query))
	const create = async ({ body, set }: { body: unknown; set: Context['set'] }) => {
		const input = parse(CreateTargetSchema, body)
		const created = await createTarget(deps, input)
		set.status = 201
		return warned(ok(created, 'Target created successfully'), input)
	}
	const show = async ({ params }: Id) => ok(await getTarget(deps, params.id))
	const updateHandler = async ({ params, body }: Id & { body: unknown }) => {
		const input = parse(UpdateTargetSchema, body)
		const updated = await updateTarget(deps, params.id, input)
		return warned(ok(updated, 'Target updated successfully'), input)
	}
	const update = {
		params: TargetIdParams,
		...documented({
			summary: 'Update a target',
			body: UpdateTargetSchema,
			response: okOf(TargetSummarySchema),
		}),
		...negotiated(updateHandler, { view: TargetSaved, redirect: toTarget }),
	}
	const removeHandler = async ({ params }: Id) => {
		await deleteTarget(deps, params.id)
		return { success: true as const, message: 'Target deleted successfully' }
	}
	const remove = {
		params: TargetIdParams,
		...documented({ summary: 'Delete a target (400 while sessions use it)', response: DoneSchema }),
		...negotiated(removeHandler, { view: TargetDeleted, redirect: () => '/targets' }),
	}
	return new Elysia({ prefix: '/api' })
		.use(negotiate)
		.get('/targets', index, {
			query: ListTargetsQuery,
			...documented({ summary: 'List targets', response: listOf(TargetSummarySchema) }),
			...negotiated(index, { view: TargetRows }),
		})
		.post('/targets', create, {
			// Validated by parse() in the handler (see above); documented here.
			...documented({
				summary: 'Create a target',
				status: 201,
				body: CreateTargetSchema,
				response: okOf(TargetSummarySchema),
			}),
			...negotiated(create, { view: TargetSaved, redirect: toTarget }),
		})
		.get('/targets/:id', show, {
			params: TargetIdParams,
			...documented({
				summary: 'Get a target (credentials masked)',
				response: okOf(TargetDetailSchema),
			}),
			...negotiated(show, { view: TargetDetailsFragment }),
		})
		.patch('/targets/:id', updateHandler, update)
		.put('/targets/:id', updateHandler, update)
		.post('/targets/:id', updateHandler, update)
		.delete('/targets/:id', removeHandler, remove)
		.post('/targets/:id/delete', removeHandler, remove)
}
