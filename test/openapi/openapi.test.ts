import SwaggerParser from '@apidevtools/swagger-parser'
import Ajv2020 from 'ajv/dist/2020'
import { describe, expect, test } from 'bun:test'
import { openApiPath } from '../../src/openapi/spec'
import { call, type TestDeps } from '../helpers/deps'
import { createPresetTarget, createScenario, useMockRun, waitForStatus } from '../helpers/mock-run'

const run = useMockRun()

async function spec(deps: TestDeps) {
	const r = await call(deps.app, 'GET', '/api/openapi.json')
	expect(r.status).toBe(200)
	return r.json
}

/** Ajv over the whole document, so `$ref: #/components/…` resolve; formats are not checked. */
function validatorFor(doc: any) {
	const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false })
	ajv.addSchema(doc, 'openapi')
	/** The validation errors of `body` against the documented response, [] when it conforms. */
	return (path: string, method: string, status: number, body: unknown) => {
		const op = doc.paths[path]?.[method]
		expect(op).toBeDefined()
		expect(op.responses[String(status)]).toBeDefined()
		const pointer = ['paths', path, method, 'responses', String(status), 'content']
			.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1'))
			.join('/')
		const validate = ajv.getSchema(`openapi#/${pointer}/application~1json/schema`)!
		return validate(body) ? [] : (validate.errors ?? [])
	}
}

describe('GET /api/openapi.json', () => {
	test('lists every registered /api route with its method', async () => {
		const doc = await spec(run.deps)
		const apiRoutes = run.deps.app.routes.filter((r) => r.path.startsWith('/api/'))
		expect(apiRoutes.length).toBeGreaterThan(40)
		const missing = apiRoutes.filter(
			(r) => !doc.paths[openApiPath(r.path)]?.[r.method.toLowerCase()],
		)
		expect(missing.map((r) => `${r.method} ${r.path}`)).toEqual([])
		// Nothing outside /api (dashboard pages, assets) is in the API document.
		expect(Object.keys(doc.paths).every((p) => p.startsWith('/api/'))).toBe(true)
		expect(doc.paths['/api/sessions/{id}'].get.parameters[0]).toMatchObject({
			name: 'id',
			in: 'path',
			required: true,
		})
	})

	test('is a valid OpenAPI 3.1 document (swagger-parser), and the validator does catch a broken one', async () => {
		const doc = await spec(run.deps)
		expect(doc.openapi).toBe('3.1.0')
		await SwaggerParser.validate(structuredClone(doc))
		const broken = structuredClone(doc)
		broken.paths['/api/sessions'].get.responses = 'none'
		await expect(SwaggerParser.validate(broken)).rejects.toThrow()
	})

	test('request schemas are the ones the routes validate with, error envelopes on every operation', async () => {
		const doc = await spec(run.deps)
		const execute = doc.paths['/api/execute'].post
		const body = execute.requestBody.content['application/json'].schema
		expect(body.required).toEqual(['targetId'])
		// Elysia's numeric-string widening is undone: the document says integer 1–1000.
		expect(body.properties.executionConfig.properties.repetitions).toEqual({
			minimum: 1,
			maximum: 1000,
			type: 'integer',
		})
		// An unknown targetId or scenarioId is a 404 (documented through `errors`).
		expect(Object.keys(execute.responses)).toEqual(['202', '400', '404', '500'])
		// Hand-validated bodies (targets) and queries (metrics) are documented through documented().
		expect(
			doc.paths['/api/targets'].post.requestBody.content['application/json'].schema.required,
		).toContain('name')
		expect(doc.paths['/api/metrics'].get.parameters.map((p: any) => p.name)).toContain('sessionId')
		for (const item of Object.values(doc.paths) as any[]) {
			for (const op of Object.values(item) as any[]) {
				expect(op.responses['500'].content['application/json'].schema.$ref).toBe(
					'#/components/schemas/ErrorEnvelope',
				)
			}
		}
		const limit = doc.paths['/api/sessions'].get.parameters.find((p: any) => p.name === 'limit')
		expect(limit).toMatchObject({ in: 'query', required: false, schema: { type: 'integer' } })
	})

	test('real responses conform to their documented schemas (Ajv)', async () => {
		const doc = await spec(run.deps)
		const problems = validatorFor(doc)
		const conforms = (path: string, method: string, status: number, body: unknown) =>
			expect(problems(path, method, status, body)).toEqual([])
		const target = await createPresetTarget(run.deps, 'openai-chat', run.mock.url)
		const scenario = await createScenario(run.deps, {
			flowConfig: [
				{ id: 'a', type: 'message', config: { message: 'Hello' } },
				{ id: 'b', type: 'message', config: { message: 'More please' } },
			],
			repetitions: 2,
		})
		const queued = await call(run.deps.app, 'POST', '/api/execute', {
			targetId: target.id,
			scenarioId: scenario.id,
		})
		expect(queued.status).toBe(202)
		conforms('/api/execute', 'post', 202, queued.json)
		const id = queued.json.data.sessionId
		await waitForStatus(run.deps, id, ['COMPLETED'])

		const health = await call(run.deps.app, 'GET', '/api/health')
		conforms('/api/health', 'get', 200, health.json)
		const list = await call(run.deps.app, 'GET', '/api/sessions')
		expect(list.json.data[0].summaryMetrics.totalMessages).toBe(4)
		conforms('/api/sessions', 'get', 200, list.json)
		const one = await call(run.deps.app, 'GET', `/api/sessions/${id}`)
		conforms('/api/sessions/{id}', 'get', 200, one.json)
		const messages = await call(run.deps.app, 'GET', `/api/sessions/${id}/messages`)
		expect(messages.json.data.length).toBe(4)
		conforms('/api/sessions/{id}/messages', 'get', 200, messages.json)

		const missing = await call(run.deps.app, 'GET', '/api/sessions/nope')
		expect(missing.status).toBe(404)
		conforms('/api/sessions/{id}', 'get', 404, missing.json)
		const bad = await call(run.deps.app, 'GET', '/api/sessions?limit=0')
		expect(bad.status).toBe(400)
		conforms('/api/sessions', 'get', 400, bad.json)
		const badBody = await call(run.deps.app, 'POST', '/api/execute', { targetId: 5 })
		expect(badBody.status).toBe(400)
		conforms('/api/execute', 'post', 400, badBody.json)

		// A wrong shape is caught: the check is not vacuous.
		const wrong = { ...one.json, data: { ...one.json.data, status: 'DONE' } }
		expect(problems('/api/sessions/{id}', 'get', 200, wrong).length).toBeGreaterThan(0)
	})
})

describe('every module documents its responses', () => {
	test('every /api operation has a summary and its own success schema, and the error envelope', async () => {
		const doc = await spec(run.deps)
		const open: string[] = []
		for (const [path, item] of Object.entries(doc.paths) as [string, any][]) {
			for (const [method, op] of Object.entries(item) as [string, any][]) {
				const [status, ok] = Object.entries(op.responses).find(([s]) => s.startsWith('2'))! as [
					string,
					any,
				]
				const schema = (Object.values(ok.content)[0] as any).schema
				if (schema.$ref === '#/components/schemas/SuccessEnvelope' || !op.summary)
					open.push(`${method.toUpperCase()} ${path} ${status}`)
				// Where a path names a resource, its 404 is the error envelope too.
				if (path.includes('{'))
					expect(op.responses['404'].content['application/json'].schema.$ref).toBe(
						'#/components/schemas/ErrorEnvelope',
					)
			}
		}
		expect(open).toEqual([])
	})

	test("each module's real responses conform to the documented schemas (Ajv)", async () => {
		const doc = await spec(run.deps)
		const problems = validatorFor(doc)
		const app = run.deps.app
		/** Calls the route and checks the answer against the operation `path` documents. */
		const check = async (
			method: string,
			url: string,
			path: string,
			status: number,
			body?: unknown,
		) => {
			const r = await call(app, method, url, body)
			expect([url, r.status]).toEqual([url, status])
			expect([url, problems(path, method.toLowerCase(), status, r.json)]).toEqual([url, []])
			return r.json
		}
		await check('GET', '/api/presets', '/api/presets', 200)
		await check('GET', '/api/presets/openai-chat', '/api/presets/{id}', 200)
		await check('GET', '/api/presets/nope', '/api/presets/{id}', 404)
		await check('POST', '/api/execute', '/api/execute', 404, {
			targetId: 'zzzzzzzzzzzzzzzzzzzzzzzz',
			executionConfig: { customMessages: ['hi'] },
		})
		await check('GET', '/api/pricing', '/api/pricing', 200)
		await check('GET', '/api/pricing/lookup?model=gpt-4o', '/api/pricing/lookup', 200)
		await check('GET', '/api/pricing/lookup?model=unknown-x', '/api/pricing/lookup', 404)

		const created = await check('POST', '/api/targets', '/api/targets', 201, {
			name: 'Documented',
			connectorType: 'HTTP_REST',
			endpoint: `${run.mock.url}/v1/chat/completions`,
			authType: 'BEARER_TOKEN',
			authConfig: { token: 'mock-key-12345' },
			requestTemplate: { messagePath: 'messages.0.content' },
			responseTemplate: { responsePath: 'choices.0.message.content' },
		})
		const tid = created.data.id
		await check('GET', '/api/targets', '/api/targets', 200)
		const detail = await check('GET', `/api/targets/${tid}`, '/api/targets/{id}', 200)
		expect(detail.data.authConfig.token).toBe('****')
		await check('PATCH', `/api/targets/${tid}`, '/api/targets/{id}', 200, { description: 'd' })
		await check('POST', `/api/targets/${tid}/test`, '/api/targets/{id}/test', 200, {})
		await check('POST', '/api/targets', '/api/targets', 400, { name: '' })
		await check('POST', '/api/templates/validate', '/api/templates/validate', 200, {
			responseTemplate: { responsePath: 'a.b' },
			sampleResponse: { a: { b: 'hi' } },
		})

		const sc = await check('POST', '/api/scenarios', '/api/scenarios', 201, {
			name: 'Documented scenario',
			flowConfig: [{ id: 'a', type: 'message', config: { message: 'Hello' } }],
		})
		const sid = sc.data.id
		await check('GET', '/api/scenarios', '/api/scenarios', 200)
		await check('GET', `/api/scenarios/${sid}`, '/api/scenarios/{id}', 200)
		await check('PATCH', `/api/scenarios/${sid}`, '/api/scenarios/{id}', 200, { description: 'd' })
		await check('GET', '/api/scenarios/templates', '/api/scenarios/templates', 200)
		const fromTemplate = await check(
			'POST',
			'/api/scenarios/from-template/token-drain',
			'/api/scenarios/from-template/{id}',
			201,
			{ name: 'From a template' },
		)
		await check('DELETE', `/api/scenarios/${fromTemplate.data.id}`, '/api/scenarios/{id}', 200)
		await check('GET', '/api/scenarios/nope', '/api/scenarios/{id}', 404)

		const q = await check('POST', '/api/execute', '/api/execute', 202, {
			targetId: tid,
			scenarioId: sid,
		})
		const session = q.data.sessionId
		await waitForStatus(run.deps, session, ['COMPLETED'])
		await check('POST', `/api/sessions/${session}/cancel`, '/api/sessions/{id}/cancel', 400)
		await check('GET', '/api/dashboard/stats', '/api/dashboard/stats', 200)
		await check('GET', '/api/dashboard/live', '/api/dashboard/live', 200)
		const metrics = await check('GET', `/api/metrics?sessionId=${session}`, '/api/metrics', 200)
		expect(metrics.data.sessions[0].metrics.messageCount).toBe(1)
		await check(
			'GET',
			`/api/metrics/sessions/${session}/series`,
			'/api/metrics/sessions/{id}/series',
			200,
		)

		const hook = await check('POST', '/api/webhooks', '/api/webhooks', 201, {
			url: 'http://127.0.0.1:9/hook',
			events: ['session.completed'],
		})
		const hid = hook.data.id
		await check('GET', '/api/webhooks', '/api/webhooks', 200)
		await check('GET', `/api/webhooks/${hid}`, '/api/webhooks/{id}', 200)
		await check('PATCH', `/api/webhooks/${hid}`, '/api/webhooks/{id}', 200, { name: 'n' })
		await check('POST', `/api/webhooks/${hid}/test`, '/api/webhooks/{id}/test', 200)
		await check('GET', `/api/webhooks/${hid}/deliveries`, '/api/webhooks/{id}/deliveries', 200)
		await check('DELETE', `/api/webhooks/${hid}`, '/api/webhooks/{id}', 200)

		const job = await check('POST', '/api/scheduled-jobs', '/api/scheduled-jobs', 201, {
			scenarioId: sid,
			targetId: tid,
			cronExpression: '0 3 * * *',
			regression: { metric: 'p95', thresholdPct: 20 },
		})
		const jid = job.data.id
		await check('GET', '/api/scheduled-jobs', '/api/scheduled-jobs', 200)
		await check(
			'GET',
			'/api/scheduled-jobs/preview?cronExpression=0%203%20*%20*%20*',
			'/api/scheduled-jobs/preview',
			200,
		)
		await check('GET', `/api/scheduled-jobs/${jid}`, '/api/scheduled-jobs/{id}', 200)
		await check(
			'POST',
			`/api/scheduled-jobs/${jid}/toggle`,
			'/api/scheduled-jobs/{id}/toggle',
			200,
			{ isEnabled: false },
		)
		await check('DELETE', `/api/scheduled-jobs/${jid}`, '/api/scheduled-jobs/{id}', 200)
		await check('GET', `/api/scheduled-jobs/${jid}`, '/api/scheduled-jobs/{id}', 404)

		// A wrong shape is caught for these schemas too.
		expect(
			problems('/api/targets/{id}', 'get', 200, { success: true, data: { id: 1 } }),
		).not.toEqual([])
	}, 60_000)
})

describe('GET /api/docs', () => {
	test('a server-rendered reference page naming every operation, no external resources', async () => {
		const doc = await spec(run.deps)
		const r = await call(run.deps.app, 'GET', '/api/docs')
		expect(r.status).toBe(200)
		expect(r.headers.get('content-type')).toContain('text/html')
		for (const [path, item] of Object.entries(doc.paths) as [string, any][]) {
			for (const [method, op] of Object.entries(item) as [string, any][]) {
				expect(r.text).toContain(`id="${op.operationId}"`)
				expect(r.text).toContain(path)
				expect(r.text).toContain(`>${method.toUpperCase()}<`)
			}
		}
		expect(r.text).not.toMatch(/(src|href)="https?:/)
	})
})
