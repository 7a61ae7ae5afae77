import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startMockServer, type MockServer } from '../../src/mock/server'
import { call, createTestDeps, type TestDeps } from '../helpers/deps'
import { targetBody } from '../helpers/targets'
import {
	envelopeProblem,
	mutations,
	ODD_FORMS,
	ODD_IDS,
	ODD_QUERIES,
	RAW_BODIES,
	type Case,
} from '../helpers/fuzz'

/**
 * Malformed input at every `/api` route (and the target and scenario pages): never a 5xx, and
 * JSON errors in the reference's envelope. Each test collects every offending request and
 * fails with the whole list, so one run shows everything that is wrong.
 */

const SECRET = 'sk-fuzz-secret-0123456789'
let deps: TestDeps
let mock: MockServer
let targetId: string
let scenarioId: string
let sessionId: string
let scheduleId: string
let webhookId: string

const scenarioBody = () => ({
	name: 'Fuzz scenario',
	description: 'for the fuzz test',
	category: 'stress',
	flowConfig: [
		{ id: 's1', type: 'message', config: { message: 'Hello {{topic}}' }, next: 's2' },
		{
			id: 's2',
			type: 'loop',
			config: {
				iterations: 2,
				bodySteps: [{ id: 's3', type: 'delay', config: { durationMs: 10 } }],
			},
		},
	],
	repetitions: 1,
	concurrency: 1,
	delayBetweenMs: 0,
	verbosityLevel: 'normal',
	messageTemplates: { topic: 'tests' },
	errorHandling: {
		onError: 'retry',
		maxRetries: 2,
		delayMs: 100,
		backoffMultiplier: 2,
		maxDelayMs: 1000,
		statusCodes: { '429': 'retry' },
	},
	isActive: true,
})

const validateBody = {
	requestTemplate: {
		messagePath: 'messages.0.content',
		structure: { model: 'gpt-4', messages: [{ role: 'user', content: '' }] },
	},
	responseTemplate: {
		responsePath: 'choices.0.message.content',
		tokenUsagePath: 'usage',
		errorPath: 'error.message',
	},
	sampleResponse: {
		choices: [{ message: { role: 'assistant', content: 'Hello!' } }],
		usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
	},
}

beforeAll(async () => {
	mock = await startMockServer({ grpcPort: false })
	deps = await createTestDeps()
	const t = await call(
		deps.app,
		'POST',
		'/api/targets',
		targetBody({ endpoint: `${mock.url}/v1/chat/completions`, authConfig: { token: SECRET } }),
	)
	targetId = t.json.data.id
	const s = await call(deps.app, 'POST', '/api/scenarios', { ...scenarioBody(), targetId })
	scenarioId = s.json.data.id
	const e = await call(deps.app, 'POST', '/api/execute', { targetId, scenarioId })
	sessionId = e.json.data.sessionId
	const j = await call(deps.app, 'POST', '/api/scheduled-jobs', {
		scenarioId,
		cronExpression: '0 */6 * * *',
		timezone: 'UTC',
	})
	scheduleId = j.json.data.id
	const w = await call(deps.app, 'POST', '/api/webhooks', {
		url: 'https://hooks.example.com/in',
		events: ['session.completed'],
	})
	webhookId = w.json.data.id
	for (const [name, id] of Object.entries({
		targetId,
		scenarioId,
		sessionId,
		scheduleId,
		webhookId,
	})) {
		if (typeof id !== 'string') throw new Error(`fixture ${name} was not created`)
	}
}, 60_000)
afterAll(async () => {
	await deps?.close()
	await mock?.stop()
})

/** Sends every case; returns "label → problem" for each response that breaks the contract. */
async function run(cases: Case[], opts: { json?: boolean } = {}): Promise<string[]> {
	const problems: string[] = []
	for (const c of cases) {
		const r = await call(deps.app, c.method, c.path, c.body, c.headers)
		// A form post (urlencoded or multipart) is answered in HTML, even its errors.
		const isForm = /form/.test(c.headers?.['content-type'] ?? '')
		const p = r.text.includes(SECRET)
			? "the target's secret is in the response"
			: envelopeProblem(r, { json: (opts.json ?? true) && !isForm })
		if (p) problems.push(`${c.method} ${c.path.slice(0, 80)} [${c.label}] → ${p}`)
	}
	return problems
}

const jsonCases = (
	method: string,
	path: string,
	valid: Record<string, unknown>,
	maxDepth?: number,
): Case[] => [
	...mutations(valid, { maxDepth }).map((m) => ({ label: m.label, method, path, body: m.body })),
	...rawCases(method, path),
]

const rawCases = (method: string, path: string): Case[] =>
	RAW_BODIES.map((b) => ({
		label: b.label,
		method,
		path,
		body: b.body,
		headers: { 'content-type': b.contentType ?? 'application/json' },
	}))

const formCases = (method: string, path: string, htmx = false): Case[] =>
	ODD_FORMS.map((f) => ({
		label: `form: ${f.label}${htmx ? ' (htmx)' : ''}`,
		method,
		path,
		body: new URLSearchParams(f.fields).toString(),
		headers: {
			'content-type': 'application/x-www-form-urlencoded',
			...(htmx ? { 'hx-request': 'true' } : {}),
		},
	}))

const idCases = (method: string, template: string, body?: unknown): Case[] =>
	ODD_IDS.map(([label, id]) => ({
		label: `id: ${label}`,
		method,
		path: template.replace(':id', id),
		body,
	}))

const queryCases = (path: string): Case[] =>
	ODD_QUERIES.map((q) => ({
		label: `query: ${q.slice(0, 40)}`,
		method: 'GET',
		path: `${path}?${q}`,
	}))

/** Form posts answer with HTML (a fragment or a redirect): only "never a 5xx" applies. */
const expectNone = (problems: string[]) => expect(problems).toEqual([])

describe('targets', () => {
	test('POST /api/targets: every field wrong, raw and form bodies', async () => {
		const path = '/api/targets'
		expectNone(await run(jsonCases('POST', path, targetBody())))
		expectNone(
			await run([...formCases('POST', path), ...formCases('POST', path, true)], { json: false }),
		)
	}, 600_000)

	test('PATCH, PUT and POST /api/targets/:id', async () => {
		const path = `/api/targets/${targetId}`
		expectNone(await run(jsonCases('PATCH', path, targetBody())))
		expectNone(
			await run([
				...rawCases('PUT', path),
				...idCases('PUT', '/api/targets/:id', { name: 'x' }),
				...idCases('PATCH', '/api/targets/:id', { name: 'x' }),
			]),
		)
		expectNone(
			await run([...formCases('POST', path), ...formCases('POST', path, true)], { json: false }),
		)
	}, 600_000)

	test('GET /api/targets and /api/targets/:id', async () => {
		expectNone(await run([...queryCases('/api/targets'), ...idCases('GET', '/api/targets/:id')]))
	}, 120_000)

	test('DELETE /api/targets/:id and its form equivalent', async () => {
		expectNone(
			await run([
				...idCases('DELETE', '/api/targets/:id'),
				...idCases('POST', '/api/targets/:id/delete'),
				...rawCases('DELETE', '/api/targets/clwxyz000000000000000000'),
			]),
		)
	}, 120_000)

	test('POST /api/targets/:id/test', async () => {
		const path = `/api/targets/${targetId}/test`
		expectNone(
			await run([
				...jsonCases('POST', path, { message: 'Hi', timeoutMs: 5000 }),
				...idCases('POST', '/api/targets/:id/test', {}),
			]),
		)
		expectNone(await run(formCases('POST', path, true), { json: false }))
	}, 600_000)

	test('target pages', async () => {
		const cases: Case[] = [
			...queryCases('/targets'),
			...queryCases('/targets/new'),
			...queryCases('/targets/auth-fields'),
			...idCases('GET', '/targets/:id'),
			...idCases('GET', '/targets/:id/edit'),
			...idCases('GET', '/targets/:id/delete'),
		]
		expectNone(await run(cases, { json: false }))
	}, 120_000)
})

describe('presets and templates', () => {
	test('GET /api/presets and /api/presets/:id', async () => {
		expectNone(await run([...queryCases('/api/presets'), ...idCases('GET', '/api/presets/:id')]))
	}, 120_000)

	test('POST /api/templates/validate', async () => {
		const path = '/api/templates/validate'
		expectNone(await run(jsonCases('POST', path, validateBody, 4)))
		expectNone(
			await run([...formCases('POST', path), ...formCases('POST', path, true)], { json: false }),
		)
	}, 600_000)
})

describe('scenarios', () => {
	test('POST /api/scenarios', async () => {
		const path = '/api/scenarios'
		expectNone(await run(jsonCases('POST', path, { ...scenarioBody(), targetId }, 4)))
		expectNone(
			await run([...formCases('POST', path), ...formCases('POST', path, true)], { json: false }),
		)
	}, 600_000)

	test('PATCH, PUT and POST /api/scenarios/:id', async () => {
		const path = `/api/scenarios/${scenarioId}`
		expectNone(await run(jsonCases('PATCH', path, scenarioBody(), 4)))
		expectNone(
			await run([
				...rawCases('PUT', path),
				...idCases('PUT', '/api/scenarios/:id', { name: 'x' }),
				...idCases('PATCH', '/api/scenarios/:id', { name: 'x' }),
			]),
		)
		expectNone(
			await run([...formCases('POST', path), ...formCases('POST', path, true)], { json: false }),
		)
	}, 600_000)

	test('GET, DELETE, export, templates, from-template', async () => {
		const cases: Case[] = [
			...queryCases('/api/scenarios'),
			...queryCases('/api/scenarios/templates'),
			...idCases('GET', '/api/scenarios/:id'),
			...idCases('GET', '/api/scenarios/:id/export'),
			...idCases('DELETE', '/api/scenarios/:id'),
			...idCases('POST', '/api/scenarios/:id/delete'),
			...idCases('POST', '/api/scenarios/from-template/:id', {}),
			...jsonCases('POST', '/api/scenarios/from-template/stress-repetitive-verbose', {
				name: 'From template',
				targetId,
			}),
		]
		expectNone(await run(cases))
	}, 600_000)

	test('POST /api/scenarios/import', async () => {
		const path = '/api/scenarios/import'
		const yaml = (body: string) => ({
			label: `yaml: ${body.slice(0, 30)}`,
			method: 'POST',
			path,
			body,
			headers: { 'content-type': 'application/yaml' },
		})
		const cases: Case[] = [
			...rawCases('POST', path),
			yaml(''),
			yaml('- just\n- a list'),
			yaml('name: [unclosed'),
			yaml('a: &a [*a]'),
			yaml('a: &x ' + '[*x, *x, *x, *x, *x, *x, *x, *x, *x]'),
			yaml(
				`a: &a ["lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]`,
			),
			yaml('kind: other/thing\nname: x'),
			yaml('name: x\nflowConfig: "not a list"'),
			yaml('name: x\nflowConfig:\n  - id: 1\n    type: message\n    config: 7'),
			yaml('!!binary aGVsbG8='),
			yaml('name: !!js/function "function(){}"\nflowConfig: []'),
			yaml('name: x\nflowConfig: []\nrepetitions: .inf'),
			yaml('? [a, b]\n: complex key'),
			yaml('name: "a\\0b"\nflowConfig:\n  - {id: s1, type: message, config: {message: hi}}'),
			yaml('y'.repeat(1_100_000)),
			...formCases('POST', path, true),
		]
		expectNone(await run(cases.slice(0, -ODD_FORMS.length)))
		expectNone(await run(cases.slice(-ODD_FORMS.length), { json: false }))
	}, 600_000)

	test('scenario pages and the editor', async () => {
		const cases: Case[] = [
			...queryCases('/scenarios'),
			...idCases('GET', '/scenarios/:id'),
			...idCases('GET', '/scenarios/:id/edit'),
			...formCases('POST', '/scenarios/editor'),
			...formCases('POST', '/scenarios/editor', true),
			...[
				['op', 'add:message:flowConfig.99'],
				['op', 'remove:../../x'],
				['op', 'move:a:b'],
				['op', 'nest:__proto__'],
				['op', 'save'],
				['op', 'yaml'],
				['yamlSource', '[unclosed'],
				['op', 'x'.repeat(10_000)],
			].map(([k, v]) => ({
				label: `editor ${k}=${v!.slice(0, 30)}`,
				method: 'POST',
				path: '/scenarios/editor',
				body: new URLSearchParams([
					[k!, v!],
					['scenarioId', 'nope'],
				]).toString(),
				headers: { 'content-type': 'application/x-www-form-urlencoded', 'hx-request': 'true' },
			})),
			...rawCases('POST', '/scenarios/editor'),
		]
		expectNone(await run(cases, { json: false }))
	}, 600_000)
})

describe('text the database cannot store', () => {
	const detail = (r: { json: any }) =>
		r.json.details?.map((d: any) => ({ code: d.code, path: d.path }))

	test('a NUL or an unpaired surrogate in a field is a 400 naming the field', async () => {
		const name = await call(deps.app, 'POST', '/api/targets', targetBody({ name: 'a\u0000b' }))
		expect({ status: name.status, error: name.json.error, details: detail(name) }).toEqual({
			status: 400,
			error: 'Validation error',
			details: [{ code: 'invalid_string', path: ['name'] }],
		})
		const model = await call(deps.app, 'PATCH', `/api/targets/${targetId}`, {
			requestTemplate: {
				messagePath: 'messages.0.content',
				structure: { model: 'gpt\ud800', messages: [] },
			},
		})
		expect(model.status).toBe(400)
		expect(detail(model)).toEqual([
			{ code: 'invalid_string', path: ['requestTemplate', 'structure', 'model'] },
		])
		const flow = scenarioBody()
		;(flow.flowConfig[0]!.config as { message: string }).message = 'hi\u0000'
		const step = await call(deps.app, 'POST', '/api/scenarios', flow)
		expect(step.status).toBe(400)
		expect(detail(step)).toEqual([
			{ code: 'invalid_string', path: ['flowConfig', 0, 'config', 'message'] },
		])
		const category = await call(deps.app, 'GET', '/api/scenarios?category=%00')
		expect(category.status).toBe(400)
		expect(detail(category)).toEqual([{ code: 'invalid_string', path: ['category'] }])
	})

	test("a target's error text with a NUL or a lone surrogate is recorded, made storable", async () => {
		const odd = Bun.serve({
			port: 0,
			hostname: '127.0.0.1',
			fetch: () =>
				new Response('{"error":{"message":"bad\\u0000reply\\ud800"}}', {
					status: 400,
					headers: { 'content-type': 'application/json' },
				}),
		})
		try {
			const created = await call(
				deps.app,
				'POST',
				'/api/targets',
				targetBody({ endpoint: `http://127.0.0.1:${odd.port}/chat` }),
			)
			const id = created.json.data.id
			const r = await call(deps.app, 'POST', `/api/targets/${id}/test`, { timeoutMs: 5000 })
			expect(r.status).toBe(200)
			expect(r.json.data.healthy).toBe(false)
			const t = await call(deps.app, 'GET', `/api/targets/${id}`)
			expect(t.json.data.lastTestError).toContain('bad\ufffdreply\ufffd')
		} finally {
			odd.stop(true)
		}
	})

	test('an id with a NUL is simply not found', async () => {
		expect((await call(deps.app, 'GET', '/api/targets/a%00b')).json).toEqual({
			success: false,
			error: 'Target not found',
		})
		expect((await call(deps.app, 'GET', '/api/scenarios/a%00b')).json).toEqual({
			success: false,
			error: 'Scenario not found',
		})
		const test404 = await call(deps.app, 'POST', '/api/targets/a%00b/test', {})
		expect(test404.status).toBe(404)
	})
})

/**
 * Other engineers' routes, read-only here: the same contract. A failure names the route, the
 * body and the response for the owner to fix.
 *
 * Text Postgres cannot store (NUL, lone surrogates) is refused for every route by one guard in
 * src/http/negotiate.tsx: a 400 in a body or query, a 404 in a path id.
 */
describe('other areas', () => {
	test('POST /api/execute', async () => {
		const path = '/api/execute'
		const valid = {
			targetId,
			scenarioId,
			executionConfig: {
				repetitions: 1,
				concurrency: 1,
				delayBetweenMs: 0,
				messageTemplates: { a: 'b' },
				verbosityLevel: 'normal',
				customMessages: ['hi'],
			},
		}
		expectNone(await run(jsonCases('POST', path, valid)))
		expectNone(
			await run([...formCases('POST', path), ...formCases('POST', path, true)], { json: false }),
		)
	}, 600_000)

	test('sessions', async () => {
		const cases: Case[] = [
			...queryCases('/api/sessions'),
			...idCases('GET', '/api/sessions/:id'),
			...idCases('GET', '/api/sessions/:id/messages'),
			...queryCases(`/api/sessions/${sessionId}/messages`),
			...idCases('GET', '/api/sessions/:id/stream'),
			...idCases('POST', '/api/sessions/:id/cancel'),
			...idCases('POST', '/api/sessions/:id/restart'),
			...idCases('DELETE', '/api/sessions/:id'),
			...idCases('POST', '/api/sessions/:id/delete'),
			...rawCases('POST', `/api/sessions/clwxyz000000000000000000/cancel`),
		]
		expectNone(await run(cases))
	}, 600_000)

	test('scheduled jobs', async () => {
		const valid = {
			name: 'Nightly',
			scenarioId,
			targetId,
			cronExpression: '0 */6 * * *',
			timezone: 'UTC',
			isEnabled: true,
		}
		const cases: Case[] = [
			...jsonCases('POST', '/api/scheduled-jobs', valid),
			...jsonCases('PATCH', `/api/scheduled-jobs/${scheduleId}`, valid),
			...rawCases('PUT', `/api/scheduled-jobs/${scheduleId}`),
			...jsonCases('POST', `/api/scheduled-jobs/${scheduleId}/toggle`, { isEnabled: false }),
			...queryCases('/api/scheduled-jobs'),
			...queryCases('/api/scheduled-jobs/preview'),
			...[
				'cronExpression=*%20*',
				'cronExpression=99%2099%2099%2099%2099',
				'cronExpression=*/0%20*%20*%20*%20*',
				'timezone=Mars/Olympus',
				'cronExpression=0%200%2030%202%20*',
			].map((q) => ({
				label: `preview ${q}`,
				method: 'GET',
				path: `/api/scheduled-jobs/preview?${q}`,
			})),
			...idCases('GET', '/api/scheduled-jobs/:id'),
			...idCases('PATCH', '/api/scheduled-jobs/:id', { isEnabled: true }),
			...idCases('DELETE', '/api/scheduled-jobs/:id'),
			...idCases('POST', '/api/scheduled-jobs/:id/delete'),
		]
		expectNone(await run(cases))
		expectNone(
			await run(
				[
					...formCases('POST', '/api/scheduled-jobs'),
					...formCases('POST', `/api/scheduled-jobs/${scheduleId}`, true),
				],
				{ json: false },
			),
		)
	}, 600_000)

	test('webhooks', async () => {
		const valid = {
			name: 'Hook',
			url: 'https://hooks.example.com/in',
			events: ['session.completed', 'metric.threshold'],
			secret: 's'.repeat(20),
			isActive: true,
			retryPolicy: { maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 1000 },
			thresholds: { errorRatePercent: 5, p95ResponseTimeMs: 1000 },
		}
		const cases: Case[] = [
			...jsonCases('POST', '/api/webhooks', valid),
			...jsonCases('PATCH', `/api/webhooks/${webhookId}`, valid),
			...rawCases('PUT', `/api/webhooks/${webhookId}`),
			...idCases('GET', '/api/webhooks/:id'),
			...idCases('GET', '/api/webhooks/:id/deliveries'),
			...queryCases(`/api/webhooks/${webhookId}/deliveries`),
			...idCases('POST', '/api/webhooks/:id/test', {}),
			...idCases('DELETE', '/api/webhooks/:id'),
			...idCases('POST', '/api/webhooks/:id/delete'),
		]
		expectNone(await run(cases))
		expectNone(
			await run(
				[
					...formCases('POST', '/api/webhooks'),
					...formCases('POST', `/api/webhooks/${webhookId}`, true),
				],
				{ json: false },
			),
		)
	}, 600_000)

	test('metrics, dashboard, health', async () => {
		const cases: Case[] = [
			...queryCases('/api/metrics'),
			...queryCases('/api/metrics/export'),
			...ODD_QUERIES.map((q) => ({
				label: `export ${q.slice(0, 30)}`,
				method: 'GET',
				path: `/api/metrics/export?sessionId=${sessionId}&${q}`,
			})),
			...idCases('GET', '/api/metrics/export?sessionId=:id'),
			...idCases('GET', '/api/metrics/sessions/:id/series'),
			...queryCases('/api/dashboard/stats'),
			...queryCases('/api/dashboard/live'),
			...queryCases('/api/health'),
		]
		expectNone(await run(cases))
	}, 600_000)
})

describe('after all that', () => {
	test("no log line holds the target's secret", () => {
		expect(deps.logs.length).toBeGreaterThan(0)
		expect(deps.logs.filter((l) => l.includes(SECRET))).toEqual([])
	})
})

describe('form decoding', () => {
	test('an index past the bound drops the field instead of building a huge sparse array', async () => {
		const { decodeForm } = await import('../../src/http/form')
		expect(
			decodeForm([
				['flowConfig[99999999].type', 'message'],
				['name', 'x'],
			]),
		).toEqual({ name: 'x' })
		expect(decodeForm([['list[3]', 'x']])).toEqual({ list: [undefined, undefined, undefined, 'x'] })
	})
})
