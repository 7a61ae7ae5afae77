import { afterAll, beforeAll, expect, test } from 'bun:test'
import fc from 'fast-check'
import { scenarios, scheduledJobs, targets, webhooks } from '../../src/db/schema'
import { MAX_BODY_DEPTH } from '../../src/http/body-limits'
import { call, createTestDeps, type TestDeps } from '../helpers/deps'
import { envelopeProblem } from '../helpers/fuzz'
import { targetBody } from '../helpers/targets'

/**
 * Property-based fuzzing of every `/api` route that takes a body (fast-check, seeded, bounded
 * runs; connection and webhook tests are left out, they would reach the fixtures' non-loopback
 * URLs): never a 5xx, JSON errors in the reference's envelope, and a 4xx changes no row. The
 * nesting and size limits answer with 400/413 whatever surrounds the deep or large part.
 * test/robustness/api-fuzz.test.ts covers hand-picked bad values; this one explores the space.
 */
const LIMIT = 256 * 1024
const SEED = 17
let deps: TestDeps
let ids: Record<string, string>

beforeAll(async () => {
	deps = await createTestDeps({ env: { KRAWALL_MAX_BODY_BYTES: String(LIMIT) } })
	const t = await call(deps.app, 'POST', '/api/targets', targetBody())
	const s = await call(deps.app, 'POST', '/api/scenarios', {
		name: 'fuzz',
		flowConfig: [{ id: 's1', type: 'message', config: { message: 'hi' } }],
	})
	const j = await call(deps.app, 'POST', '/api/scheduled-jobs', {
		scenarioId: s.json.data.id,
		targetId: t.json.data.id,
		cronExpression: '0 * * * *',
	})
	const w = await call(deps.app, 'POST', '/api/webhooks', {
		url: 'https://hooks.example.com/x',
		events: ['session.completed'],
	})
	ids = {
		target: t.json.data.id,
		scenario: s.json.data.id,
		job: j.json.data.id,
		hook: w.json.data.id,
	}
	for (const [k, v] of Object.entries(ids)) if (typeof v !== 'string') throw new Error(`no ${k}`)
})
afterAll(async () => {
	await deps.close()
})

const routes = (): [string, string][] => [
	['POST', '/api/targets'],
	['PATCH', `/api/targets/${ids.target}`],
	['PUT', `/api/targets/${ids.target}`],
	['POST', `/api/targets/${ids.target}`],
	['POST', '/api/scenarios'],
	['PATCH', `/api/scenarios/${ids.scenario}`],
	['PUT', `/api/scenarios/${ids.scenario}`],
	['POST', '/api/scenarios/from-template/rate-limit-probe'],
	['POST', '/api/scenarios/import'],
	['POST', '/api/templates/validate'],
	['POST', '/api/execute'],
	['POST', '/api/scheduled-jobs'],
	['PATCH', `/api/scheduled-jobs/${ids.job}`],
	['PUT', `/api/scheduled-jobs/${ids.job}`],
	['POST', `/api/scheduled-jobs/${ids.job}/toggle`],
	['POST', '/api/webhooks'],
	['PATCH', `/api/webhooks/${ids.hook}`],
	['PUT', `/api/webhooks/${ids.hook}`],
	['POST', '/api/sessions/no-such-session/cancel'],
	['POST', '/api/sessions/no-such-session/restart'],
]

/** Every row of the tables a body route writes, as one comparable text. */
const snapshot = async () =>
	JSON.stringify(
		await Promise.all(
			[targets, scenarios, scheduledJobs, webhooks].map((t) => deps.db.select().from(t)),
		),
	)

/** Bodies near the real ones: the known keys with arbitrary values, plus arbitrary extra keys. */
const KEYS = [
	'name',
	'targetId',
	'scenarioId',
	'connectorType',
	'endpoint',
	'authType',
	'authConfig',
	'requestTemplate',
	'responseTemplate',
	'protocolConfig',
	'flowConfig',
	'messageTemplates',
	'executionConfig',
	'errorHandling',
	'cronExpression',
	'isEnabled',
	'url',
	'events',
	'thresholds',
]
const body = fc.oneof(
	fc.jsonValue({ maxDepth: 4 }),
	fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string()), fc.jsonValue({ maxDepth: 3 }), {
		maxKeys: 6,
	}),
)

test('arbitrary JSON on every body route: never a 5xx, the envelope on errors, no row changed by a 4xx', async () => {
	const problems: string[] = []
	await fc.assert(
		fc.asyncProperty(fc.constantFrom(...routes()), body, async ([method, path], b) => {
			const before = await snapshot()
			const r = await call(deps.app, method, path, JSON.stringify(b), {
				'content-type': 'application/json',
			})
			const p = envelopeProblem(r, { json: true })
			if (p) problems.push(`${method} ${path} ${JSON.stringify(b).slice(0, 120)} → ${p}`)
			if (r.status >= 400 && (await snapshot()) !== before)
				problems.push(
					`${method} ${path} ${JSON.stringify(b).slice(0, 120)} → ${r.status} changed rows`,
				)
			// Successful writes are undone by later runs only through the API; keep the fixtures' ids valid.
			return true
		}),
		{ seed: SEED, numRuns: 150 },
	)
	expect(problems).toEqual([])
}, 120_000)

/** A value nested `depth` levels, arrays and objects mixed as the generator chose. */
const nested = (depth: number, kinds: boolean[]) => {
	let text = '0'
	for (let i = 0; i < depth; i++) text = kinds[i % kinds.length] ? `[${text}]` : `{"k":${text}}`
	return text
}

test('a body nested past the limit is a 400 on every route, wherever the deep part sits', async () => {
	const before = await snapshot()
	await fc.assert(
		fc.asyncProperty(
			fc.constantFrom(...routes()),
			fc.integer({ min: MAX_BODY_DEPTH + 1, max: 30_000 }),
			fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }),
			fc.constantFrom(...KEYS),
			async ([method, path], depth, kinds, key) => {
				const deep = nested(depth, kinds)
				const r = await call(deps.app, method, path, `{"${key}":${deep}}`)
				expect({ path, status: r.status }).toEqual({ path, status: 400 })
				expect(r.json.message).toContain(`more than ${MAX_BODY_DEPTH} levels`)
			},
		),
		{ seed: SEED, numRuns: 60 },
	)
	expect(await snapshot()).toBe(before)
}, 120_000)

test('a body over the size limit is a 413 on every route, before it is parsed', async () => {
	const before = await snapshot()
	await fc.assert(
		fc.asyncProperty(
			fc.constantFrom(...routes()),
			fc.integer({ min: LIMIT + 1, max: LIMIT * 3 }),
			fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'application/yaml'),
			async ([method, path], size, type) => {
				// Not even valid JSON: a parser that ran first would answer 400, not 413.
				const r = await call(deps.app, method, path, '{'.repeat(size), { 'content-type': type })
				expect({ path, type, status: r.status }).toEqual({ path, type, status: 413 })
				expect(r.json?.error ?? r.text).toContain('Payload too large')
			},
		),
		{ seed: SEED, numRuns: 40 },
	)
	expect(await snapshot()).toBe(before)
}, 120_000)
