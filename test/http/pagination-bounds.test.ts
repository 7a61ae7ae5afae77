import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { count } from 'drizzle-orm'
import { sessions, webhookDeliveries } from '../../src/db/schema'
import { MAX_OFFSET } from '../../src/http/model'
import { call, createTestDeps, type TestDeps } from '../helpers/deps'
import { envelopeProblem } from '../helpers/fuzz'
import { seedMessages, seedSession, seedTarget } from '../helpers/seed'

let deps: TestDeps
let sessionId: string
let webhookId: string

beforeAll(async () => {
	deps = await createTestDeps()
	const target = await seedTarget(deps.db)
	for (let i = 0; i < 3; i++) {
		const s = await seedSession(deps.db, { targetId: target.id })
		sessionId = s.id
	}
	await seedMessages(deps.db, sessionId, [{}, {}, {}, {}])
	const w = await call(deps.app, 'POST', '/api/webhooks', {
		name: 'Ops',
		url: 'https://hooks.example.com/krawall',
		events: ['session.completed'],
	})
	webhookId = w.json.data.id
	await deps.db.insert(webhookDeliveries).values(
		[1, 2, 3].map((i) => ({
			webhookId,
			event: 'session.completed',
			payload: { i },
			status: 'DELIVERED' as const,
		})),
	)
})
afterAll(() => deps.close())

const lists = () => [
	'/api/sessions',
	`/api/sessions/${sessionId}/messages`,
	'/api/metrics',
	`/api/webhooks/${webhookId}/deliveries`,
]

describe('limit and offset on every paged list', () => {
	test('out-of-range, fractional or non-numeric values are a 400 in the reference envelope, naming the field', async () => {
		const sessionsBefore = (await deps.db.select({ n: count() }).from(sessions))[0].n
		for (const path of lists()) {
			for (const [field, value] of [
				['offset', '-1'],
				['offset', '1e20'],
				['offset', String(MAX_OFFSET + 1)],
				['offset', '1.5'],
				['offset', 'abc'],
				['limit', '0'],
				['limit', '-5'],
				['limit', '1e20'],
				['limit', '2.5'],
				['limit', 'ten'],
			]) {
				const r = await call(deps.app, 'GET', `${path}?${field}=${value}`)
				const what = `${path}?${field}=${value}`
				expect(envelopeProblem(r, { json: true }), what).toBeUndefined()
				expect(r.status, what).toBe(400)
				expect(r.json.error, what).toBe('Validation error')
				expect(r.json.details[0].path, what).toEqual([field])
			}
		}
		// A refused request changed nothing.
		expect((await deps.db.select({ n: count() }).from(sessions))[0].n).toBe(sessionsBefore)
	})

	test('limit and offset come back as numbers and bound the page', async () => {
		for (const path of lists()) {
			const r = await call(deps.app, 'GET', `${path}?limit=1&offset=1`)
			expect(r.status, path).toBe(200)
			const p = r.json.pagination ?? r.json.data.pagination
			expect(p.limit, path).toBe(1)
			expect(p.offset, path).toBe(1)
			expect(p.total, path).toBeGreaterThanOrEqual(3)
			expect(p.hasMore, path).toBe(true)
			const rows = Array.isArray(r.json.data) ? r.json.data : r.json.data.sessions
			expect(rows.length, path).toBe(1)
			// The largest offset allowed is an empty page, not an error.
			const far = await call(deps.app, 'GET', `${path}?offset=${MAX_OFFSET}`)
			expect(far.status, path).toBe(200)
			const farRows = Array.isArray(far.json.data) ? far.json.data : far.json.data.sessions
			expect(farRows.length, path).toBe(0)
		}
	})
})
