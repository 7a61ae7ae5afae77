import { Elysia, t, type Context, type Static } from 'elysia'
import { ScenarioDetailsFragment } from '../../views/scenarios/detail'
import { ScenarioDeleted, ScenarioRows, ScenarioSaved } from '../../views/scenarios/list'
import { TemplateList } from '../../views/scenarios/templates'
import type { Deps } from '../deps'
import { list, ok } from '../http/envelope'
import { negotiate, negotiated } from '../http/negotiate'
import { parse } from '../http/validation'
import {
	FromTemplateBody,
	ScenarioCreate,
	ScenarioListQuery,
	ScenarioUpdate,
	type ScenarioCreateInput,
} from './model'
import {
	createFromTemplate,
	createScenario,
	deleteScenario,
	exportScenario,
	getScenario,
	importScenario,
	listScenarios,
	listTemplates,
	updateScenario,
} from './service'
import { documented } from '../openapi/doc'
import { DoneSchema, listOf, okOf } from '../openapi/schemas'
import {
	ScenarioDetailSchema,
	ScenarioListItemSchema,
	ScenarioSchema,
	ScenarioTemplateSchema,
} from './responses'

const Params = t.Object({ id: t.String({ minLength: 1 }) })
const YAML_TYPES = /^(application\/(x-)?yaml|text\/(x-)?yaml|text\/plain)/i
const IMPORT_PATH = '/api/scenarios/import'

type Id = { params: { id: string } }
type Status = { set: Context['set'] }
const toScenario = (r: { data: { id: string } }) => `/scenarios/${r.data.id}`

/**
 * `/api/scenarios` (the reference's Scenarios section) plus templates, YAML import/export.
 * HTML forms cannot send PATCH or DELETE: `POST /:id` and `POST /:id/delete` are their form
 * equivalents.
 */
export const scenarioRoutes = (deps: Deps) => {
	// The shared form parser keeps text fields only; an uploaded YAML file is read from a copy.
	const uploads = new WeakMap<Request, Request>()
	const index = async ({ query }: { query: Static<typeof ScenarioListQuery> }) =>
		list(await listScenarios(deps, query))
	const create = async ({ body, set }: { body: ScenarioCreateInput } & Status) => {
		const created = await createScenario(deps, body)
		set.status = 201
		return ok(created, 'Scenario created successfully')
	}
	const templates = () => list(listTemplates())
	const fromTemplate = async ({ params, body, set }: Id & { body: unknown } & Status) => {
		const created = await createFromTemplate(deps, params.id, parse(FromTemplateBody, body ?? {}))
		set.status = 201
		return ok(created, 'Scenario created successfully')
	}
	const importYaml = async ({
		request,
		body,
		set,
	}: { request: Request; body: unknown } & Status) => {
		const created = await importScenario(deps, await yamlOf(uploads.get(request), body))
		set.status = 201
		return ok(created, 'Scenario imported successfully')
	}
	const show = async ({ params }: Id) => ok(await getScenario(deps, params.id))
	const updateHandler = async ({ params, body }: Id & { body: unknown }) =>
		ok(await updateScenario(deps, params.id, body), 'Scenario updated successfully')
	const update = {
		params: Params,
		body: ScenarioUpdate,
		...documented({ summary: 'Update a scenario', response: okOf(ScenarioSchema) }),
		...negotiated(updateHandler, { view: ScenarioSaved, redirect: toScenario }),
	}
	const removeHandler = async ({ params }: Id) => {
		await deleteScenario(deps, params.id)
		return { success: true as const, message: 'Scenario deleted successfully' }
	}
	const remove = {
		params: Params,
		...documented({ summary: 'Delete a scenario', response: DoneSchema }),
		...negotiated(removeHandler, { view: ScenarioDeleted, redirect: () => '/scenarios' }),
	}
	return new Elysia({ prefix: '/api' })
		.use(negotiate)
		.onRequest(({ request }) => {
			if (
				request.method !== 'POST' ||
				!(request.headers.get('content-type') ?? '').startsWith('multipart/')
			)
				return
			if (new URL(request.url).pathname === IMPORT_PATH) uploads.set(request, request.clone())
		})
		.get('/scenarios', index, {
			query: ScenarioListQuery,
			...documented({ summary: 'List scenarios', response: listOf(ScenarioListItemSchema) }),
			...negotiated(index, { view: ScenarioRows }),
		})
		.post('/scenarios', create, {
			body: ScenarioCreate,
			...documented({
				summary: 'Create a scenario',
				status: 201,
				response: okOf(ScenarioSchema),
			}),
			...negotiated(create, { view: ScenarioSaved, redirect: toScenario }),
		})
		.get('/scenarios/templates', templates, {
			...documented({
				summary: 'The built-in scenario templates',
				response: listOf(ScenarioTemplateSchema),
			}),
			...negotiated(templates, { view: TemplateList }),
		})
		.post('/scenarios/from-template/:id', fromTemplate, {
			params: Params,
			...documented({
				summary: 'Store a template as a new scenario',
				status: 201,
				body: FromTemplateBody,
				response: okOf(ScenarioSchema),
			}),
			...negotiated(fromTemplate, {
				view: ScenarioSaved,
				redirect: (r) => `/scenarios/${r.data.id}/edit`,
			}),
		})
		.post('/scenarios/import', importYaml, {
			parse: ({ request, contentType }) =>
				YAML_TYPES.test(contentType ?? '') ? request.text() : undefined,
			...documented({
				summary: 'Import a scenario from YAML (raw body, a `yaml` field or an uploaded `file`)',
				status: 201,
				response: okOf(ScenarioSchema),
			}),
			...negotiated(importYaml, { view: ScenarioSaved, redirect: toScenario }),
		})
		.get('/scenarios/:id', show, {
			params: Params,
			...documented({ summary: 'Get a scenario', response: okOf(ScenarioDetailSchema) }),
			...negotiated(show, { view: ScenarioDetailsFragment }),
		})
		.get(
			'/scenarios/:id/export',
			async ({ params }) => {
				const { filename, yaml } = await exportScenario(deps, params.id)
				return new Response(yaml, {
					headers: {
						'content-type': 'application/yaml; charset=utf-8',
						'content-disposition': `attachment; filename="${filename}"`,
					},
				})
			},
			{
				params: Params,
				...documented({
					summary: 'Export a scenario as YAML (importable again)',
					contentType: 'application/yaml',
					response: t.String({ description: 'kind: krawall/scenario, version: 1, …' }),
				}),
			},
		)
		.patch('/scenarios/:id', updateHandler, update)
		.put('/scenarios/:id', updateHandler, update)
		.post('/scenarios/:id', updateHandler, update)
		.delete('/scenarios/:id', removeHandler, remove)
		.post('/scenarios/:id/delete', removeHandler, remove)
}

/** The YAML text of an import: an uploaded `file`, a `yaml` form field, or the raw body. */
async function yamlOf(upload: Request | undefined, body: unknown): Promise<unknown> {
	if (upload) {
		const file = (await upload.formData()).get('file')
		if (file && typeof file !== 'string' && file.size > 0) return file.text()
	}
	if (typeof body === 'string') return body
	if (body && typeof body === 'object' && 'yaml' in body) return (body as { yaml: unknown }).yaml
	return undefined
}
