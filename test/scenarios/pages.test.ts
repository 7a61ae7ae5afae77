import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { call, createTestDeps, form, type TestDeps } from '../helpers/deps'

let deps: TestDeps
let id: string
const EVIL = '<img src=x onerror=alert(1)>'
beforeAll(async () => {
	deps = await createTestDeps()
	const r = await call(deps.app, 'POST', '/api/scenarios', {
		name: `Evil ${EVIL}`,
		description: EVIL,
		category: EVIL,
		messageTemplates: { v: EVIL },
		flowConfig: [
			{ id: 'start', type: 'message', config: { message: `Say ${EVIL}` } },
			{
				id: 'rep',
				type: 'loop',
				config: {
					iterations: 2,
					steps: [
						{
							id: 'c',
							type: 'conditional',
							config: {
								condition: `contains:${EVIL}`,
								then: [{ id: 'inner', type: 'message', config: { message: 'again' } }],
							},
						},
					],
				},
			},
		],
	})
	id = r.json.data.id
})
afterAll(async () => {
	await deps.close()
})

/** Outside quoted attribute values (where `<` is harmless) the payload only appears escaped. */
const noRawEvil = (html: string) => {
	expect(html.replace(/="[^"]*"/g, '=""')).not.toContain('<img')
	expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
}

describe('pages', () => {
	test('/scenarios: full page with the table, escaped; filters apply', async () => {
		const r = await call(deps.app, 'GET', '/scenarios')
		expect(r.status).toBe(200)
		expect(r.text).toContain('<!doctype html>')
		expect(r.text).toContain('id="scenario-table"')
		noRawEvil(r.text)
		const none = await call(deps.app, 'GET', '/scenarios?category=nothing-here&isActive=')
		expect(none.text).toContain('No scenarios match')
	})

	test('GET /api/scenarios for htmx is the table fragment, escaped', async () => {
		const r = await call(deps.app, 'GET', '/api/scenarios', undefined, { 'hx-request': 'true' })
		expect(r.headers.get('content-type')).toContain('text/html')
		expect(r.text).toStartWith('<div id="scenario-table"')
		expect(r.text).not.toContain('<html')
		noRawEvil(r.text)
	})

	test('/scenarios/:id: outline with nested steps, escaped; htmx fragment of the API', async () => {
		const page = await call(deps.app, 'GET', `/scenarios/${id}`)
		expect(page.status).toBe(200)
		expect(page.text).toContain('data-step-id="inner"')
		noRawEvil(page.text)
		const frag = await call(deps.app, 'GET', `/api/scenarios/${id}`, undefined, {
			'hx-request': 'true',
		})
		expect(frag.text).toStartWith('<div id="scenario-details"')
		noRawEvil(frag.text)
		expect((await call(deps.app, 'GET', '/scenarios/missing')).status).toBe(404)
	})

	test('/scenarios/new shows template cards; /api/scenarios/templates fragment', async () => {
		const r = await call(deps.app, 'GET', '/scenarios/new')
		expect(r.text.match(/data-template-id=/g)!.length).toBeGreaterThanOrEqual(12)
		const frag = await call(deps.app, 'GET', '/api/scenarios/templates', undefined, {
			'hx-request': 'true',
		})
		expect(frag.text).toStartWith('<div id="template-cards"')
	})

	test('a template card form creates a scenario and opens the editor', async () => {
		const r = await form(deps.app, '/api/scenarios/from-template/edge-cases', {})
		expect(r.status).toBe(303)
		expect(r.headers.get('location')).toMatch(/^\/scenarios\/\w+\/edit$/)
		const editor = await call(deps.app, 'GET', r.headers.get('location')!)
		expect(editor.status).toBe(200)
		expect(editor.text).toContain('id="scenario-editor"')
		// The unicode/markup edge cases are shown escaped inside the editor.
		expect(editor.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
		expect(editor.text).not.toContain('<script>alert(1)')
	})

	test('the editor page of a scenario is escaped', async () => {
		const r = await call(deps.app, 'GET', `/scenarios/${id}/edit`)
		expect(r.status).toBe(200)
		noRawEvil(r.text)
		expect(r.text).toContain(
			'name="flowConfig[1].config.steps[0].config.then[0].config.message:string"',
		)
	})
})

describe('editor fragment endpoint', () => {
	const base: [string, string][] = [
		['name', 'Draft'],
		['flowConfig[0].id', 'outer'],
		['flowConfig[0].type', 'loop'],
		['flowConfig[0].config.iterations:number', '2'],
		['flowConfig[0].config.steps[0].id', 'm1'],
		['flowConfig[0].config.steps[0].type', 'message'],
		['flowConfig[0].config.steps[0].config.message:string', 'hello'],
	]
	const paths = (html: string) =>
		[...html.matchAll(/data-step-path="([^"]+)" data-step-type="([^"]+)"/g)].map(
			(m) => `${m[1]}:${m[2]}`,
		)

	test('add a conditional inside a loop, then a message inside its then-branch', async () => {
		const a = await form(
			deps.app,
			'/scenarios/editor',
			[...base, ['op', 'add:flowConfig.0.config.steps:conditional']],
			{ htmx: true },
		)
		expect(a.status).toBe(200)
		expect(a.text).toStartWith('<form id="scenario-editor"')
		expect(paths(a.text)).toEqual([
			'flowConfig.0:loop',
			'flowConfig.0.config.steps.0:message',
			'flowConfig.0.config.steps.1:conditional',
		])
		const b = await form(
			deps.app,
			'/scenarios/editor',
			[
				...base,
				['flowConfig[0].config.steps[1].id', 'conditional-1'],
				['flowConfig[0].config.steps[1].type', 'conditional'],
				['flowConfig[0].config.steps[1].config.condition:string', 'contains:sorry'],
				['op', 'add:flowConfig.0.config.steps.1.config.then:message'],
			],
			{ htmx: true },
		)
		expect(paths(b.text)).toContain('flowConfig.0.config.steps.1.config.then.0:message')
		expect(b.text).toContain('No problems found')
	})

	test('remove and reorder', async () => {
		const two: [string, string][] = [
			['name', 'X'],
			['flowConfig[0].id', 'a'],
			['flowConfig[0].type', 'message'],
			['flowConfig[0].config.message:string', 'first'],
			['flowConfig[1].id', 'b'],
			['flowConfig[1].type', 'delay'],
			['flowConfig[1].config.durationMs:number', '5'],
		]
		const up = await form(deps.app, '/scenarios/editor', [...two, ['op', 'up:flowConfig.1']], {
			htmx: true,
		})
		expect(paths(up.text)).toEqual(['flowConfig.0:delay', 'flowConfig.1:message'])
		const rm = await form(deps.app, '/scenarios/editor', [...two, ['op', 'remove:flowConfig.0']], {
			htmx: true,
		})
		expect(paths(rm.text)).toEqual(['flowConfig.0:delay'])
	})

	test('validation errors are shown next to the offending step, escaped', async () => {
		const r = await form(
			deps.app,
			'/scenarios/editor',
			[
				['name', 'X'],
				['flowConfig[0].id', 'a'],
				['flowConfig[0].type', 'message'],
				['flowConfig[0].config.message:string', `{{${'nope'}}} ${EVIL}`],
				['flowConfig[0].next', 'ghost'],
				['op', 'check'],
			],
			{ htmx: true },
		)
		expect(r.text).toContain('data-errors-for="flowConfig.0.config.message"')
		expect(r.text).toContain('Unknown template variable')
		expect(r.text).toContain('data-errors-for="flowConfig.0.next"')
		expect(r.text).toContain('data-error-count="2"')
		noRawEvil(r.text)
	})

	test('YAML view and back', async () => {
		const y = await form(deps.app, '/scenarios/editor', [...base, ['op', 'view:yaml']], {
			htmx: true,
		})
		expect(y.text).toContain('data-mode="yaml"')
		expect(y.text).toContain('type: loop')
		const yaml = 'name: From YAML\nflowConfig:\n  - id: only\n    type: message\n    content: hi\n'
		const back = await form(
			deps.app,
			'/scenarios/editor',
			[
				['yamlSource', yaml],
				['op', 'apply-yaml'],
			],
			{ htmx: true },
		)
		expect(back.text).toContain('data-mode="form"')
		expect(back.text).toContain('value="From YAML"')
		const bad = await form(
			deps.app,
			'/scenarios/editor',
			[
				['yamlSource', 'a: [x'],
				['op', 'apply-yaml'],
			],
			{ htmx: true },
		)
		expect(bad.text).toContain('data-mode="yaml"')
		expect(bad.text).toContain('role="alert"')
	})

	test('without JavaScript: full page, and save creates then redirects', async () => {
		const page = await form(deps.app, '/scenarios/editor', [...base, ['op', 'check']])
		expect(page.text).toContain('<!doctype html>')
		const saved = await form(deps.app, '/scenarios/editor', [...base, ['op', 'save']])
		expect(saved.status).toBe(303)
		const sid = saved.headers.get('location')!.split('/').pop()!
		const got = await call(deps.app, 'GET', `/api/scenarios/${sid}`)
		expect(got.json.data.flowConfig[0].config.steps[0].config.message).toBe('hello')
		const invalid = await form(deps.app, '/scenarios/editor', [
			['name', ''],
			...base.slice(1),
			['op', 'save'],
		])
		expect(invalid.status).toBe(200)
		expect(invalid.text).toContain('data-errors-for="name"')
	})

	test('the editor form posts to /api/scenarios: htmx save gets HX-Location', async () => {
		const r = await form(
			deps.app,
			'/api/scenarios',
			[
				...base,
				['op', 'save'],
				['isActive:boolean', 'false'],
				['isActive:boolean', 'on'],
				['targetId:json', 'null'],
			],
			{ htmx: true },
		)
		expect(r.status).toBe(201)
		const loc = JSON.parse(r.headers.get('hx-location')!).path
		const got = await call(deps.app, 'GET', `/api/${loc.slice(1)}`)
		expect(got.json.data).toMatchObject({ name: 'Draft', isActive: true, targetId: null })
	})
})
