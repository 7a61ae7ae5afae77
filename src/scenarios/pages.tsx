import { Elysia, t } from 'elysia'
import { ScenarioPage } from '../../views/scenarios/detail'
import { ScenarioEditor, ScenarioEditorPage } from '../../views/scenarios/editor'
import { ScenariosPage } from '../../views/scenarios/list'
import { NewScenarioPage } from '../../views/scenarios/templates'
import type { Deps } from '../deps'
import { executeOptions } from '../sessions/pages'
import { AppError, type ErrorDetail } from '../http/errors'
import { htmlResponse, isHtmx } from '../http/negotiate'
import { listTargetOptions } from '../targets/service'
import { applyOp, draftFromBody, newStep } from './editor'
import type { EditorState } from './present'
import {
	createScenario,
	getScenario,
	getScenarioRow,
	listCategories,
	listScenarios,
	listTemplates,
	updateScenario,
	validateScenario,
} from './service'

const Filter = t.Object({ category: t.Optional(t.String()), isActive: t.Optional(t.String()) })

/** Dashboard pages for scenarios: list, new (templates), outline, and the htmx editor. */
export const scenarioPages = (deps: Deps) => {
	const editorProps = async (state: EditorState, scenarioId?: string, errors?: ErrorDetail[]) => ({
		state,
		scenarioId,
		errors: errors ?? (state.mode === 'form' ? validateScenario(state.draft) : []),
		targets: await listTargetOptions(deps),
		categories: await listCategories(deps),
	})
	return new Elysia()
		.get(
			'/scenarios',
			async ({ query }) => {
				const filter = {
					category: query.category || undefined,
					isActive:
						query.isActive === 'true' || query.isActive === 'false'
							? (query.isActive as 'true' | 'false')
							: undefined,
				}
				const [scenarios, categories] = await Promise.all([
					listScenarios(deps, filter),
					listCategories(deps),
				])
				return <ScenariosPage scenarios={scenarios} categories={categories} filter={filter} />
			},
			{ query: Filter },
		)
		.get('/scenarios/new', () => <NewScenarioPage templates={listTemplates()} />)
		.get('/scenarios/new/blank', async () => {
			const draft: Record<string, unknown> = {
				name: '',
				repetitions: 1,
				concurrency: 1,
				delayBetweenMs: 0,
				verbosityLevel: 'normal',
				flowConfig: [],
			}
			;(draft.flowConfig as unknown[]).push(newStep(draft, 'message'))
			return (
				<ScenarioEditorPage
					title="New scenario"
					{...await editorProps({ draft, mode: 'form' }, undefined, [])}
				/>
			)
		})
		.get('/scenarios/:id', async ({ params }) => {
			const [scenario, execute] = await Promise.all([
				getScenario(deps, params.id),
				executeOptions(deps),
			])
			return <ScenarioPage scenario={scenario} execute={execute} />
		})
		.get('/scenarios/:id/edit', async ({ params }) => {
			const row = await getScenarioRow(deps, params.id)
			const { id, createdAt, updatedAt, ...draft } = row
			return (
				<ScenarioEditorPage
					title={`Edit ${row.name}`}
					{...await editorProps({ draft, mode: 'form' }, id)}
				/>
			)
		})
		.post('/scenarios/editor', async ({ body, request }) => {
			const fields = (body ?? {}) as Record<string, unknown>
			const scenarioId =
				typeof fields.scenarioId === 'string' && fields.scenarioId ? fields.scenarioId : undefined
			const state = applyOp(draftFromBody(fields), fields.op, fields.yamlSource)
			let errors: ErrorDetail[] | undefined
			if (fields.op === 'save') {
				// The form's own save, for browsers without JavaScript (htmx posts to /api/scenarios).
				try {
					const saved = scenarioId
						? await updateScenario(deps, scenarioId, state.draft)
						: await createScenario(deps, state.draft)
					return new Response(null, {
						status: 303,
						headers: { location: `/scenarios/${saved.id}` },
					})
				} catch (e) {
					if (!(e instanceof AppError) || e.status !== 400) throw e
					errors = e.details ?? [{ code: 'custom', path: [], message: e.detailMessage ?? e.error }]
				}
			}
			const props = await editorProps(state, scenarioId, errors)
			if (isHtmx(request)) return htmlResponse(String(<ScenarioEditor {...props} />))
			return <ScenarioEditorPage title={scenarioId ? 'Edit scenario' : 'New scenario'} {...props} />
		})
}
