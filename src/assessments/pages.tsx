import { asc, eq } from 'drizzle-orm'
import { Elysia } from 'elysia'
import { AssessmentPage, AssessmentsPage } from '../../views/assessments/page'
import type { Deps } from '../deps'
import { targets } from '../db/schema'
import { AssessmentIdParams, CreateAssessment } from './model'
import { estimateFor, getAssessment, listAssessments } from './service'

const targetOptions = (deps: Pick<Deps, 'db'>) =>
	deps.db
		.select({ id: targets.id, name: targets.name })
		.from(targets)
		.where(eq(targets.isActive, true))
		.orderBy(asc(targets.name))

/**
 * `/assessments` (list and start form), `POST /assessments/estimate` (the form again with its
 * estimate, nothing created) and `/assessments/:id` (live while it runs).
 */
export const assessmentPages = (deps: Deps) =>
	new Elysia()
		.get('/assessments', async () => (
			<AssessmentsPage
				items={(await listAssessments(deps, { limit: 100 })).items}
				targets={await targetOptions(deps)}
			/>
		))
		.post(
			'/assessments/estimate',
			async ({ body }) => {
				// An unknown or inactive target answers with the error page, like the API's 404/400.
				const { estimate } = await estimateFor(deps, body)
				return (
					<AssessmentsPage
						items={(await listAssessments(deps, { limit: 100 })).items}
						targets={await targetOptions(deps)}
						values={body}
						estimate={estimate}
					/>
				)
			},
			{ body: CreateAssessment },
		)
		.get(
			'/assessments/:id',
			async ({ params }) => <AssessmentPage a={await getAssessment(deps, params.id)} />,
			{
				params: AssessmentIdParams,
			},
		)
