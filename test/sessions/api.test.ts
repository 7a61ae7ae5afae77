import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { existsSync } from 'node:fs'
import { sessions } from '../../src/db/schema'
import { sessionLogDir } from '../../src/sessions/log-path'
import { SESSION_RUN_JOB } from '../../src/sessions/model'
import { call, createTestDeps, form, type TestDeps } from '../helpers/deps'
import { createPresetTarget, createScenario, MOCK_KEY } from '../helpers/mock-run'

// No worker runs in this file: sessions stay QUEUED unless a test moves them.
let deps: TestDeps
let targetId: string
let scenarioId: string
beforeAll(async () => {
	deps = await createTestDeps()
	targetId = (
		await createPresetTarget(deps, 'openai-chat', 'http://127.0.0.1:9', { name: 'Bot <b>x</b>' })
	).id
	scenarioId = (
		await createScenario(deps, {
			name: 'Scn',
			flowConfig: [{ id: 'a', type: 'message', config: { message: 'hi' } }],
		})
	).id
})
afterAll(async () => {
	await deps?.close()
})

const execute = (body: unknown) => call(deps.app, 'POST', '/api/execute', body)

describe('POST /api/execute', () => {
	test('202 with the reference shape; the snapshot is frozen and its secret stays encrypted', async () => {
		const r = await execute({
			targetId,
			scenarioId,
			executionConfig: { repetitions: 2, concurrency: 2, maxTokens: 500 },
		})
		expect(r.status).toBe(202)
		expect(r.json).toEqual({
			success: true,
			data: {
				sessionId: expect.any(String),
				status: 'QUEUED',
				message: 'Session queued for execution',
			},
		})
		const [row] = await deps.db
			.select()
			.from(sessions)
			.where(eq(sessions.id, r.json.data.sessionId))
		const snap = row.executionConfig as any
		expect(snap).toMatchObject({
			repetitions: 2,
			concurrency: 2,
			maxTokens: 500,
			verbosityLevel: 'normal',
		})
		expect(snap.target.authConfig.data).toBeString()
		expect(JSON.stringify(snap)).not.toContain(MOCK_KEY)
		expect(snap.scenario.flowConfig).toHaveLength(1)
		expect(row.logPath).toBe(`logs/sessions/${row.id}/`)
		expect(await deps.queue.pending(SESSION_RUN_JOB)).toBeGreaterThan(0)
		const got = await call(deps.app, 'GET', `/api/sessions/${row.id}`)
		expect(got.status).toBe(200)
		expect(got.text).not.toContain(MOCK_KEY)
		expect(got.text).not.toContain(snap.target.authConfig.data)
		expect(got.json.data).toMatchObject({
			id: row.id,
			status: 'QUEUED',
			targetId,
			scenarioId,
			logPath: row.logPath,
		})
		expect(got.json.data.target).toMatchObject({ id: targetId, connectorType: 'HTTP_REST' })
		expect(got.json.data.scenario).toMatchObject({ id: scenarioId, name: 'Scn' })
	})

	test('customMessages without a scenario; a textarea string is one message per line', async () => {
		const r = await execute({ targetId, executionConfig: { customMessages: 'one\n\ntwo\n' } })
		expect(r.status).toBe(202)
		const [row] = await deps.db
			.select()
			.from(sessions)
			.where(eq(sessions.id, r.json.data.sessionId))
		expect((row.executionConfig as any).customMessages).toEqual(['one', 'two'])
	})

	test('400: neither scenario nor messages, exactly as the reference says', async () => {
		const r = await execute({ targetId })
		expect(r.status).toBe(400)
		expect(r.json).toEqual({
			success: false,
			error: 'Either scenarioId or executionConfig.customMessages is required',
		})
	})

	test('400 validation details for bad overrides', async () => {
		const r = await execute({
			targetId,
			scenarioId,
			executionConfig: { repetitions: 0, concurrency: 11, verbosityLevel: 'loud' },
		})
		expect(r.status).toBe(400)
		expect(r.json.error).toBe('Validation error')
		const paths = r.json.details.map((d: any) => d.path.join('.'))
		expect(paths).toContain('executionConfig.repetitions')
		expect(paths).toContain('executionConfig.concurrency')
		const missing = await execute({ scenarioId })
		expect(missing.status).toBe(400)
		expect(missing.json.details[0]).toMatchObject({
			code: 'invalid_type',
			path: ['targetId'],
			message: 'Required',
		})
	})

	test('404 for an unknown target or scenario', async () => {
		const t = await execute({ targetId: 'nope', scenarioId })
		expect(t.status).toBe(404)
		expect(t.json).toEqual({ success: false, error: 'Target not found' })
		const s = await execute({ targetId, scenarioId: 'nope' })
		expect(s.status).toBe(404)
		expect(s.json).toEqual({ success: false, error: 'Scenario not found' })
	})

	test('400 for an inactive target or scenario', async () => {
		const inactive = await createPresetTarget(deps, 'openai-chat', 'http://127.0.0.1:9', {
			isActive: false,
		})
		const t = await execute({ targetId: inactive.id, scenarioId })
		expect(t.status).toBe(400)
		expect(t.json.error).toBe('Target is inactive')
		const sc = await createScenario(deps, {
			isActive: false,
			flowConfig: [{ id: 'a', type: 'message', config: { message: 'x' } }],
		})
		const s = await execute({ targetId, scenarioId: sc.id })
		expect(s.status).toBe(400)
		expect(s.json.error).toBe('Scenario is inactive')
	})

	test('a plain form post redirects to the session page (303)', async () => {
		const r = await form(deps.app, '/api/execute', {
			targetId,
			scenarioId,
			'executionConfig.repetitions:number': '1',
		})
		expect(r.status).toBe(303)
		expect(r.headers.get('location')).toStartWith('/sessions/')
	})
})

describe('GET /api/sessions', () => {
	test('filters, pagination and 400 for invalid values', async () => {
		const all = await call(deps.app, 'GET', '/api/sessions?limit=2')
		expect(all.status).toBe(200)
		expect(all.json.data.length).toBe(2)
		expect(all.json.pagination).toMatchObject({ limit: 2, offset: 0, hasMore: true })
		expect(all.json.data[0].target).toMatchObject({
			name: 'Bot <b>x</b>',
			connectorType: 'HTTP_REST',
		})
		const total = all.json.pagination.total
		const page2 = await call(deps.app, 'GET', `/api/sessions?limit=2&offset=${total - 1}`)
		expect(page2.json.data.length).toBe(1)
		expect(page2.json.pagination.hasMore).toBe(false)
		const byScenario = await call(
			deps.app,
			'GET',
			`/api/sessions?scenarioId=${scenarioId}&status=QUEUED`,
		)
		expect(
			byScenario.json.data.every((s: any) => s.scenarioId === scenarioId && s.status === 'QUEUED'),
		).toBe(true)
		expect(byScenario.json.data.length).toBeGreaterThan(0)
		const none = await call(deps.app, 'GET', '/api/sessions?status=COMPLETED')
		expect(none.json.data).toEqual([])
		for (const bad of ['limit=0', 'limit=1001', 'offset=-1', 'status=DONE', 'limit=abc']) {
			const r = await call(deps.app, 'GET', `/api/sessions?${bad}`)
			expect(r.status).toBe(400)
			expect(r.json.error).toBe('Validation error')
		}
	})

	test('htmx gets the table fragment with escaped names', async () => {
		const r = await call(deps.app, 'GET', '/api/sessions', undefined, { 'hx-request': 'true' })
		expect(r.headers.get('content-type')).toContain('text/html')
		expect(r.text).toContain('id="session-table"')
		expect(r.text).toContain('Bot &lt;b&gt;x&lt;/b&gt;')
		expect(r.text).not.toContain('<b>x</b>')
	})

	test('GET /api/sessions/:id and /messages: 404 for unknown ids', async () => {
		expect((await call(deps.app, 'GET', '/api/sessions/nope')).json).toEqual({
			success: false,
			error: 'Session not found',
		})
		expect((await call(deps.app, 'GET', '/api/sessions/nope/messages')).status).toBe(404)
		expect((await call(deps.app, 'GET', '/api/sessions/nope/stream')).status).toBe(404)
	})
})

describe('cancel, restart, delete', () => {
	test('a queued session is cancelled without running, its job removed; a second cancel conflicts', async () => {
		const id = (await execute({ targetId, scenarioId })).json.data.sessionId
		const r = await call(deps.app, 'POST', `/api/sessions/${id}/cancel`)
		expect(r.status).toBe(200)
		expect(r.json.data).toEqual({ id, status: 'CANCELLED' })
		const again = await call(deps.app, 'POST', `/api/sessions/${id}/cancel`)
		expect(again.status).toBe(400)
		expect(again.json.error).toBe('Session is not active')
		expect((await call(deps.app, 'POST', '/api/sessions/nope/cancel')).status).toBe(404)
	})

	test('restart creates a new QUEUED session with the same snapshot', async () => {
		const id = (await execute({ targetId, scenarioId, executionConfig: { repetitions: 3 } })).json
			.data.sessionId
		const r = await call(deps.app, 'POST', `/api/sessions/${id}/restart`)
		expect(r.status).toBe(202)
		expect(r.json.data).toMatchObject({ status: 'QUEUED', restartedFrom: id })
		const [a] = await deps.db.select().from(sessions).where(eq(sessions.id, id))
		const [b] = await deps.db.select().from(sessions).where(eq(sessions.id, r.json.data.sessionId))
		expect(b.executionConfig).toEqual(a.executionConfig)
		expect((await call(deps.app, 'POST', '/api/sessions/nope/restart')).status).toBe(404)
	})

	test('delete: refused while RUNNING, otherwise removes the session, its job and logs', async () => {
		const id = (await execute({ targetId, scenarioId })).json.data.sessionId
		await deps.db.update(sessions).set({ status: 'RUNNING' }).where(eq(sessions.id, id))
		const refused = await call(deps.app, 'DELETE', `/api/sessions/${id}`)
		expect(refused.status).toBe(400)
		expect(refused.json.error).toBe('Cannot delete a running session')
		await deps.db.update(sessions).set({ status: 'QUEUED' }).where(eq(sessions.id, id))
		const before = await deps.queue.pending(SESSION_RUN_JOB)
		const ok = await call(deps.app, 'DELETE', `/api/sessions/${id}`)
		expect(ok.status).toBe(200)
		expect(ok.json).toEqual({ success: true, message: 'Session deleted successfully' })
		expect(await deps.queue.pending(SESSION_RUN_JOB)).toBe(before - 1)
		expect(existsSync(sessionLogDir(deps.config.dataDir, id))).toBe(false)
		expect((await call(deps.app, 'DELETE', `/api/sessions/${id}`)).status).toBe(404)
	})
})

describe('pages', () => {
	test('/sessions is a full page with filters; /sessions/:id shows the session; 404 page for unknown ids', async () => {
		const list = await call(deps.app, 'GET', '/sessions?status=QUEUED')
		expect(list.status).toBe(200)
		expect(list.text).toContain('<!doctype html>')
		expect(list.text).toContain('name="status"')
		expect(list.text).toContain('Bot &lt;b&gt;x&lt;/b&gt;')
		const id = (await execute({ targetId, scenarioId })).json.data.sessionId
		const page = await call(deps.app, 'GET', `/sessions/${id}`)
		expect(page.status).toBe(200)
		expect(page.text).toContain(`sse-connect="/api/sessions/${id}/stream?format=html`)
		expect(page.text).toContain('Bot &lt;b&gt;x&lt;/b&gt;')
		const frag = await call(deps.app, 'GET', `/api/sessions/${id}`, undefined, {
			'hx-request': 'true',
		})
		expect(frag.text).toStartWith('<div id="session-detail"')
		expect((await call(deps.app, 'GET', '/sessions/nope')).status).toBe(404)
		const neu = await call(deps.app, 'GET', `/sessions/new?scenarioId=${scenarioId}`)
		expect(neu.text).toContain('id="execute-form"')
	})
})

test('custom messages with an unknown template variable are a 400 at execute time', async () => {
	const r = await execute({
		targetId,
		executionConfig: {
			customMessages: ['Hi {{nobody}}', 'ok {{known}}'],
			messageTemplates: { known: 1 },
		},
	})
	expect(r.status).toBe(400)
	expect(r.json.error).toBe('Validation error')
	expect(r.json.details.map((d: any) => d.path.join('.'))).toEqual([
		'executionConfig.customMessages.0',
	])
	const ok = await execute({
		targetId,
		executionConfig: {
			customMessages: ['Hi {{known}} in {{conversationIndex}}'],
			messageTemplates: { known: 1 },
		},
	})
	expect(ok.status).toBe(202)
})

test('NUL characters and unpaired surrogates: 400 in input, 404 in ids, never a 500', async () => {
	const r = await execute({
		targetId,
		executionConfig: { customMessages: ['a\u0000b'], messageTemplates: { x: '\ud800' } },
	})
	expect(r.status).toBe(400)
	expect(r.json.details.map((d: any) => d.path.join('.')).sort()).toEqual([
		'executionConfig.customMessages.0',
		'executionConfig.messageTemplates.x',
	])
	expect((await execute({ targetId: 'a\u0000b', scenarioId })).status).toBe(400)
	for (const [method, path] of [
		['GET', '/api/sessions/a%00b'],
		['GET', '/api/sessions/a%00b/messages'],
		['GET', '/api/sessions/a%00b/stream'],
		['POST', '/api/sessions/a%00b/cancel'],
		['POST', '/api/sessions/a%00b/restart'],
		['DELETE', '/api/sessions/a%00b'],
	]) {
		expect((await call(deps.app, method, path)).status).toBe(404)
	}
	// A filter is input like a body field: text the database cannot hold is a 400 naming it.
	const list = await call(deps.app, 'GET', '/api/sessions?targetId=a%00b')
	expect(list.status).toBe(400)
	expect(list.json.details[0].path).toEqual(['targetId'])
	const plain = await call(deps.app, 'GET', '/api/sessions?targetId=no-such-target')
	expect(plain.status).toBe(200)
	expect(plain.json.data).toEqual([])
})
