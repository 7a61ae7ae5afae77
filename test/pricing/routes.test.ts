import { afterAll, beforeAll, expect, test } from 'bun:test'
import { PRICE_TABLE } from '../../src/pricing/table'
import { call, createTestDeps, type TestDeps } from '../helpers/deps'

let deps: TestDeps
beforeAll(async () => {
	deps = await createTestDeps()
})
afterAll(async () => {
	await deps.close()
})

test('GET /api/pricing: the versioned table', async () => {
	const r = await call(deps.app, 'GET', '/api/pricing')
	expect(r.status).toBe(200)
	expect(r.json.data).toMatchObject({
		version: PRICE_TABLE.version,
		asOf: PRICE_TABLE.asOf,
		currency: 'USD',
	})
	expect(r.json.data.models.length).toBe(PRICE_TABLE.models.length)
})

test('GET /api/pricing/lookup: resolves a model, 404 for an unknown one, 400 without a model', async () => {
	const ok = await call(deps.app, 'GET', '/api/pricing/lookup?model=gpt-4o-mini-2024-07-18')
	expect(ok.json.data).toMatchObject({
		model: 'gpt-4o-mini',
		provider: 'openai',
		inputPerMTok: 0.15,
		outputPerMTok: 0.6,
		cachedInputPerMTok: 0.075,
	})
	const local = await call(deps.app, 'GET', '/api/pricing/lookup?model=whatever&presetId=ollama')
	expect(local.json.data).toMatchObject({ source: 'local', inputPerMTok: 0 })
	const unknown = await call(deps.app, 'GET', '/api/pricing/lookup?model=mystery')
	expect(unknown.status).toBe(404)
	expect(unknown.json.error).toBe('Model not priced')
	expect(unknown.json.message).toContain('mystery')
	const missing = await call(deps.app, 'GET', '/api/pricing/lookup')
	expect(missing.status).toBe(400)
	expect(missing.json.details[0].path).toEqual(['model'])
})
