import { Elysia, t } from 'elysia'
import {
	ScenarioDeleted,
	ScenarioDetailsPanel,
	ScenarioSaved,
	ScenarioTable,
	TemplateCards,
} from '../../views/scenarios'
import type { Deps } from '../deps'
import { list, ok } from '../http/envelope'
import { negotiate } from '../http/negotiate'
import { parse } from '../http/validation'
import { FromTemplateBody, ScenarioCreate, ScenarioListQuery, ScenarioUpdate } from './model'
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

const Params = t.Object({ id: t.String({ minLength: 1 }) })
const YAML_TYPES = /^(application\/(x-)?yaml|text\/(x-)?yaml|text\/plain)/i
const IMPORT_PATH = '/api/scenarios/import'

/**
 * `/api/scenarios` (the reference's Scenarios section) plus templates, YAML import/export.
 * HTML forms cannot send PATCH or DELETE: `POST /:id` and `POST /:id/delete` are their form
 * equivalents.
 */
export const scenarioRoutes = (deps: Deps) => {
	// The shared form parser keeps text fields only; an uploaded YAML file is read from a copy.
	const uploads = new WeakMap<Request, Request>()
	const update = {
		params: Params,
		body: ScenarioUpdate,
		view: ScenarioSaved,
		redirect: (r: any) => `/scenarios/${r.data.id}`,
	}
	const updateHandler = async ({ params, body }: { params: { id: string }; body: unknown }) =>
		ok(await updateScenario(deps, params.id, body), 'Scenario updated successfully')
	const remove = { params: Params, view: ScenarioDeleted, redirect: () => '/scenarios' }
	const removeHandler = async ({ params }: { params: { id: string } }) => {
		await deleteScenario(deps, params.id)
		return { success: true as const, message: 'Scenario deleted successfully' }
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
		.get('/scenarios', async ({ query }) => list(await listScenarios(deps, query)), {
			query: ScenarioListQuery,
			view: (r: any) => ScenarioTable({ scenarios: r.data }),
		})
		.post(
			'/scenarios',
			async ({ body, set }) => {
				const created = await createScenario(deps, body)
				set.status = 201
				return ok(created, 'Scenario created successfully')
			},
			{
				body: ScenarioCreate,
				view: ScenarioSaved,
				redirect: (r: any) => `/scenarios/${r.data.id}`,
			},
		)
		.get('/scenarios/templates', () => list(listTemplates()), {
			view: (r: any) => TemplateCards({ templates: r.data }),
		})
		.post(
			'/scenarios/from-template/:id',
			async ({ params, body, set }) => {
				const created = await createFromTemplate(
					deps,
					params.id,
					parse(FromTemplateBody, body ?? {}),
				)
				set.status = 201
				return ok(created, 'Scenario created successfully')
			},
			{ params: Params, view: ScenarioSaved, redirect: (r: any) => `/scenarios/${r.data.id}/edit` },
		)
		.post(
			'/scenarios/import',
			async ({ request, body, set }) => {
				const created = await importScenario(deps, await yamlOf(uploads.get(request), body))
				set.status = 201
				return ok(created, 'Scenario imported successfully')
			},
			{
				parse: ({ request, contentType }) =>
					YAML_TYPES.test(contentType ?? '') ? request.text() : undefined,
				view: ScenarioSaved,
				redirect: (r: any) => `/scenarios/${r.data.id}`,
			},
		)
		.get('/scenarios/:id', async ({ params }) => ok(await getScenario(deps, params.id)), {
			params: Params,
			view: (r: any) => ScenarioDetailsPanel({ scenario: r.data }),
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
			{ params: Params },
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
