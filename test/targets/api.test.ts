import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { scenarios, scheduledJobs, targets } from '../../src/db/schema'
import { findPreset } from '../../src/presets/presets'
import { call, createTestDeps, type TestDeps } from '../helpers/deps'
import { insertSession, targetBody } from '../helpers/targets'

let deps: TestDeps
beforeAll(async () => {
	deps = await createTestDeps()
})
afterAll(async () => {
	await deps.close()
})

const create = async (over: Record<string, unknown> = {}) => {
	const r = await call(deps.app, 'POST', '/api/targets', targetBody(over))
	expect(r.status).toBe(201)
	return r.json.data.id as string
}
const grpcConfig = findPreset('custom-grpc')!.protocolConfig
const detailAt = (r: { json: any }, path: string) =>
	r.json.details.find((d: any) => d.path.join('.') === path)

describe('POST /api/targets', () => {
	test('201 with the reference fields, no secrets, no templates', async () => {
		const r = await call(
			deps.app,
			'POST',
			'/api/targets',
			targetBody({
				presetId: 'openai-chat',
				pricing: { model: 'gpt-4o', inputPerMTok: 2.5, outputPerMTok: 10 },
			}),
		)
		expect(r.status).toBe(201)
		expect(r.json.success).toBe(true)
		expect(r.json.message).toBe('Target created successfully')
		expect(r.json.data).toMatchObject({
			name: 'My Chatbot',
			description: 'Production chatbot API',
			connectorType: 'HTTP_REST',
			endpoint: 'https://api.example.com/chat',
			authType: 'BEARER_TOKEN',
			isActive: true,
			presetId: 'openai-chat',
		})
		expect(r.json.data.id).toBeString()
		expect(new Date(r.json.data.createdAt).toString()).not.toBe('Invalid Date')
		expect(r.json.data.authConfig).toBeUndefined()
		expect(r.json.data.requestTemplate).toBeUndefined()
		const [row] = await deps.db.select().from(targets).where(eq(targets.id, r.json.data.id))
		expect(row!.pricing).toEqual({ model: 'gpt-4o', inputPerMTok: 2.5, outputPerMTok: 10 })
	})

	test('400 with details: missing fields, long name, bad enums', async () => {
		const r = await call(deps.app, 'POST', '/api/targets', { name: '' })
		expect(r.status).toBe(400)
		expect(r.json.error).toBe('Validation error')
		expect(detailAt(r, 'name').code).toBe('too_small')
		expect(detailAt(r, 'endpoint')).toMatchObject({ code: 'invalid_type', message: 'Required' })
		expect(detailAt(r, 'requestTemplate')).toBeDefined()

		const long = await call(deps.app, 'POST', '/api/targets', targetBody({ name: 'x'.repeat(101) }))
		expect(long.status).toBe(400)
		expect(detailAt(long, 'name').code).toBe('too_big')

		// A string where an object belongs is refused, not turned into {"0": "{"}.
		const str = await call(
			deps.app,
			'POST',
			'/api/targets',
			targetBody({ requestTemplate: { messagePath: 'm', structure: '{' }, protocolConfig: 'x' }),
		)
		expect(str.status).toBe(400)
		expect(detailAt(str, 'requestTemplate.structure')).toMatchObject({
			code: 'invalid_type',
			received: 'string',
		})
		expect(detailAt(str, 'protocolConfig')).toBeDefined()

		const e = await call(
			deps.app,
			'POST',
			'/api/targets',
			targetBody({ connectorType: 'FTP', authType: 'MAGIC' }),
		)
		expect(e.status).toBe(400)
		expect(detailAt(e, 'connectorType')).toMatchObject({ code: 'invalid_enum_value' })
		expect(detailAt(e, 'connectorType').message).toContain(
			'"HTTP_REST" | "WEBSOCKET" | "GRPC" | "SSE"',
		)
		expect(detailAt(e, 'authType').message).toContain('"OAUTH2"')
	})

	test('auth config is validated per auth type, with paths under authConfig', async () => {
		const cases: [Record<string, unknown>, string][] = [
			[{ authType: 'BEARER_TOKEN', authConfig: {} }, 'authConfig.token'],
			[{ authType: 'API_KEY', authConfig: { token: 'x' } }, 'authConfig.apiKey'],
			[{ authType: 'BASIC_AUTH', authConfig: { username: 'u' } }, 'authConfig.password'],
			[
				{ authType: 'CUSTOM_HEADER', authConfig: { headers: { 'bad header': 'v' } } },
				'authConfig.headers',
			],
			[
				{ authType: 'OAUTH2', authConfig: { tokenUrl: 'https://a/t', clientId: 'c' } },
				'authConfig.clientSecret',
			],
			[{ authType: 'NONE', authConfig: { token: 'stray' } }, 'authConfig.token'],
		]
		for (const [over, path] of cases) {
			const r = await call(deps.app, 'POST', '/api/targets', targetBody(over))
			expect(r.status, JSON.stringify(over)).toBe(400)
			expect(
				r.json.details.map((d: any) => d.path.join('.')).some((p: string) => p.startsWith(path)),
				`${path} in ${r.text}`,
			).toBe(true)
		}
		// NONE needs no authConfig at all.
		const none = await call(deps.app, 'POST', '/api/targets', {
			...targetBody({ authType: 'NONE' }),
			authConfig: undefined,
		})
		expect(none.status).toBe(201)
	})

	test('endpoint per connector type, deny list on endpoints and OAuth token URLs', async () => {
		const bad: [Record<string, unknown>, string][] = [
			[{ endpoint: 'not a url' }, 'endpoint'],
			[{ endpoint: 'ftp://x.example.com' }, 'endpoint'],
			[{ connectorType: 'WEBSOCKET', endpoint: 'https://x.example.com' }, 'endpoint'],
			[{ connectorType: 'GRPC', endpoint: 'https://x.example.com' }, 'endpoint'],
			[{ connectorType: 'GRPC', endpoint: 'host:99999' }, 'endpoint'],
			[{ endpoint: 'http://169.254.169.254/latest/meta-data' }, 'endpoint'],
			[{ connectorType: 'GRPC', endpoint: 'metadata.google.internal:80' }, 'endpoint'],
			[
				{
					authType: 'OAUTH2',
					authConfig: {
						tokenUrl: 'http://169.254.169.254/token',
						clientId: 'c',
						clientSecret: 's',
					},
				},
				'authConfig.tokenUrl',
			],
		]
		for (const [over, path] of bad) {
			const r = await call(deps.app, 'POST', '/api/targets', targetBody(over))
			expect(r.status, JSON.stringify(over)).toBe(400)
			expect(detailAt(r, path), r.text).toBeDefined()
		}
		for (const over of [
			{ connectorType: 'GRPC', endpoint: 'localhost:50051', protocolConfig: grpcConfig },
			{ connectorType: 'GRPC', endpoint: '[::1]:50051', protocolConfig: grpcConfig },
			{ connectorType: 'WEBSOCKET', endpoint: 'wss://chat.example.com/ws' },
			{ connectorType: 'SSE', endpoint: 'http://127.0.0.1:8080/stream' },
		]) {
			const r = await call(deps.app, 'POST', '/api/targets', targetBody(over))
			expect(r.status, `${JSON.stringify(over)} ${r.text}`).toBe(201)
		}
	})

	test('templates are checked on save: writable message path, valid read paths', async () => {
		const r = await call(
			deps.app,
			'POST',
			'/api/targets',
			targetBody({
				requestTemplate: {
					messagePath: 'model.x',
					structure: { model: 'gpt-4' },
					historyPath: 'model',
				},
				responseTemplate: { responsePath: '$..[?(@.x)]' },
			}),
		)
		expect(r.status).toBe(400)
		expect(detailAt(r, 'requestTemplate.messagePath').message).toContain('not writable')
		expect(detailAt(r, 'requestTemplate.historyPath').message).toContain('must be an array')
		expect(detailAt(r, 'responseTemplate.responsePath').message).toContain('not allowed')
		const missing = await call(
			deps.app,
			'POST',
			'/api/targets',
			targetBody({ responseTemplate: {} }),
		)
		expect(detailAt(missing, 'responseTemplate.responsePath').message).toBe('Required')
	})
})

describe('GET /api/targets', () => {
	test('lists without authConfig or templates; filters; count', async () => {
		const a = await create({
			name: 'ws one',
			connectorType: 'WEBSOCKET',
			endpoint: 'ws://127.0.0.1:9/ws',
			isActive: false,
		})
		const r = await call(deps.app, 'GET', '/api/targets')
		expect(r.status).toBe(200)
		expect(r.json.count).toBe(r.json.data.length)
		for (const t of r.json.data) {
			expect(t.authConfig).toBeUndefined()
			expect(t.requestTemplate).toBeUndefined()
			expect(t.responseTemplate).toBeUndefined()
		}
		const ws = await call(deps.app, 'GET', '/api/targets?connectorType=WEBSOCKET')
		expect(ws.json.data.map((t: any) => t.id)).toContain(a)
		expect(ws.json.data.every((t: any) => t.connectorType === 'WEBSOCKET')).toBe(true)
		expect(ws.json.data.length).toBeLessThan(r.json.data.length)
		const inactive = await call(
			deps.app,
			'GET',
			'/api/targets?isActive=false&connectorType=WEBSOCKET',
		)
		expect(inactive.json.data.map((t: any) => t.id)).toEqual([a])
		const active = await call(deps.app, 'GET', '/api/targets?isActive=true')
		expect(active.json.data.every((t: any) => t.isActive)).toBe(true)
		expect(active.json.data.length).toBeGreaterThan(0)
	})

	test('invalid filter values are 400 with details, not an empty list', async () => {
		const r = await call(deps.app, 'GET', '/api/targets?isActive=maybe&connectorType=FTP')
		expect(r.status).toBe(400)
		expect(r.json.error).toBe('Validation error')
		expect(detailAt(r, 'isActive')).toMatchObject({
			code: 'invalid_enum_value',
			expected: '"true" | "false"',
		})
		expect(detailAt(r, 'connectorType').message).toContain('FTP')
	})
})

describe('GET /api/targets/:id', () => {
	test('full details with masked auth, templates and counts', async () => {
		const id = await create({ protocolConfig: { method: 'POST', path: '/v1/chat' } })
		await insertSession(deps, id)
		await insertSession(deps, id)
		await deps.db.insert(scenarios).values({ name: 's', flowConfig: [], targetId: id })
		const r = await call(deps.app, 'GET', `/api/targets/${id}`)
		expect(r.status).toBe(200)
		expect(r.json.data).toMatchObject({
			id,
			authType: 'BEARER_TOKEN',
			authConfig: { token: 'your...en-1' },
			requestTemplate: { messagePath: '$.messages[0].content' },
			responseTemplate: { responsePath: '$.choices[0].message.content', transform: 'none' },
			protocolConfig: { method: 'POST', path: '/v1/chat' },
			sessionCount: 2,
			scenarioCount: 1,
		})
		expect(r.text).not.toContain('your-api-token-1')
	})

	test('404 with the reference error', async () => {
		const r = await call(deps.app, 'GET', '/api/targets/nope')
		expect(r.status).toBe(404)
		expect(r.json).toEqual({ success: false, error: 'Target not found' })
	})
})

describe('PATCH / PUT /api/targets/:id', () => {
	test('partial update keeps everything else; message and shape of the reference', async () => {
		const id = await create()
		const r = await call(deps.app, 'PATCH', `/api/targets/${id}`, {
			name: 'Updated Name',
			description: 'Updated description',
		})
		expect(r.status).toBe(200)
		expect(r.json.message).toBe('Target updated successfully')
		expect(r.json.data).toMatchObject({
			id,
			name: 'Updated Name',
			description: 'Updated description',
			endpoint: 'https://api.example.com/chat',
		})
		expect(r.json.data.updatedAt).toBeString()
		const put = await call(deps.app, 'PUT', `/api/targets/${id}`, { isActive: false })
		expect(put.status).toBe(200)
		expect(put.json.data.isActive).toBe(false)
		expect(put.json.data.name).toBe('Updated Name')
	})

	test('400 with details; 404', async () => {
		const id = await create()
		const r = await call(deps.app, 'PATCH', `/api/targets/${id}`, { name: '', endpoint: 'nope' })
		expect(r.status).toBe(400)
		expect(detailAt(r, 'name').code).toBe('too_small')
		const ep = await call(deps.app, 'PATCH', `/api/targets/${id}`, { endpoint: 'nope' })
		expect(detailAt(ep, 'endpoint')).toBeDefined()
		const type = await call(deps.app, 'PATCH', `/api/targets/${id}`, { connectorType: 'GRPC' })
		expect(detailAt(type, 'endpoint').message).toContain('host:port')
		const missing = await call(deps.app, 'PATCH', '/api/targets/nope', { name: 'x' })
		expect(missing.status).toBe(404)
		expect(missing.json.error).toBe('Target not found')
	})

	test('changing authType needs a valid authConfig for the new type', async () => {
		const id = await create()
		const r = await call(deps.app, 'PATCH', `/api/targets/${id}`, { authType: 'BASIC_AUTH' })
		expect(r.status).toBe(400)
		expect(detailAt(r, 'authConfig.username')).toBeDefined()
		const masked = await call(deps.app, 'PATCH', `/api/targets/${id}`, {
			authType: 'API_KEY',
			authConfig: { apiKey: 'your...en-1' },
		})
		expect(masked.status).toBe(400)
		expect(detailAt(masked, 'authConfig.apiKey').message).toContain('masked value')
		const ok = await call(deps.app, 'PATCH', `/api/targets/${id}`, {
			authType: 'BASIC_AUTH',
			authConfig: { username: 'me', password: 'a-long-password-123' },
		})
		expect(ok.status).toBe(200)
		const got = await call(deps.app, 'GET', `/api/targets/${id}`)
		expect(got.json.data.authConfig).toEqual({ username: 'me', password: 'a-lo...-123' })
		const none = await call(deps.app, 'PATCH', `/api/targets/${id}`, { authType: 'NONE' })
		expect(none.status).toBe(200)
		const [row] = await deps.db.select().from(targets).where(eq(targets.id, id))
		expect(row!.authConfig).toBeNull()
	})
})

describe('DELETE /api/targets/:id', () => {
	test('200 with the reference message; then 404', async () => {
		const id = await create()
		const r = await call(deps.app, 'DELETE', `/api/targets/${id}`)
		expect(r.status).toBe(200)
		expect(r.json).toEqual({ success: true, message: 'Target deleted successfully' })
		expect((await call(deps.app, 'GET', `/api/targets/${id}`)).status).toBe(404)
		expect((await call(deps.app, 'DELETE', `/api/targets/${id}`)).status).toBe(404)
	})

	test('refused with the reference 400 while sessions exist', async () => {
		const id = await create()
		for (let i = 0; i < 5; i++) await insertSession(deps, id)
		const r = await call(deps.app, 'DELETE', `/api/targets/${id}`)
		expect(r.status).toBe(400)
		expect(r.json).toEqual({
			success: false,
			error: 'Cannot delete target with existing sessions',
			message: 'This target has 5 session(s). Delete sessions first or archive the target instead.',
		})
		expect((await call(deps.app, 'GET', `/api/targets/${id}`)).status).toBe(200)
	})

	test('refused with a clear 400 (not a 500) while schedules point at it', async () => {
		const id = await create()
		const [scenario] = await deps.db
			.insert(scenarios)
			.values({ name: 's', flowConfig: [] })
			.returning()
		await deps.db
			.insert(scheduledJobs)
			.values({ scenarioId: scenario!.id, targetId: id, cronExpression: '0 * * * *' })
		const r = await call(deps.app, 'DELETE', `/api/targets/${id}`)
		expect(r.status).toBe(400)
		expect(r.json.error).toBe('Cannot delete target with existing schedules')
	})
})
