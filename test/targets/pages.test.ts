import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { PRESETS } from '../../src/presets/presets'
import { call, createTestDeps, form, type TestDeps } from '../helpers/deps'
import { insertSession, targetBody } from '../helpers/targets'

let deps: TestDeps
let id: string
const EVIL = '<img src=x onerror=alert(1)>'
beforeAll(async () => {
	deps = await createTestDeps()
	const r = await call(
		deps.app,
		'POST',
		'/api/targets',
		targetBody({
			name: `${EVIL} bot`,
			description: `desc ${EVIL}`,
			endpoint: 'https://api.example.com/chat?q=<b>',
		}),
	)
	id = r.json.data.id
})
afterAll(async () => {
	await deps.close()
})

const page = (path: string, htmx = false) =>
	call(deps.app, 'GET', path, undefined, htmx ? { 'hx-request': 'true' } : {})

describe('/targets', () => {
	test('full page with the table; user input escaped', async () => {
		const r = await page('/targets')
		expect(r.status).toBe(200)
		expect(r.text).toStartWith('<!doctype html>')
		expect(r.text).toContain('id="target-list"')
		expect(r.text).toContain('&lt;img src=x onerror=alert(1)&gt; bot')
		expect(r.text).not.toContain(EVIL)
		expect(r.text).toContain('never tested')
	})

	test('the filter form fetches the table fragment from the API', async () => {
		const r = await page('/api/targets?isActive=true', true)
		expect(r.status).toBe(200)
		expect(r.headers.get('content-type')).toContain('text/html')
		expect(r.text).toStartWith('<div id="target-list"')
		expect(r.text).not.toContain('<html')
		expect(r.text).not.toContain(EVIL)
		// The form's "All" options send empty values: no filter.
		const all = await page('/api/targets?isActive=&connectorType=', true)
		expect(all.status).toBe(200)
		expect(all.text).toContain('bot')
		const none = await page('/api/targets?connectorType=GRPC', true)
		expect(none.text).toContain('No targets yet')
		const bad = await page('/api/targets?isActive=maybe', true)
		expect(bad.status).toBe(400)
		expect(bad.text).toContain('Validation error')
	})

	test('an invalid filter in the page URL is reported, not a 500', async () => {
		const r = await page('/targets?isActive=maybe')
		expect(r.status).toBe(200)
		expect(r.text).toContain('Ignored invalid filter')
	})
})

describe('/targets/new', () => {
	test('preset cards, then a form pre-filled from the chosen preset', async () => {
		const r = await page('/targets/new')
		expect(r.status).toBe(200)
		for (const p of PRESETS) expect(r.text).toContain(`data-preset="${p.id}"`)
		const f = await page('/targets/new?preset=anthropic-messages')
		expect(f.text).toContain('id="target-form"')
		expect(f.text).toContain('value="https://api.anthropic.com"')
		expect(f.text).toContain('name="authConfig.apiKey"')
		expect(f.text).toMatch(
			/type="password"[^>]*name="authConfig.apiKey"|name="authConfig.apiKey"[^>]*type="password"/,
		)
		expect(f.text).toContain('value="x-api-key"')
		expect(f.text).toContain('hx-post="/api/templates/validate"')
		expect(f.text).toContain('name="presetId" value="anthropic-messages"')
		// The live check never sends the credentials: it includes template fields only.
		expect(f.text).toContain(`hx-include="#target-form [name^='requestTemplate']`)
	})

	test('auth fields per type as a fragment', async () => {
		const r = await page('/targets/auth-fields?authType=OAUTH2', true)
		expect(r.text).toContain('name="authConfig.clientSecret"')
		expect(r.text).toContain('type="password"')
		expect(r.text).not.toContain('<html')
		const none = await page('/targets/auth-fields?authType=NONE', true)
		expect(none.text).toContain('No credentials')
	})

	test('a plain form post creates and redirects (303); htmx gets HX-Location; errors come back as a fragment', async () => {
		const fields = {
			name: 'Form target',
			connectorType: 'HTTP_REST',
			endpoint: 'https://api.example.com',
			authType: 'BEARER_TOKEN',
			'authConfig.token': 'form-token-1234567890',
			'requestTemplate.messagePath': 'messages.0.content',
			'requestTemplate.structure:json': '{"messages":[{"role":"user","content":""}]}',
			'requestTemplate.historyPath': 'messages',
			'requestTemplate.historyFormat': 'openai',
			'requestTemplate.variables:json': '{}',
			'responseTemplate.responsePath': 'choices.0.message.content',
			'responseTemplate.transform': 'none',
			'protocolConfig:json': '{"path":"/v1/chat/completions"}',
			'pricing.model': 'gpt-4o',
			'pricing.inputPerMTok:number': '2.5',
			'pricing.outputPerMTok:number': '10',
			'isActive:boolean': 'false',
		}
		const plain = await form(deps.app, '/api/targets', fields)
		expect(plain.status).toBe(303)
		const newId = plain.headers.get('location')!.split('/').pop()!
		const created = (await call(deps.app, 'GET', `/api/targets/${newId}`)).json.data
		expect(created).toMatchObject({
			name: 'Form target',
			isActive: false,
			requestTemplate: { historyPath: 'messages', historyFormat: 'openai' },
			pricing: { model: 'gpt-4o', inputPerMTok: 2.5, outputPerMTok: 10 },
			protocolConfig: { path: '/v1/chat/completions' },
		})
		const hx = await form(
			deps.app,
			'/api/targets',
			{ ...fields, 'isActive:boolean': 'on' },
			{ htmx: true },
		)
		expect(hx.status).toBe(201)
		expect(JSON.parse(hx.headers.get('hx-location')!).path).toStartWith('/targets/')
		const bad = await form(
			deps.app,
			'/api/targets',
			{ ...fields, 'requestTemplate.structure:json': '{' },
			{ htmx: true },
		)
		expect(bad.status).toBe(400)
		expect(bad.text).toContain('Validation error')
		expect(bad.text).toContain('requestTemplate.structure')
		const rules = await form(
			deps.app,
			'/api/targets',
			{ ...fields, endpoint: 'nope', 'authConfig.token': '' },
			{ htmx: true },
		)
		expect(rules.status).toBe(400)
		expect(rules.text).toContain('<code>endpoint</code>')
		expect(rules.text).toContain('<code>authConfig.token</code>')
	})
})

describe('/targets/:id', () => {
	test('details page: masked auth, templates, counts, test-connection form; escaped', async () => {
		const r = await page(`/targets/${id}`)
		expect(r.status).toBe(200)
		expect(r.text).toContain('your...en-1')
		expect(r.text).not.toContain('your-api-token-1')
		expect(r.text).toContain(`hx-post="/api/targets/${id}/test"`)
		expect(r.text).toContain('id="connection-test"')
		expect(r.text).toContain('data-count="sessions">0<')
		expect(r.text).toContain('desc &lt;img')
		expect(r.text).not.toContain(EVIL)
		expect(r.text).toContain('$.choices[0].message.content')
	})

	test('details fragment for htmx; 404 page for an unknown id', async () => {
		const f = await page(`/api/targets/${id}`, true)
		expect(f.text).toStartWith('<div id="target-details"')
		expect(f.text).not.toContain(EVIL)
		const missing = await page('/targets/nope')
		expect(missing.status).toBe(404)
	})

	test('edit page pre-filled; deactivate through the form route', async () => {
		const e = await page(`/targets/${id}/edit`)
		expect(e.text).toContain(`action="/api/targets/${id}"`)
		expect(e.text).toContain('value="your...en-1"')
		const off = await form(
			deps.app,
			`/api/targets/${id}`,
			{ 'isActive:boolean': 'false' },
			{ htmx: true },
		)
		expect(off.status).toBe(200)
		expect((await call(deps.app, 'GET', `/api/targets/${id}`)).json.data.isActive).toBe(false)
		expect((await page(`/targets/${id}`)).text).toContain('>Activate<')
	})

	test('delete: confirmation page, the refusal message while sessions exist, then deletion', async () => {
		const other = (await call(deps.app, 'POST', '/api/targets', targetBody({ name: 'to delete' })))
			.json.data.id
		await insertSession(deps, other)
		const confirm = await page(`/targets/${other}/delete`)
		// Said once, with the button's word (Deactivate), and no Delete button that would only be refused.
		expect(confirm.text).toContain(
			'This target has 1 session(s), so it cannot be deleted. Delete its sessions first, or deactivate it',
		)
		expect(confirm.text).not.toContain('archive')
		expect(confirm.text).toContain('>Deactivate<')
		expect(confirm.text).not.toContain('Delete target</button>')
		const refused = await form(deps.app, `/api/targets/${other}/delete`, {}, { htmx: true })
		expect(refused.status).toBe(400)
		expect(refused.text).toContain('Cannot delete target with existing sessions')
		const free = (await call(deps.app, 'POST', '/api/targets', targetBody({ name: 'free' }))).json
			.data.id
		const done = await form(deps.app, `/api/targets/${free}/delete`, {})
		expect(done.status).toBe(303)
		expect(done.headers.get('location')).toBe('/targets')
		expect((await call(deps.app, 'GET', `/api/targets/${free}`)).status).toBe(404)
	})
})
