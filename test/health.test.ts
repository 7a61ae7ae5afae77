import { afterAll, describe, expect, test } from 'bun:test'
import { createRedisBus } from '../src/bus/redis'
import { openPostgres } from '../src/db/client'
import { createLogger } from '../src/log'
import { createMemoryQueue } from '../src/queue/memory'
import { call, createTestDeps, testRedisUrl, type TestDeps } from './helpers/deps'

const quiet = createLogger('silent')

const made: TestDeps[] = []
afterAll(async () => {
	await Promise.all(made.map((d) => d.close()))
})
const make = async (...args: Parameters<typeof createTestDeps>) => {
	const d = await createTestDeps(...args)
	made.push(d)
	return d
}

// An address where nothing listens: a stopped Postgres or Redis, as the client sees it.
const DEAD_PG = 'postgres://postgres@127.0.0.1:1/test'
const DEAD_REDIS = 'redis://127.0.0.1:1'

describe('GET /api/health', () => {
	test('healthy: the reference shape, database timed, redis disabled or healthy', async () => {
		const { app } = await make()
		const r = await call(app, 'GET', '/api/health')
		expect(r.status).toBe(200)
		expect(r.json.status).toBe('healthy')
		expect(new Date(r.json.timestamp).toString()).not.toBe('Invalid Date')
		expect(r.json.services.api).toEqual({ status: 'healthy', responseTimeMs: expect.any(Number) })
		expect(r.json.services.database).toEqual({
			status: 'healthy',
			responseTimeMs: expect.any(Number),
			error: null,
		})
		if (testRedisUrl()) {
			expect(r.json.services.redis).toEqual({
				status: 'healthy',
				responseTimeMs: expect.any(Number),
				error: null,
			})
		} else {
			expect(r.json.services.redis).toEqual({ status: 'disabled' })
		}
	})

	test('database down: 503 unhealthy with the error', async () => {
		const dead = openPostgres(DEAD_PG, { max: 1 })
		const deps = await make({ overrides: { database: dead } })
		const r = await call(deps.app, 'GET', '/api/health')
		expect(r.status).toBe(503)
		expect(r.json.status).toBe('unhealthy')
		expect(r.json.services.database.status).toBe('unhealthy')
		expect(typeof r.json.services.database.error).toBe('string')
		expect(r.json.services.database.error.length).toBeGreaterThan(0)
	})

	test('redis down (REDIS_URL set): 200 degraded', async () => {
		const deps = await make({
			env: { REDIS_URL: DEAD_REDIS },
			overrides: {
				bus: createRedisBus(DEAD_REDIS, { log: quiet, prefix: 'dead' }),
				queue: createMemoryQueue({ log: quiet }),
			},
		})
		const r = await call(deps.app, 'GET', '/api/health')
		expect(r.status).toBe(200)
		expect(r.json.status).toBe('degraded')
		expect(r.json.services.database.status).toBe('healthy')
		expect(r.json.services.redis.status).toBe('unhealthy')
		expect(r.json.services.redis.error).toBeTruthy()
	})
})

describe('dashboard shell', () => {
	test('home page renders the layout with the navigation and local assets', async () => {
		const { app } = await make()
		const r = await call(app, 'GET', '/')
		expect(r.status).toBe(200)
		expect(r.headers.get('content-type')).toContain('text/html')
		for (const label of [
			'Dashboard',
			'Targets',
			'Scenarios',
			'Sessions',
			'Metrics',
			'Schedules',
			'Webhooks',
		]) {
			expect(r.text).toContain(`>${label}</a>`)
		}
		expect(r.text).toContain('src="/public/htmx.min.js"')
		expect(r.text).not.toMatch(/https?:\/\/(cdn|unpkg)/)
		for (const asset of ['app.css', 'htmx.min.js', 'sse.min.js', 'favicon.svg', 'logo.svg']) {
			const a = await app.handle(new Request(`http://localhost/public/${asset}`))
			expect(a.status).toBe(200)
			expect((await a.text()).length).toBeGreaterThan(100)
		}
		const icon = await app.handle(new Request('http://localhost/favicon.svg'))
		expect(icon.headers.get('content-type')).toBe('image/svg+xml')
		expect(await icon.text()).toContain('<svg')
		const htmx = await (await app.handle(new Request('http://localhost/public/htmx.min.js'))).text()
		expect(htmx).toContain('2.0.')
	})
})
