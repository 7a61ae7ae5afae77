import { html } from '@elysiajs/html'
import { Elysia } from 'elysia'
import { NotFoundPage } from '../views/ui/layout'
import { authRoutes } from './auth/routes'
import { comparePages } from './compare/pages'
import { batchPages } from './batches/pages'
import { batchRoutes } from './batches/routes'
import { assessmentRoutes } from './assessments/routes'
import { assessmentPages } from './assessments/pages'
import { compareRoutes } from './compare/routes'
import { dashboardPages } from './dashboard/pages'
import { dashboardRoutes } from './dashboard/routes'
import pkg from '../package.json'
import type { Deps } from './deps'
import { scenarioPages } from './scenarios/pages'
import { scenarioRoutes } from './scenarios/routes'
import { healthRoutes } from './health/routes'
import { presetRoutes } from './presets/routes'
import type { TSchema } from '@sinclair/typebox'
import { bodyParser, indexBodySchemas, strictBodies } from './http/body'
import { errorResponse, negotiate } from './http/negotiate'
import { metricsPages } from './metrics/pages'
import { metricsRoutes } from './metrics/routes'
import { openApiRoutes } from './openapi/routes'
import { pricingRoutes } from './pricing/routes'
import { reportRoutes } from './reports/routes'
import { staticRoutes } from './http/static'
import { requestChecks } from './security/request-checks'
import { sessionPages } from './sessions/pages'
import { sessionRoutes } from './sessions/routes'
import { connectionTestRoutes } from './targets/connection-test-routes'
import { targetPages } from './targets/pages'
import { targetRoutes } from './targets/routes'
import { templateRoutes } from './templates/routes'
import { schedulePages } from './schedules/pages'
import { scheduleRoutes } from './schedules/routes'
import { webhookPages } from './webhooks/pages'
import { webhookRoutes } from './webhooks/routes'

/**
 * Builds the HTTP application without listening (tests call `app.handle(request)`).
 * Each resource contributes one routes plugin; pages compose the same services and views.
 */
export function createApp(deps: Deps) {
	// normalize 'typebox': strip unknown keys with TypeBox's Clean; Elysia's default (exact-mirror)
	// turns a string sent for an object field into an object before validation, accepting bad input.
	const bodySchemas = new Map<string, TSchema>()
	const app = new Elysia({ normalize: 'typebox' })
		.use(html({ autoDetect: true }))
		.onError({ as: 'global' }, ({ code, error, request, path }) => {
			const isPage = code === 'NOT_FOUND' && !path.startsWith('/api') && request.method === 'GET'
			if (isPage) {
				return new Response(String(NotFoundPage({ path })), {
					status: 404,
					headers: { 'content-type': 'text/html; charset=utf-8' },
				})
			}
			return errorResponse(code, error, request, (msg, fields) => deps.log.error(msg, fields))
		})
		.use(requestChecks(deps.config))
		.use(bodyParser(deps.config.maxBodyBytes))
		.use(strictBodies(bodySchemas))
		.use(authRoutes(deps))
		.use(negotiate)
		.use(staticRoutes)
		.use(healthRoutes(deps))
		.use(presetRoutes())
		.use(connectionTestRoutes(deps))
		.use(targetRoutes(deps))
		.use(templateRoutes())
		.use(targetPages(deps))
		.use(scenarioRoutes(deps))
		.use(scenarioPages(deps))
		.use(dashboardPages(deps))
		.use(dashboardRoutes(deps))
		.use(metricsRoutes(deps))
		.use(metricsPages(deps))
		.use(pricingRoutes())
		.use(reportRoutes(deps))
		.use(compareRoutes(deps))
		.use(comparePages(deps))
		.use(batchRoutes(deps))
		.use(batchPages(deps))
		.use(sessionRoutes(deps))
		.use(sessionPages(deps))
		.use(webhookRoutes(deps))
		.use(webhookPages(deps))
		.use(scheduleRoutes(deps))
		.use(schedulePages(deps))
	// A statement, not one more link of the chain: the chained app type is at tsc's depth limit (TS2589).
	app.use(assessmentRoutes(deps)).use(assessmentPages(deps))
	indexBodySchemas(app.routes, bodySchemas)
	// Last, reading the finished route table: every route above, and any added later, is documented.
	return app.use(openApiRoutes(() => app.routes, pkg.version))
}
