import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { nextRuns } from '../../src/schedules/cron'
import { call, createTestDeps, form, type TestDeps } from '../helpers/deps'
import { seedScenario } from '../helpers/schedules'

let deps: TestDeps
let seed: Awaited<ReturnType<typeof seedScenario>>
beforeAll(async () => {
	deps = await createTestDeps()
	seed = await seedScenario(deps)
})
afterAll(async () => {
	await deps.close()
})

const create = (body: Record<string, unknown>) =>
	call(deps.app, 'POST', '/api/scheduled-jobs', body)

describe('scheduled jobs API', () => {
	test('create: 201 with nextRunAt computed in the job time zone, scenario named', async () => {
		const before = new Date()
		const r = await create({
			scenarioId: seed.bare.id,
			targetId: seed.target.id,
			cronExpression: '0 9 * * *',
			timezone: 'Europe/Berlin',
		})
		expect(r.status).toBe(201)
		expect(r.json.message).toBe('Scheduled job created successfully')
		const d = r.json.data
		expect(d).toMatchObject({
			scenarioId: seed.bare.id,
			targetId: seed.target.id,
			cronExpression: '0 9 * * *',
			timezone: 'Europe/Berlin',
			isEnabled: true,
			lastRunAt: null,
			lastSessionId: null,
			scenario: { name: 'No target <b>x</b>' },
			target: { id: seed.target.id },
			description: 'At 09:00',
		})
		const expected = nextRuns('0 9 * * *', 'Europe/Berlin', before, 1)[0]!
		expect(new Date(d.nextRunAt).getTime()).toBe(expected.getTime())
		const hourInBerlin = new Intl.DateTimeFormat('en-GB', {
			timeZone: 'Europe/Berlin',
			hour: '2-digit',
			hour12: false,
		}).format(new Date(d.nextRunAt))
		expect(hourInBerlin).toBe('09')
	})

	test('targetId may be left out when the scenario has one; required otherwise (400 with details)', async () => {
		const ok = await create({ scenarioId: seed.owned.id, cronExpression: '@hourly' })
		expect(ok.status).toBe(201)
		expect(ok.json.data).toMatchObject({
			targetId: null,
			timezone: 'UTC',
			target: { id: seed.target.id },
		})

		const bad = await create({ scenarioId: seed.bare.id, cronExpression: '@hourly' })
		expect(bad.status).toBe(400)
		expect(bad.json.error).toBe('Validation error')
		expect(bad.json.details[0]).toMatchObject({ path: ['targetId'], code: 'invalid_type' })
	})

	test('invalid cron and time zone: 400 with a detail per field; missing fields: Required', async () => {
		const r = await create({
			scenarioId: seed.owned.id,
			cronExpression: '99 * * * *',
			timezone: 'Atlantis/Capital',
		})
		expect(r.status).toBe(400)
		const paths = r.json.details.map((d: any) => d.path[0]).sort()
		expect(paths).toEqual(['cronExpression', 'timezone'])
		const missing = await create({ scenarioId: seed.owned.id })
		expect(missing.status).toBe(400)
		expect(missing.json.details[0]).toMatchObject({ path: ['cronExpression'], message: 'Required' })
	})

	test('unknown scenario or target: 404', async () => {
		const s = await create({
			scenarioId: 'nope',
			targetId: seed.target.id,
			cronExpression: '@daily',
		})
		expect(s.status).toBe(404)
		expect(s.json).toEqual({ success: false, error: 'Scenario not found' })
		const t = await create({ scenarioId: seed.bare.id, targetId: 'nope', cronExpression: '@daily' })
		expect(t.status).toBe(404)
		expect(t.json).toEqual({ success: false, error: 'Target not found' })
	})

	test('list with scenarioId filter', async () => {
		await create({ scenarioId: seed.owned.id, cronExpression: '@weekly' })
		const all = await call(deps.app, 'GET', '/api/scheduled-jobs')
		const owned = await call(deps.app, 'GET', `/api/scheduled-jobs?scenarioId=${seed.owned.id}`)
		expect(all.status).toBe(200)
		expect(owned.json.data.length).toBeGreaterThan(0)
		expect(owned.json.data.every((j: any) => j.scenarioId === seed.owned.id)).toBe(true)
		expect(all.json.data.length).toBeGreaterThan(owned.json.data.length)
		expect(all.json.data[0].scenario.name).toBeString()
	})

	test('PATCH recomputes nextRunAt; disabling clears it, enabling restores it; PUT replaces', async () => {
		const c = await create({ scenarioId: seed.owned.id, cronExpression: '0 0 1 1 *' })
		const id = c.json.data.id
		const p = await call(deps.app, 'PATCH', `/api/scheduled-jobs/${id}`, {
			cronExpression: '*/5 * * * *',
		})
		expect(p.status).toBe(200)
		expect(p.json.message).toBe('Scheduled job updated successfully')
		expect(new Date(p.json.data.nextRunAt).getTime() - Date.now()).toBeLessThanOrEqual(5 * 60_000)
		const off = await call(deps.app, 'PATCH', `/api/scheduled-jobs/${id}`, { isEnabled: false })
		expect(off.json.data).toMatchObject({ isEnabled: false, nextRunAt: null })
		const on = await call(deps.app, 'PATCH', `/api/scheduled-jobs/${id}`, { isEnabled: true })
		expect(on.json.data.nextRunAt).not.toBeNull()
		const badTz = await call(deps.app, 'PATCH', `/api/scheduled-jobs/${id}`, {
			timezone: 'Nowhere/Land',
		})
		expect(badTz.status).toBe(400)
		expect(badTz.json.details[0].path).toEqual(['timezone'])
		const put = await call(deps.app, 'PUT', `/api/scheduled-jobs/${id}`, {
			scenarioId: seed.bare.id,
			targetId: seed.target.id,
			cronExpression: '0 12 * * *',
			timezone: 'America/New_York',
		})
		expect(put.status).toBe(200)
		expect(put.json.data).toMatchObject({
			scenarioId: seed.bare.id,
			timezone: 'America/New_York',
			cronExpression: '0 12 * * *',
		})
		const putIncomplete = await call(deps.app, 'PUT', `/api/scheduled-jobs/${id}`, {
			cronExpression: '@daily',
		})
		expect(putIncomplete.status).toBe(400)
		// Dropping the target of a scenario that has none is refused.
		const drop = await call(deps.app, 'PUT', `/api/scheduled-jobs/${id}`, {
			scenarioId: seed.bare.id,
			cronExpression: '@daily',
		})
		expect(drop.status).toBe(400)
		expect(drop.json.details[0].path).toEqual(['targetId'])
	})

	test('404s on get, patch, put and delete', async () => {
		for (const [m, b] of [
			['GET'],
			['PATCH', { isEnabled: false }],
			['PUT', { scenarioId: seed.owned.id, cronExpression: '@daily' }],
			['DELETE'],
		] as [string, unknown?][]) {
			const r = await call(deps.app, m, '/api/scheduled-jobs/missing', b)
			expect(r.status).toBe(404)
			expect(r.json).toEqual({ success: false, error: 'Scheduled job not found' })
		}
	})

	test('delete: 200 then 404', async () => {
		const c = await create({ scenarioId: seed.owned.id, cronExpression: '@daily' })
		const d = await call(deps.app, 'DELETE', `/api/scheduled-jobs/${c.json.data.id}`)
		expect(d.json).toEqual({ success: true, message: 'Scheduled job deleted successfully' })
		expect((await call(deps.app, 'GET', `/api/scheduled-jobs/${c.json.data.id}`)).status).toBe(404)
	})

	test('preview: a reading and the next five runs; invalid input explained', async () => {
		const r = await call(
			deps.app,
			'GET',
			'/api/scheduled-jobs/preview?cronExpression=30%202%20*%20*%201&timezone=Europe/Berlin',
		)
		expect(r.status).toBe(200)
		expect(r.json.data.valid).toBe(true)
		expect(r.json.data.description).toBe('At 02:30, only on Monday')
		expect(r.json.data.nextRuns).toHaveLength(5)
		const frag = await call(
			deps.app,
			'GET',
			'/api/scheduled-jobs/preview?cronExpression=%3Cscript%3E&timezone=UTC',
			undefined,
			{ 'hx-request': 'true' },
		)
		expect(frag.text).toStartWith('<div id="cron-preview"')
		expect(frag.text).toContain('Invalid cron expression')
		expect(frag.text).not.toContain('<script>')
	})
})

describe('schedules dashboard', () => {
	test('list page: full page with escaped names; API fragment without layout', async () => {
		await create({
			name: '<img src=x onerror=alert(1)>',
			scenarioId: seed.owned.id,
			cronExpression: '@daily',
		})
		const p = await call(deps.app, 'GET', '/schedules')
		expect(p.status).toBe(200)
		expect(p.text).toContain('<html')
		expect(p.text).toContain('&lt;img src=x onerror=alert(1)&gt;')
		expect(p.text).not.toContain('<img src=x')
		expect(p.text).toContain('No target &lt;b&gt;x&lt;/b&gt;')
		const f = await call(deps.app, 'GET', '/api/scheduled-jobs', undefined, {
			'hx-request': 'true',
		})
		expect(f.text).toStartWith('<div id="schedule-table"')
		expect(f.text).not.toContain('<img src=x')
	})

	test('new and edit pages show the cron preview with five runs', async () => {
		const n = await call(deps.app, 'GET', '/schedules/new')
		expect(n.status).toBe(200)
		expect(n.text).toContain('id="cron-preview"')
		expect(n.text.match(/<time /g)?.length).toBe(5)
		const c = await create({
			scenarioId: seed.owned.id,
			cronExpression: '0 3 * * *',
			timezone: 'America/New_York',
		})
		const e = await call(deps.app, 'GET', `/schedules/${c.json.data.id}`)
		expect(e.status).toBe(200)
		expect(e.text).toContain('At 03:00')
		expect(e.text).toMatch(/03:00 (EST|EDT)/)
		expect(
			(await call(deps.app, 'GET', '/schedules/missing', undefined, { accept: 'text/html' }))
				.status,
		).toBe(404)
	})

	test('form create, toggle and delete redirect (303) without JavaScript; htmx gets HX-Location', async () => {
		const r = await form(deps.app, '/api/scheduled-jobs', [
			['name', 'Nightly'],
			['scenarioId', seed.owned.id],
			['targetId', ''],
			['cronExpression', '0 2 * * *'],
			['timezone', 'UTC'],
			['isEnabled:boolean', 'false'],
			['isEnabled:boolean', 'on'],
		])
		expect(r.status).toBe(303)
		expect(r.headers.get('location')).toBe('/schedules')
		const list = (await call(deps.app, 'GET', '/api/scheduled-jobs')).json.data
		const job = list.find((j: any) => j.name === 'Nightly')
		expect(job).toMatchObject({ isEnabled: true, targetId: null })

		const off = await form(
			deps.app,
			`/api/scheduled-jobs/${job.id}/toggle`,
			{ 'isEnabled:boolean': 'false' },
			{ htmx: true },
		)
		expect(off.status).toBe(200)
		expect(JSON.parse(off.headers.get('hx-location')!).path).toBe('/schedules')
		expect((await call(deps.app, 'GET', `/api/scheduled-jobs/${job.id}`)).json.data).toMatchObject({
			isEnabled: false,
			nextRunAt: null,
		})

		const bad = await form(
			deps.app,
			`/api/scheduled-jobs/${job.id}`,
			{ scenarioId: seed.owned.id, cronExpression: 'x' },
			{ htmx: true },
		)
		expect(bad.status).toBe(400)
		expect(bad.text).toContain('Invalid cron expression')

		const del = await form(deps.app, `/api/scheduled-jobs/${job.id}/delete`, {})
		expect(del.status).toBe(303)
		expect((await call(deps.app, 'GET', `/api/scheduled-jobs/${job.id}`)).status).toBe(404)
	})
})
