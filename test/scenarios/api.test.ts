import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { scheduledJobs, sessions, targets } from '../../src/db/schema'
import { call, createTestDeps, form, type TestDeps } from '../helpers/deps'
import { unrunSnapshot } from '../helpers/seed'

let deps: TestDeps
beforeAll(async () => {
	deps = await createTestDeps()
})
afterAll(async () => {
	await deps.close()
})

const flow = [
	{ id: 'hello', type: 'message', config: { message: 'Hello {{name}}' }, next: 'repeat' },
	{ id: 'skipped', type: 'message', config: { message: 'never' } },
	{
		id: 'repeat',
		type: 'loop',
		config: {
			iterations: 3,
			steps: [
				{
					id: 'check',
					type: 'conditional',
					config: {
						condition: 'contains:sorry',
						then: [{ id: 'again', type: 'message', config: { message: 'please' } }],
					},
				},
			],
		},
	},
]
const valid = (over: Record<string, unknown> = {}) => ({
	name: 'Stress test',
	description: 'High-volume repetitive prompts',
	category: 'stress',
	flowConfig: flow,
	repetitions: 5,
	concurrency: 2,
	delayBetweenMs: 100,
	verbosityLevel: 'verbose',
	messageTemplates: { name: 'Ada' },
	...over,
})

async function makeTarget() {
	const [t] = await deps.db
		.insert(targets)
		.values({
			name: 'Bot',
			connectorType: 'HTTP_REST',
			endpoint: 'http://127.0.0.1:9/x',
			requestTemplate: { messagePath: 'm' },
			responseTemplate: { responsePath: 'r' },
		})
		.returning()
	return t
}

describe('POST /api/scenarios', () => {
	test('201 with the stored, canonical scenario', async () => {
		const r = await call(deps.app, 'POST', '/api/scenarios', valid())
		expect(r.status).toBe(201)
		expect(r.json.message).toBe('Scenario created successfully')
		expect(r.json.data).toMatchObject({
			name: 'Stress test',
			category: 'stress',
			repetitions: 5,
			concurrency: 2,
			verbosityLevel: 'verbose',
			isActive: true,
		})
		expect(r.json.data.flowConfig[2].config.steps[0].config.else).toBeUndefined()
		expect(typeof r.json.data.id).toBe('string')
	})

	test('defaults: repetitions 1, concurrency 1, delay 0, normal, active', async () => {
		const r = await call(deps.app, 'POST', '/api/scenarios', {
			name: 'Minimal',
			flowConfig: [{ id: 'a', type: 'message', config: { message: 'hi' } }],
		})
		expect(r.status).toBe(201)
		expect(r.json.data).toMatchObject({
			repetitions: 1,
			concurrency: 1,
			delayBetweenMs: 0,
			verbosityLevel: 'normal',
			isActive: true,
			messageTemplates: {},
		})
	})

	test('aliases are stored in canonical form', async () => {
		const r = await call(deps.app, 'POST', '/api/scenarios', {
			name: 'Aliases',
			flowConfig: [
				{ id: 'a', type: 'message', content: 'flat content' },
				{
					id: 'b',
					type: 'conditional',
					config: {
						condition: 'failed',
						thenSteps: [{ id: 'c', type: 'message', config: { content: 'x' } }],
						elseSteps: [],
					},
				},
				{
					id: 'd',
					type: 'loop',
					config: {
						iterations: 2,
						bodySteps: [{ id: 'e', type: 'delay', config: { durationMs: 5 } }],
					},
				},
			],
		})
		expect(r.status).toBe(201)
		expect(r.json.data.flowConfig).toEqual([
			{ id: 'a', type: 'message', config: { message: 'flat content' } },
			{
				id: 'b',
				type: 'conditional',
				config: {
					condition: 'failed',
					then: [{ id: 'c', type: 'message', config: { message: 'x' } }],
					else: [],
				},
			},
			{
				id: 'd',
				type: 'loop',
				config: { iterations: 2, steps: [{ id: 'e', type: 'delay', config: { durationMs: 5 } }] },
			},
		])
	})

	test('a missing name is a 400 with the reference detail', async () => {
		const r = await call(deps.app, 'POST', '/api/scenarios', { flowConfig: flow })
		expect(r.status).toBe(400)
		expect(r.json.error).toBe('Validation error')
		expect(r.json.details).toContainEqual({
			code: 'invalid_type',
			expected: 'string',
			received: 'undefined',
			path: ['name'],
			message: 'Required',
		})
	})

	test('an unknown targetId is a 400 on targetId; a real one is kept', async () => {
		const bad = await call(deps.app, 'POST', '/api/scenarios', valid({ targetId: 'nope' }))
		expect(bad.status).toBe(400)
		expect(bad.json.details[0].path).toEqual(['targetId'])
		const t = await makeTarget()
		const good = await call(deps.app, 'POST', '/api/scenarios', valid({ targetId: t.id }))
		expect(good.status).toBe(201)
		const got = await call(deps.app, 'GET', `/api/scenarios/${good.json.data.id}`)
		expect(got.json.data.target).toEqual({ id: t.id, name: 'Bot' })
	})
})

describe('GET /api/scenarios', () => {
	test('items carry _count.sessions and stepCount; filters by category and isActive', async () => {
		const a = await call(
			deps.app,
			'POST',
			'/api/scenarios',
			valid({ name: 'Filter A', category: 'filter-cat' }),
		)
		await call(
			deps.app,
			'POST',
			'/api/scenarios',
			valid({ name: 'Filter B', category: 'filter-cat', isActive: false }),
		)
		const t = await makeTarget()
		await deps.db
			.insert(sessions)
			.values({ targetId: t.id, scenarioId: a.json.data.id, executionConfig: unrunSnapshot() })
		const r = await call(deps.app, 'GET', '/api/scenarios?category=filter-cat')
		expect(r.status).toBe(200)
		expect(r.json.count).toBe(2)
		const item = r.json.data.find((s: any) => s.name === 'Filter A')
		expect(item._count).toEqual({ sessions: 1 })
		expect(item.stepCount).toBe(5)
		expect(item.flowConfig).toBeUndefined()
		const inactive = await call(
			deps.app,
			'GET',
			'/api/scenarios?category=filter-cat&isActive=false',
		)
		expect(inactive.json.data.map((s: any) => s.name)).toEqual(['Filter B'])
	})

	test('a bad isActive filter is a 400 with details', async () => {
		const r = await call(deps.app, 'GET', '/api/scenarios?isActive=maybe')
		expect(r.status).toBe(400)
		expect(r.json.details[0].path).toEqual(['isActive'])
	})
})

describe('GET /api/scenarios/:id', () => {
	test('details with target null and sessionCount', async () => {
		const c = await call(deps.app, 'POST', '/api/scenarios', valid())
		const r = await call(deps.app, 'GET', `/api/scenarios/${c.json.data.id}`)
		expect(r.status).toBe(200)
		expect(r.json.data).toMatchObject({
			id: c.json.data.id,
			target: null,
			sessionCount: 0,
			delayBetweenMs: 100,
			messageTemplates: { name: 'Ada' },
		})
		expect(r.json.data.flowConfig).toHaveLength(3)
	})

	test('404', async () => {
		const r = await call(deps.app, 'GET', '/api/scenarios/missing')
		expect(r.status).toBe(404)
		expect(r.json).toEqual({ success: false, error: 'Scenario not found' })
	})
})

describe('PATCH / PUT /api/scenarios/:id', () => {
	test('updates given fields only', async () => {
		const c = await call(deps.app, 'POST', '/api/scenarios', valid())
		const r = await call(deps.app, 'PATCH', `/api/scenarios/${c.json.data.id}`, {
			name: 'Updated Scenario',
			repetitions: 10,
		})
		expect(r.status).toBe(200)
		expect(r.json.message).toBe('Scenario updated successfully')
		expect(r.json.data).toMatchObject({
			name: 'Updated Scenario',
			repetitions: 10,
			concurrency: 2,
			category: 'stress',
		})
		const p = await call(deps.app, 'PUT', `/api/scenarios/${c.json.data.id}`, { concurrency: 3 })
		expect(p.json.data.concurrency).toBe(3)
	})

	test('removing a template variable the flow uses is refused', async () => {
		const c = await call(deps.app, 'POST', '/api/scenarios', valid())
		const r = await call(deps.app, 'PATCH', `/api/scenarios/${c.json.data.id}`, {
			messageTemplates: {},
		})
		expect(r.status).toBe(400)
		expect(r.json.details[0].path).toEqual(['flowConfig', 0, 'config', 'message'])
		const still = await call(deps.app, 'GET', `/api/scenarios/${c.json.data.id}`)
		expect(still.json.data.messageTemplates).toEqual({ name: 'Ada' })
	})

	test('an invalid flow is never stored', async () => {
		const c = await call(deps.app, 'POST', '/api/scenarios', valid())
		const r = await call(deps.app, 'PATCH', `/api/scenarios/${c.json.data.id}`, {
			flowConfig: [{ id: 'x', type: 'teleport', config: {} }],
		})
		expect(r.status).toBe(400)
		expect(r.json.details[0].path).toEqual(['flowConfig', 0, 'type'])
		const still = await call(deps.app, 'GET', `/api/scenarios/${c.json.data.id}`)
		expect(still.json.data.flowConfig).toHaveLength(3)
	})

	test('400 for out-of-range fields, 404 for a missing scenario', async () => {
		const c = await call(deps.app, 'POST', '/api/scenarios', valid())
		const bad = await call(deps.app, 'PATCH', `/api/scenarios/${c.json.data.id}`, {
			concurrency: 101,
		})
		expect(bad.status).toBe(400)
		expect(bad.json.details[0]).toMatchObject({ code: 'too_big', path: ['concurrency'] })
		const missing = await call(deps.app, 'PATCH', '/api/scenarios/missing', { name: 'x' })
		expect(missing.status).toBe(404)
	})
})

describe('DELETE /api/scenarios/:id', () => {
	test('deletes; then 404', async () => {
		const c = await call(deps.app, 'POST', '/api/scenarios', valid())
		const r = await call(deps.app, 'DELETE', `/api/scenarios/${c.json.data.id}`)
		expect(r.status).toBe(200)
		expect(r.json).toEqual({ success: true, message: 'Scenario deleted successfully' })
		expect((await call(deps.app, 'DELETE', `/api/scenarios/${c.json.data.id}`)).status).toBe(404)
	})

	test('refused with the reference 400 while sessions exist', async () => {
		const c = await call(deps.app, 'POST', '/api/scenarios', valid())
		const t = await makeTarget()
		for (let i = 0; i < 3; i++)
			await deps.db
				.insert(sessions)
				.values({ targetId: t.id, scenarioId: c.json.data.id, executionConfig: unrunSnapshot() })
		const r = await call(deps.app, 'DELETE', `/api/scenarios/${c.json.data.id}`)
		expect(r.status).toBe(400)
		expect(r.json).toEqual({
			success: false,
			error: 'Cannot delete scenario with existing sessions',
			message:
				'This scenario has 3 session(s). Delete sessions first or archive the scenario instead.',
		})
	})

	test('refused the same way while scheduled jobs exist', async () => {
		const c = await call(deps.app, 'POST', '/api/scenarios', valid())
		await deps.db
			.insert(scheduledJobs)
			.values({ scenarioId: c.json.data.id, cronExpression: '0 * * * *' })
		const r = await call(deps.app, 'DELETE', `/api/scenarios/${c.json.data.id}`)
		expect(r.status).toBe(400)
		expect(r.json).toEqual({
			success: false,
			error: 'Cannot delete scenario with existing scheduled jobs',
			message:
				'This scenario has 1 scheduled job(s). Delete the schedules first or archive the scenario instead.',
		})
	})

	test('form delete redirects to the list', async () => {
		const c = await call(deps.app, 'POST', '/api/scenarios', valid())
		const r = await form(deps.app, `/api/scenarios/${c.json.data.id}/delete`, {})
		expect(r.status).toBe(303)
		expect(r.headers.get('location')).toBe('/scenarios')
	})
})

describe('templates', () => {
	test('GET /api/scenarios/templates lists at least 12 across the required categories', async () => {
		const r = await call(deps.app, 'GET', '/api/scenarios/templates')
		expect(r.status).toBe(200)
		expect(r.json.count).toBeGreaterThanOrEqual(12)
		const cats = new Set(r.json.data.map((t: any) => t.category))
		for (const c of [
			'stress',
			'structured-output',
			'context',
			'long-form',
			'edge-cases',
			'rapid-fire',
			'branching',
			'cost-attack',
		])
			expect(cats).toContain(c)
		const ids = r.json.data.map((t: any) => t.id)
		for (const id of [
			'token-drain',
			'escalation-flood',
			'context-window-stuffing',
			'polite-persistent-requester',
		])
			expect(ids).toContain(id)
	})

	test('POST /api/scenarios/from-template/:id creates a scenario; 404 for an unknown one', async () => {
		const r = await call(deps.app, 'POST', '/api/scenarios/from-template/token-drain', {
			name: 'My drain',
		})
		expect(r.status).toBe(201)
		expect(r.json.data).toMatchObject({
			name: 'My drain',
			category: 'cost-attack',
			verbosityLevel: 'extreme',
		})
		const plain = await call(deps.app, 'POST', '/api/scenarios/from-template/rapid-fire')
		expect(plain.status).toBe(201)
		expect(plain.json.data.name).toBe('Rapid fire')
		const missing = await call(deps.app, 'POST', '/api/scenarios/from-template/nope')
		expect(missing.status).toBe(404)
		expect(missing.json.error).toBe('Template not found')
		const bad = await call(deps.app, 'POST', '/api/scenarios/from-template/rapid-fire', {
			name: '',
		})
		expect(bad.status).toBe(400)
		expect(bad.json.details[0].path).toEqual(['name'])
	})
})

describe('YAML', () => {
	test('export is an application/yaml attachment; export → import → export is identical', async () => {
		const c = await call(
			deps.app,
			'POST',
			'/api/scenarios',
			valid({
				errorHandling: { onError: 'retry', maxRetries: 2, statusCodes: { '429': 'retry' } },
			}),
		)
		const e1 = await call(deps.app, 'GET', `/api/scenarios/${c.json.data.id}/export`)
		expect(e1.status).toBe(200)
		expect(e1.headers.get('content-type')).toContain('application/yaml')
		expect(e1.headers.get('content-disposition')).toBe('attachment; filename="stress-test.yaml"')
		expect(e1.text).toContain('kind: krawall/scenario')
		const i = await call(deps.app, 'POST', '/api/scenarios/import', e1.text, {
			'content-type': 'application/yaml',
		})
		expect(i.status).toBe(201)
		expect(i.json.data.id).not.toBe(c.json.data.id)
		const e2 = await call(deps.app, 'GET', `/api/scenarios/${i.json.data.id}/export`)
		expect(e2.text).toBe(e1.text)
	})

	test('import accepts a multipart file upload and a yaml form field', async () => {
		const yaml =
			'name: Uploaded\nflowConfig:\n  - id: a\n    type: message\n    content: hi there\n'
		const fd = new FormData()
		fd.set('file', new File([yaml], 'x.yaml', { type: 'application/yaml' }))
		// The import form in a browser (JavaScript off): it asks for HTML and is redirected.
		const browser = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' }
		const res = await deps.app.handle(
			new Request('http://localhost/api/scenarios/import', {
				method: 'POST',
				body: fd,
				headers: browser,
			}),
		)
		expect(res.status).toBe(303)
		const id = res.headers.get('location')!.split('/').pop()!
		const got = await call(deps.app, 'GET', `/api/scenarios/${id}`)
		expect(got.json.data.name).toBe('Uploaded')
		expect(got.json.data.flowConfig[0].config).toEqual({ message: 'hi there' })
		const f = await form(
			deps.app,
			'/api/scenarios/import',
			{ yaml: yaml.replace('Uploaded', 'Pasted') },
			{ htmx: true },
		)
		expect(f.status).toBe(201)
		expect(JSON.parse(f.headers.get('hx-location')!).path).toStartWith('/scenarios/')
		// An API client uploading the same file gets the JSON envelope.
		const fd2 = new FormData()
		fd2.set(
			'file',
			new File([yaml.replace('Uploaded', 'Via API')], 'x.yaml', { type: 'application/yaml' }),
		)
		const api = await deps.app.handle(
			new Request('http://localhost/api/scenarios/import', { method: 'POST', body: fd2 }),
		)
		expect(api.status).toBe(201)
		expect((await api.json()).data.name).toBe('Via API')
	})

	test('import validates like create: syntax errors and flow errors are 400s', async () => {
		const syntax = await call(deps.app, 'POST', '/api/scenarios/import', 'name: [unclosed', {
			'content-type': 'application/yaml',
		})
		expect(syntax.status).toBe(400)
		expect(syntax.json.error).toBe('Invalid YAML')
		const flowErr = await call(
			deps.app,
			'POST',
			'/api/scenarios/import',
			'name: X\nflowConfig:\n  - id: a\n    type: delay\n    config: { durationMs: 999999 }\n',
			{
				'content-type': 'application/yaml',
			},
		)
		expect(flowErr.status).toBe(400)
		expect(flowErr.json.details[0].path).toEqual(['flowConfig', 0, 'config', 'durationMs'])
		const empty = await call(deps.app, 'POST', '/api/scenarios/import', '', {
			'content-type': 'application/yaml',
		})
		expect(empty.status).toBe(400)
		const kind = await call(
			deps.app,
			'POST',
			'/api/scenarios/import',
			'kind: other\nname: x\nflowConfig: []',
			{ 'content-type': 'application/yaml' },
		)
		expect(kind.status).toBe(400)
		expect(kind.json.details[0].path).toEqual(['kind'])
	})

	test('export of a missing scenario is a 404', async () => {
		const r = await call(deps.app, 'GET', '/api/scenarios/missing/export')
		expect(r.status).toBe(404)
	})
})
