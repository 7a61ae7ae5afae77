import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Elysia, t } from 'elysia'
import { NotFound } from '../../src/http/errors'
import { decodeForm } from '../../src/http/form'
import { errorResponse, negotiate } from '../../src/http/negotiate'
import { call, createTestDeps, form, type TestDeps } from '../helpers/deps'

let deps: TestDeps
beforeAll(async () => {
	deps = await createTestDeps()
})
afterAll(async () => {
	await deps.close()
})

/** A miniature resource wired exactly as the real ones are: schema, view, redirect, errors. */
const Body = t.Object({
	name: t.String({ minLength: 1, maxLength: 100 }),
	repetitions: t.Optional(t.Integer({ minimum: 1, maximum: 1000 })),
	isActive: t.Optional(t.Boolean()),
	authConfig: t.Optional(t.Object({ token: t.String() })),
})
const things = () =>
	new Elysia()
		.onError(({ code, error, request }) => errorResponse(code, error, request, () => {}))
		.use(negotiate)
		.post(
			'/api/things',
			({ body, set }) => {
				set.status = 201
				return {
					success: true,
					data: { id: 'abc', ...body },
					message: 'Thing created successfully',
				}
			},
			{
				body: Body,
				view: (r: any) => (
					<p class="thing" safe>
						{r.data.name}
					</p>
				),
				redirect: (r: any) => `/things/${r.data.id}`,
			},
		)
		.get('/api/things/:id', ({ params }) => {
			throw new NotFound('Thing not found')
			return params
		})

describe('negotiation', () => {
	test('GET /api/health: JSON by default, an HTML fragment for htmx, Vary on both', async () => {
		const json = await call(deps.app, 'GET', '/api/health')
		expect(json.status).toBe(200)
		expect(json.headers.get('content-type')).toContain('application/json')
		expect(json.headers.get('vary')).toContain('HX-Request')
		expect(json.json.status).toBe('healthy')

		const frag = await call(deps.app, 'GET', '/api/health', undefined, { 'hx-request': 'true' })
		expect(frag.status).toBe(200)
		expect(frag.headers.get('content-type')).toContain('text/html')
		expect(frag.headers.get('vary')).toContain('HX-Request')
		expect(frag.text).toStartWith('<div id="health"')
		expect(frag.text).toContain('database')
		expect(frag.text).not.toContain('<html')
	})

	test('JSON body: 201 with the envelope', async () => {
		const r = await call(things(), 'POST', '/api/things', { name: 'a', repetitions: 3 })
		expect(r.status).toBe(201)
		expect(r.json).toEqual({
			success: true,
			data: { id: 'abc', name: 'a', repetitions: 3 },
			message: 'Thing created successfully',
		})
	})

	test('validation errors are 400 with the reference details shape', async () => {
		const r = await call(things(), 'POST', '/api/things', { repetitions: 0 })
		expect(r.status).toBe(400)
		expect(r.json.success).toBe(false)
		expect(r.json.error).toBe('Validation error')
		const name = r.json.details.find((d: any) => d.path.join('.') === 'name')
		expect(name).toEqual({
			code: 'invalid_type',
			expected: 'string',
			received: 'undefined',
			path: ['name'],
			message: 'Required',
		})
		const reps = r.json.details.find((d: any) => d.path.join('.') === 'repetitions')
		expect(reps.code).toBe('too_small')
		expect(reps.received).toBe('number')
	})

	test('wrong type reports expected and received', async () => {
		const r = await call(things(), 'POST', '/api/things', { name: 5 })
		expect(r.status).toBe(400)
		expect(r.json.details[0]).toMatchObject({
			code: 'invalid_type',
			expected: 'string',
			received: 'number',
			path: ['name'],
		})
	})

	test('malformed JSON is a 400, not a 500', async () => {
		const r = await call(things(), 'POST', '/api/things', '{"name": ', {
			'content-type': 'application/json',
		})
		expect(r.status).toBe(400)
		expect(r.json.success).toBe(false)
	})

	test('a form post decodes into the same shape; a plain browser gets a 303', async () => {
		const r = await form(things(), '/api/things', [
			['name', 'from form'],
			['repetitions:number', '7'],
			['isActive:boolean', 'false'],
			['isActive:boolean', 'on'],
			['authConfig.token', 'sekrit'],
		])
		expect(r.status).toBe(303)
		expect(r.headers.get('location')).toBe('/things/abc')
	})

	test('an htmx form post gets HX-Location and the fragment', async () => {
		const r = await form(things(), '/api/things', { name: '<b>x</b>' }, { htmx: true })
		expect(r.status).toBe(201)
		expect(JSON.parse(r.headers.get('hx-location')!).path).toBe('/things/abc')
		expect(r.text).toBe('<p class="thing">&lt;b&gt;x&lt;/b&gt;</p>')
	})

	test('an htmx form with errors gets an escaped error fragment with the details', async () => {
		const r = await form(things(), '/api/things', { 'repetitions:number': '5000' }, { htmx: true })
		expect(r.status).toBe(400)
		expect(r.headers.get('content-type')).toContain('text/html')
		expect(r.text).toContain('Validation error')
		expect(r.text).toContain('repetitions')
	})

	test('service errors map to the envelope: 404', async () => {
		const r = await call(things(), 'GET', '/api/things/x')
		expect(r.status).toBe(404)
		expect(r.json).toEqual({ success: false, error: 'Thing not found' })
	})

	test('unknown API route: 404 JSON; unknown page: 404 HTML page', async () => {
		const api = await call(deps.app, 'GET', '/api/nope')
		expect(api.status).toBe(404)
		expect(api.json).toEqual({ success: false, error: 'Not found' })
		const page = await call(deps.app, 'GET', '/nope<script>')
		expect(page.status).toBe(404)
		expect(page.text).toContain('Page not found')
		expect(page.text).not.toContain('<script>')
	})

	test('an unexpected error is a 500 without a stack trace, logged', async () => {
		const boom = new Elysia()
			.onError(({ code, error, request }) =>
				errorResponse(code, error, request, (m) => deps.log.error(m)),
			)
			.get('/api/boom', () => {
				throw new Error('secret internals at /src/x.ts:12')
			})
		const r = await call(boom, 'GET', '/api/boom')
		expect(r.status).toBe(500)
		expect(r.json).toEqual({
			success: false,
			error: 'Internal server error',
			message: 'An unexpected error occurred',
		})
		expect(r.text).not.toContain('x.ts')
	})
})

describe('decodeForm', () => {
	test('nested objects, arrays, indexes and types', () => {
		const out = decodeForm([
			['name', 'n'],
			['empty', ''],
			['authConfig.headers.X-Key', 'v'],
			['flowConfig[0].id', 's1'],
			['flowConfig[0].config.message', 'hi'],
			['flowConfig[1].id', 's2'],
			['events[]', 'session.completed'],
			['events[]', 'session.failed'],
			['n:number', '2.5'],
			['blank:number', ''],
			['j:json', '{"a":[1]}'],
			['bad:json', '{'],
			['__proto__.polluted', 'x'],
		])
		expect(out).toEqual({
			name: 'n',
			authConfig: { headers: { 'X-Key': 'v' } },
			flowConfig: [{ id: 's1', config: { message: 'hi' } }, { id: 's2' }],
			events: ['session.completed', 'session.failed'],
			n: 2.5,
			j: { a: [1] },
			bad: '{',
		})
		expect(({} as any).polluted).toBeUndefined()
	})
})

describe('the real app validates structure, not coerced strings', () => {
	test('a string where an object belongs is a 400 on a real route', async () => {
		const r = await call(deps.app, 'POST', '/api/execute', {
			targetId: 'x',
			executionConfig: { messageTemplates: '{' },
		})
		expect(r.status).toBe(400)
		expect(r.json.error).toBe('Validation error')
		expect(r.json.details.map((d: any) => d.path.join('.'))).toContain(
			'executionConfig.messageTemplates',
		)
	})

	test('an enum error names every allowed value', async () => {
		const r = await call(deps.app, 'POST', '/api/execute', {
			targetId: 'x',
			executionConfig: { customMessages: ['hi'], verbosityLevel: 'loud' },
		})
		expect(r.status).toBe(400)
		const d = r.json.details.find((x: any) => x.path.join('.') === 'executionConfig.verbosityLevel')
		expect(d.code).toBe('invalid_enum_value')
		expect(d.expected).toBe('"normal" | "verbose" | "extreme"')
	})
})

test('a coerced query number out of range names its parameter', async () => {
	const r = await call(deps.app, 'GET', '/api/sessions?limit=0&offset=5')
	expect(r.status).toBe(400)
	expect(r.json.details[0]).toMatchObject({ code: 'too_small', path: ['limit'] })
	expect(r.json.details[0]).not.toHaveProperty('value')
})

test('an API client posting a form gets JSON, not a redirect or HTML', async () => {
	const ok = await call(things(), 'POST', '/api/things', 'name=api', {
		'content-type': 'application/x-www-form-urlencoded',
	})
	expect(ok.status).toBe(201)
	expect(ok.json.data.name).toBe('api')
	const bad = await call(things(), 'POST', '/api/things', 'repetitions:number=0', {
		'content-type': 'application/x-www-form-urlencoded',
	})
	expect(bad.status).toBe(400)
	expect(bad.headers.get('content-type')).toContain('application/json')
	expect(bad.json.error).toBe('Validation error')
})

test('an id the database cannot hold is the resource 404, on every route', async () => {
	for (const [path, error] of [
		['/api/targets/a%00b', 'Target not found'],
		['/api/metrics/sessions/a%00b/series', 'Session not found'],
		['/api/webhooks/a%00b/deliveries', 'Webhook not found'],
		['/api/scheduled-jobs/a%00b', 'Scheduled job not found'],
	]) {
		const r = await call(deps.app, 'GET', path)
		expect(r.status).toBe(404)
		expect(r.json).toEqual({ success: false, error })
	}
})
