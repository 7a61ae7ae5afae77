import { Elysia, t, type AnyElysia, type Context } from 'elysia'
import type { Deps } from '../deps'
import { ok, page } from '../http/envelope'
import { negotiate, negotiated } from '../http/negotiate'
import { documented } from '../openapi/doc'
import { DoneSchema, okOf, pageOf } from '../openapi/schemas'
import { AssessmentIdParams, AssessmentListQuery, CreateAssessment, ReportQuery } from './model'
import { renderAssessmentReport, REPORT_TYPES } from './report'
import { AssessmentCreatedSchema, AssessmentListItemSchema, AssessmentSchema } from './responses'
import {
	cancelAssessment,
	createAssessment,
	deleteAssessment,
	getAssessment,
	listAssessments,
} from './service'

/** `/api/assessments`: consumption assessments (docs/architecture.md §4). */
// Typed as AnyElysia: one more fully typed plugin made the app's type too deep for tsc (TS2589);
// nothing reads this plugin's route types (tests call app.handle).
export const assessmentRoutes = (deps: Deps): AnyElysia => {
	const create = async ({ body, set }: { body: CreateAssessment; set: Context['set'] }) => {
		set.status = 202
		return ok(await createAssessment(deps, body), 'Assessment queued')
	}
	const cancel = async ({ params }: { params: { id: string } }) => {
		const r = await cancelAssessment(deps, params.id)
		return ok({ id: r.id, status: r.status }, r.message)
	}
	const remove = async ({ params }: { params: { id: string } }) => {
		await deleteAssessment(deps, params.id)
		return { success: true as const, message: 'Assessment deleted' }
	}
	return new Elysia({ prefix: '/api' })
		.use(negotiate)
		.post('/assessments', create, {
			body: CreateAssessment,
			...documented({
				summary: 'Start a consumption assessment (OWASP LLM10) of a target',
				description:
					'Probes (output, depth, input, rate, concurrency, spend; all by default) run as ordinary ' +
					'sessions, each stopping once it has its answer. `limits` are required and enforced across ' +
					'the whole assessment. 202 with the id and the estimate (requests, dollars). An unknown ' +
					'target is 404, an inactive or unpriced one 400, with nothing created.',
				status: 202,
				response: okOf(AssessmentCreatedSchema),
			}),
			...negotiated(create, { redirect: (r) => `/assessments/${r.data.assessmentId}` }),
		})
		.get(
			'/assessments',
			async ({ query }) => {
				const r = await listAssessments(deps, query)
				return page(r.items, r.total, r.limit, r.offset)
			},
			{
				query: AssessmentListQuery,
				...documented({
					summary: 'List assessments, newest first',
					response: pageOf(AssessmentListItemSchema),
				}),
			},
		)
		.get('/assessments/:id', async ({ params }) => ok(await getAssessment(deps, params.id)), {
			params: AssessmentIdParams,
			...documented({
				summary: 'An assessment: status, per-probe progress, findings and headline',
				response: okOf(AssessmentSchema),
			}),
		})
		.get(
			'/assessments/:id/report',
			async ({ params, query }) => {
				const format = query.format ?? 'html'
				const a = await getAssessment(deps, params.id)
				return new Response(await renderAssessmentReport(a, format), {
					headers: {
						'content-type': REPORT_TYPES[format],
						'content-disposition': `inline; filename="krawall-assessment-${a.id}.${format}"`,
						'cache-control': 'no-store',
					},
				})
			},
			{
				params: AssessmentIdParams,
				query: ReportQuery,
				...documented({
					summary: 'An assessment as a report: self-contained HTML, JSON or Markdown',
					description:
						'The headline (worst-case burn per hour and day, controls found and missing) and every ' +
						'finding with its evidence and chart; HTML has inline CSS and SVG and no script.',
					contentType: 'text/html',
					response: t.String({
						description: 'The HTML document, JSON with format=json, Markdown with format=md',
					}),
				}),
			},
		)
		.post('/assessments/:id/cancel', cancel, {
			params: AssessmentIdParams,
			...documented({
				summary: 'Cancel an assessment (400 when it has finished)',
				response: okOf(t.Object({ id: t.String(), status: t.String() })),
			}),
			...negotiated(cancel, { redirect: (r) => `/assessments/${r.data.id}` }),
		})
		.post('/assessments/:id/delete', remove, {
			params: AssessmentIdParams,
			...documented({
				summary: 'Delete an assessment (form stand-in for DELETE)',
				response: DoneSchema,
			}),
			...negotiated(remove, { redirect: () => '/assessments' }),
		})
		.delete('/assessments/:id', remove, {
			params: AssessmentIdParams,
			...documented({
				summary: 'Delete a finished assessment and the sessions its probes ran (400 while active)',
				response: DoneSchema,
			}),
		})
}
