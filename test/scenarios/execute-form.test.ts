import { afterAll, beforeAll, expect, test } from 'bun:test'
import { call, createTestDeps, type TestDeps } from '../helpers/deps'

let deps: TestDeps
beforeAll(async () => {
	deps = await createTestDeps()
}, 60_000)
afterAll(async () => {
	await deps?.close()
})

test('the scenario page carries an Execute form with the scenario chosen and its target first', async () => {
	const target = await call(deps.app, 'POST', '/api/targets', {
		name: 'Bot <one>',
		connectorType: 'HTTP_REST',
		endpoint: 'http://127.0.0.1:9/chat',
		authType: 'NONE',
		authConfig: {},
		requestTemplate: { messagePath: 'message', structure: { message: '' } },
		responseTemplate: { responsePath: 'reply' },
	})
	expect(target.status).toBe(201)
	const scenario = await call(deps.app, 'POST', '/api/scenarios', {
		name: 'Runs here',
		targetId: target.json.data.id,
		flowConfig: [{ id: 's1', type: 'message', config: { message: 'hello' } }],
	})
	expect(scenario.status).toBe(201)
	const page = await call(deps.app, 'GET', `/scenarios/${scenario.json.data.id}`)
	expect(page.status).toBe(200)
	expect(page.text).toContain('id="execute-form"')
	expect(page.text).toMatch(new RegExp(`<option value="${scenario.json.data.id}"[^>]*selected`))
	expect(page.text).toMatch(new RegExp(`<option value="${target.json.data.id}"[^>]*selected`))
	expect(page.text).toContain('Bot &lt;one&gt;')
})
