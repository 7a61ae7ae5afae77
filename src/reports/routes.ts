import { Elysia, t } from 'elysia'
import type { Deps } from '../deps'
import { negotiate } from '../http/negotiate'
import { documented } from '../openapi/doc'
import { IdParams } from '../sessions/model'
import { CompareReportQuery, ReportQuery, type ReportFormat } from './model'
import {
	REPORT_CONTENT_TYPE,
	renderBatchReport,
	renderComparisonReport,
	renderSessionReport,
} from './render'
import { batchReportData, comparisonReportData, sessionReportData } from './service'
import { BatchIdParams } from '../batches/model'

const respond = (body: string, format: ReportFormat, name: string) =>
	new Response(body, {
		headers: {
			'content-type': REPORT_CONTENT_TYPE[format],
			'content-disposition': `inline; filename="${name}.${format}"`,
			'cache-control': 'no-store',
		},
	})

/**
 * Shareable reports (docs/architecture.md §5 "Reports"): `GET /api/sessions/:id/report` and
 * `GET /api/sessions/compare/report?ids=…` and `GET /api/batches/:id/report`, `?format=html` (default, one self-contained file)
 * or `md`. Errors keep the JSON envelope: 400 bad format, 404 unknown, 400 not finished either.
 */
export const reportRoutes = (deps: Deps) =>
	new Elysia({ prefix: '/api' })
		.use(negotiate)
		.get(
			'/sessions/compare/report',
			async ({ query }) => {
				const format = query.format ?? 'html'
				const d = await comparisonReportData(deps, query.ids)
				return respond(
					await renderComparisonReport(d, format),
					format,
					`krawall-compare-${d.comparison.baselineId}`,
				)
			},
			{
				query: CompareReportQuery,
				...documented({
					summary: 'A comparison as a shareable report (self-contained HTML or Markdown)',
					errors: [404],
					description:
						'The comparison of GET /api/sessions/compare (same ids, same 400/404) as one HTML ' +
						'file with inline CSS and SVG charts and no script, or Markdown for a pull request.',
					contentType: 'text/html',
					response: t.String({ description: 'The HTML document, or Markdown with format=md' }),
				}),
			},
		)
		.get(
			'/sessions/:id/report',
			async ({ params, query }) => {
				const format = query.format ?? 'html'
				const d = await sessionReportData(deps, params.id)
				return respond(
					await renderSessionReport(d, format),
					format,
					`krawall-session-${d.session.id}`,
				)
			},
			{
				params: IdParams,
				query: ReportQuery,
				...documented({
					summary: "A finished session's shareable report (self-contained HTML or Markdown)",
					description:
						'Target (never its credentials), scenario, load, summary, charts, errors by type, ' +
						'rate-limit findings, cost breakdown, the slowest and the most expensive exchanges. ' +
						'400 while the session has no summary.',
					contentType: 'text/html',
					response: t.String({ description: 'The HTML document, or Markdown with format=md' }),
				}),
			},
		)
		.get(
			'/batches/:id/report',
			async ({ params, query }) => {
				const format = query.format ?? 'html'
				const d = await batchReportData(deps, params.id)
				return respond(await renderBatchReport(d, format), format, `krawall-batch-${d.batch.id}`)
			},
			{
				params: BatchIdParams,
				query: ReportQuery,
				...documented({
					summary: "A finished batch's shareable report (self-contained HTML or Markdown)",
					description:
						'The cheapest target, each target as it ran (never its credentials), the shared ' +
						'load, and the comparison of its sessions (metrics side by side, significance, ' +
						'overlaid charts). 404 unknown batch; 400 while a session still runs.',
					contentType: 'text/html',
					response: t.String({ description: 'The HTML document, or Markdown with format=md' }),
				}),
			},
		)
