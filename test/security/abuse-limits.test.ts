import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { count } from 'drizzle-orm'
import { scenarios, scheduledJobs, targets, webhooks } from '../../src/db/schema'
import { MAX_BODY_DEPTH } from '../../src/http/body-limits'
import { MAX_FREE_DEPTH } from '../../src/http/strict'
import { call, createTestDeps, type TestDeps } from '../helpers/deps'
import { targetBody } from '../helpers/targets'

/**
 * The API resists abuse (docs/architecture.md §8): nesting and size limits answer before any
 * walk, unknown keys are refused by name, PUT/PATCH need an object, and a refused request
 * changes no row.
 */
const LIMIT = 1024 * 1024
let deps: TestDeps
let targetId: string
let scenarioId: string
let webhookId: string
let scheduleId: string

const scenarioBody = (over: Record<string, unknown> = {}) => ({
	name: 'Limits scenario',
	flowConfig: [{ id: 's1', type: 'message', config: { message: 'hi' } }],
	...over,
})

/** `depth` nested arrays around `leaf`. */
const nest = (depth: number, leaf: unknown): unknown => {
	let v = leaf
	for (let i = 0; i < depth; i++) v = [v]
	return v
}

async function rowCounts() {
	const c = async (t: typeof targets | typeof scenarios | typeof webhooks | typeof scheduledJobs) =>
		(await deps.db.select({ n: count() }).from(t))[0].n
	return {
		targets: await c(targets),
		scenarios: await c(scenarios),
		webhooks: await c(webhooks),
		schedules: await c(scheduledJobs),
		rows: JSON.stringify([
			await deps.db.select().from(targets),
			await deps.db.select().from(scenarios),
			await deps.db.select().from(webhooks),
			await deps.db.select().from(scheduledJobs),
		]),
	}
}

beforeAll(async () => {
	deps = await createTestDeps({ env: { KRAWALL_MAX_BODY_BYTES: String(LIMIT) } })
	const t = await call(deps.app, 'POST', '/api/targets', targetBody())
	expect(t.status).toBe(201)
	targetId = t.json.data.id
	const s = await call(deps.app, 'POST', '/api/scenarios', scenarioBody())
	expect(s.status).toBe(201)
	scenarioId = s.json.data.id
	const w = await call(deps.app, 'POST', '/api/webhooks', {
		url: 'https://hooks.example.com/x',
		events: ['session.completed'],
	})
	expect(w.status).toBe(201)
	webhookId = w.json.data.id
	const j = await call(deps.app, 'POST', '/api/scheduled-jobs', {
		scenarioId,
		targetId,
		cronExpression: '0 * * * *',
	})
	expect(j.status).toBe(201)
	scheduleId = j.json.data.id
})
afterAll(async () => {
	await deps.close()
})

const ROUTES = (): [string, string][] => [
	['POST', '/api/targets'],
	['PATCH', `/api/targets/${targetId}`],
	['PUT', `/api/targets/${targetId}`],
	['POST', '/api/scenarios'],
	['PATCH', `/api/scenarios/${scenarioId}`],
	['POST', '/api/templates/validate'],
	['POST', '/api/scheduled-jobs'],
	['PATCH', `/api/scheduled-jobs/${scheduleId}`],
	['POST', '/api/webhooks'],
	['PATCH', `/api/webhooks/${webhookId}`],
	['POST', '/api/execute'],
	['POST', `/api/scenarios/from-template/rate-limit-probe`],
]

describe('nesting', () => {
	test('20,000 nested arrays (40 KB) and 100,000-deep bodies are a 400 naming the limit on every JSON route', async () => {
		const before = await rowCounts()
		for (const depth of [20_000, 100_000]) {
			const raw = '['.repeat(depth) + ']'.repeat(depth)
			for (const body of [raw, `{"name":"x","structure":${raw}}`]) {
				for (const [method, path] of ROUTES()) {
					const r = await call(deps.app, method, path, body)
					expect({ method, path, status: r.status }).toEqual({ method, path, status: 400 })
					expect(r.json.success).toBe(false)
					expect(r.json.error).toBe('Invalid request body')
					expect(r.json.message).toContain(`more than ${MAX_BODY_DEPTH} levels`)
				}
			}
		}
		expect(await rowCounts()).toEqual(before)
	})

	test('the YAML import and the editor (form) are bounded the same way', async () => {
		const before = await rowCounts()
		const flow = `name: deep\nflowConfig: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`
		const y = await call(deps.app, 'POST', '/api/scenarios/import', flow, {
			'content-type': 'application/yaml',
		})
		expect(y.status).toBe(400)
		expect(y.json.message).toContain(`more than ${MAX_BODY_DEPTH} levels`)
		// Block-style nesting has no brackets: counted in the parsed document.
		const block = Array.from({ length: 80 }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n') + ' x'
		const b = await call(deps.app, 'POST', '/api/scenarios/import', `name: deep\nmeta:\n${block}`, {
			'content-type': 'application/yaml',
		})
		expect(b.status).toBe(400)
		expect(b.json.message).toContain(`more than ${MAX_BODY_DEPTH} levels`)
		for (const path of ['/scenarios/editor', '/api/scenarios']) {
			const form = new URLSearchParams({
				name: 'x',
				'flowConfig:json': '['.repeat(100_000) + ']'.repeat(100_000),
			})
			const f = await call(deps.app, 'POST', path, form.toString(), {
				'content-type': 'application/x-www-form-urlencoded',
			})
			expect({ path, status: f.status }).toEqual({ path, status: 400 })
			expect(f.text).toContain(`more than ${MAX_BODY_DEPTH} levels`)
		}
		expect(await rowCounts()).toEqual(before)
	})

	test('free-form fields (structure, messageTemplates, protocolConfig, flow steps) are bounded with the limit named', async () => {
		const before = await rowCounts()
		const deep = nest(MAX_FREE_DEPTH + 1, 'x')
		const cases: [string, string, unknown, (string | number)[]][] = [
			[
				'POST',
				'/api/targets',
				targetBody({
					requestTemplate: { messagePath: 'messages.0.content', structure: { messages: deep } },
				}),
				['requestTemplate', 'structure'],
			],
			[
				'POST',
				'/api/targets',
				targetBody({ protocolConfig: { body: { a: deep } } }),
				['protocolConfig'],
			],
			[
				'POST',
				'/api/scenarios',
				scenarioBody({ messageTemplates: { topic: deep } }),
				['messageTemplates', 'topic'],
			],
			[
				'POST',
				'/api/scenarios',
				scenarioBody({ flowConfig: [{ id: 's1', type: 'message', config: { message: deep } }] }),
				['flowConfig', 0],
			],
			[
				'POST',
				'/api/execute',
				{ targetId, scenarioId, executionConfig: { messageTemplates: { t: deep } } },
				['executionConfig', 'messageTemplates', 't'],
			],
		]
		for (const [method, path, body, at] of cases) {
			const r = await call(deps.app, method, path, body)
			expect({ path, at, status: r.status }).toEqual({ path, at, status: 400 })
			const d = r.json.details.find((x: any) => x.code === 'too_big')
			expect(d.path.slice(0, at.length)).toEqual(at)
			expect(d.message).toContain(`${MAX_FREE_DEPTH} levels`)
		}
		// Many values: 30,000 leaves in one structure.
		const wide = await call(
			deps.app,
			'POST',
			'/api/targets',
			targetBody({
				requestTemplate: { messagePath: 'm', structure: { m: '', xs: Array(30_000).fill(1) } },
			}),
		)
		expect(wide.status).toBe(400)
		expect(wide.json.details[0]).toMatchObject({
			code: 'too_big',
			path: ['requestTemplate', 'structure', 'xs'],
			message: 'More than 20000 values',
		})
		expect(await rowCounts()).toEqual(before)
	})

	test('a NUL nested deeper than 32 levels is a 400, not a database error', async () => {
		const before = await rowCounts()
		// 30 levels inside structure (under the free-form limit), 33 from the body's root.
		const r = await call(
			deps.app,
			'POST',
			'/api/targets',
			targetBody({
				requestTemplate: {
					messagePath: 'messages.0.content',
					structure: { messages: [{ content: '' }], deep: nest(30, 'a\u0000b') },
				},
			}),
		)
		expect(r.status).toBe(400)
		expect(r.json.details[0].code).toBe('invalid_string')
		expect(r.json.details[0].path.length).toBe(33)
		expect(await rowCounts()).toEqual(before)
	})
})

describe('sizes', () => {
	test('a body over KRAWALL_MAX_BODY_BYTES is a 413 in the envelope, declared or chunked', async () => {
		const before = await rowCounts()
		const big = scenarioBody({ description: 'd'.repeat(LIMIT + 1) })
		const declared = await call(deps.app, 'POST', '/api/scenarios', big)
		expect(declared.status).toBe(413)
		expect(declared.json).toEqual({
			success: false,
			error: 'Payload too large',
			message: `The request body is larger than ${LIMIT} bytes`,
		})
		// No Content-Length: the bytes are counted as they arrive.
		const text = JSON.stringify(big)
		const chunked = new ReadableStream({
			start(c) {
				for (let i = 0; i < text.length; i += 8192)
					c.enqueue(new TextEncoder().encode(text.slice(i, i + 8192)))
				c.close()
			},
		})
		const res = await deps.app.handle(
			new Request('http://localhost/api/scenarios', {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: chunked,
			}),
		)
		expect(res.status).toBe(413)
		expect((await res.json()).error).toBe('Payload too large')
		for (const [type, body] of [
			['application/yaml', `name: big\ndescription: ${'d'.repeat(LIMIT + 1)}\n`],
			['application/x-www-form-urlencoded', `name=big&description=${'d'.repeat(LIMIT + 1)}`],
		]) {
			const r = await call(deps.app, 'POST', '/api/scenarios/import', body, {
				'content-type': type,
			})
			expect({ type, status: r.status }).toEqual({ type, status: 413 })
		}
		expect(await rowCounts()).toEqual(before)
		// Under the limit still works.
		const fine = await call(deps.app, 'POST', '/api/scenarios', scenarioBody({ description: 'ok' }))
		expect(fine.status).toBe(201)
		await call(deps.app, 'DELETE', `/api/scenarios/${fine.json.data.id}`)
	})
})

describe('unknown keys', () => {
	test('a misspelled or unknown key is a 400 naming it, everywhere a body is validated', async () => {
		const before = await rowCounts()
		const cases: [string, string, unknown, (string | number)[]][] = [
			['POST', '/api/execute', { targetId, scenarioId, maxCostUsd: 1 }, ['maxCostUsd']],
			[
				'POST',
				'/api/execute',
				{ targetId, scenarioId, executionConfig: { maxCost: 1 } },
				['executionConfig', 'maxCost'],
			],
			[
				'POST',
				'/api/webhooks',
				{
					url: 'https://hooks.example.com/y',
					events: ['metric.threshold'],
					thresholds: { errorRate: 5 },
				},
				['thresholds', 'errorRate'],
			],
			[
				'PATCH',
				`/api/webhooks/${webhookId}`,
				{ thresholds: { errorRate: 5 } },
				['thresholds', 'errorRate'],
			],
			[
				'POST',
				'/api/scenarios',
				scenarioBody({ errorHandling: { onError: 'retry', maxRetry: 3 } }),
				['errorHandling', 'maxRetry'],
			],
			['PATCH', `/api/scenarios/${scenarioId}`, { nmae: 'x' }, ['nmae']],
			['POST', '/api/targets', targetBody({ colour: 'red' }), ['colour']],
			[
				'POST',
				'/api/targets',
				targetBody({ requestTemplate: { messagePath: 'm', structure: {}, varibles: {} } }),
				['requestTemplate', 'varibles'],
			],
			[
				'POST',
				'/api/targets',
				targetBody({ protocolConfig: { timeoutMz: 5 } }),
				['protocolConfig', 'timeoutMz'],
			],
			[
				'PATCH',
				`/api/targets/${targetId}`,
				{ endpointUrl: 'https://x.example.com' },
				['endpointUrl'],
			],
			[
				'POST',
				'/api/scheduled-jobs',
				{ scenarioId, targetId, cronExpression: '0 * * * *', enabled: false },
				['enabled'],
			],
			['PATCH', `/api/scheduled-jobs/${scheduleId}`, { cron: '* * * * *' }, ['cron']],
			[
				'POST',
				'/api/templates/validate',
				{ requestTemplate: { messagePath: 'a', structure: {} }, sampleResponses: {} },
				['sampleResponses'],
			],
			['POST', '/api/scenarios/from-template/rate-limit-probe', { nme: 'x' }, ['nme']],
		]
		for (const [method, path, body, at] of cases) {
			const r = await call(deps.app, method, path, body)
			expect({ path, at, status: r.status }).toEqual({ path, at, status: 400 })
			expect(r.json.error).toBe('Validation error')
			const d = r.json.details.find((x: any) => x.code === 'unrecognized_keys')
			expect({ path, d: d?.path }).toEqual({ path, d: at })
			expect(d.message).toContain(`"${at[at.length - 1]}"`)
		}
		expect(await rowCounts()).toEqual(before)
	})

	test('the message suggests the key that was meant', async () => {
		const r = await call(deps.app, 'POST', '/api/execute', {
			targetId,
			scenarioId,
			executionConfig: { maxCost: 1 },
		})
		expect(r.json.details[0].message).toBe(
			'Unrecognized key "maxCost" (did you mean "maxCostUsd"?)',
		)
	})

	test('PUT and PATCH with a body that is not an object are a 400, not a no-op', async () => {
		const before = await rowCounts()
		const paths = [
			`/api/targets/${targetId}`,
			`/api/scenarios/${scenarioId}`,
			`/api/webhooks/${webhookId}`,
			`/api/scheduled-jobs/${scheduleId}`,
		]
		for (const path of paths)
			for (const method of ['PUT', 'PATCH'])
				for (const body of ['[1,2]', '"x"', '42', 'null', 'true']) {
					const r = await call(deps.app, method, path, body)
					expect({ method, path, body, status: r.status }).toEqual({
						method,
						path,
						body,
						status: 400,
					})
					expect(r.json.success).toBe(false)
				}
		expect(await rowCounts()).toEqual(before)
	})

	test('known keys still pass, and free-form maps keep keys of any name', async () => {
		const r = await call(
			deps.app,
			'POST',
			'/api/targets',
			targetBody({
				requestTemplate: {
					messagePath: 'messages.0.content',
					structure: { anything: { goes: [1, { here: true }] }, messages: [{ content: '' }] },
					variables: { whatever: 'x' },
				},
			}),
		)
		expect(r.status).toBe(201)
		const got = await call(deps.app, 'GET', `/api/targets/${r.json.data.id}`)
		expect(got.json.data.requestTemplate.structure.anything).toEqual({ goes: [1, { here: true }] })
		expect(got.json.data.requestTemplate.variables).toEqual({ whatever: 'x' })
		await call(deps.app, 'DELETE', `/api/targets/${r.json.data.id}`)
	})
})
