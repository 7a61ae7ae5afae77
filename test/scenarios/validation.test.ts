import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { canonicalizeFlow, staticStepBound, validateFlow } from '../../src/engine/flow-validation'
import type { FlowStep } from '../../src/engine/types'
import { call, createTestDeps, type TestDeps } from '../helpers/deps'

/** Every flow rule: the bad input goes through the real API, the 400 names the exact path, nothing is stored. */
let deps: TestDeps
beforeAll(async () => {
	deps = await createTestDeps()
})
afterAll(async () => {
	await deps.close()
})

const msg = (id: string, message = 'hi', extra: Record<string, unknown> = {}) => ({
	id,
	type: 'message',
	config: { message },
	...extra,
})
const loop = (id: string, iterations: number, steps: unknown[]) => ({
	id,
	type: 'loop',
	config: { iterations, steps },
})
const cond = (id: string, condition: unknown, then: unknown[] = [], els?: unknown[]) => ({
	id,
	type: 'conditional',
	config: { condition, then, ...(els ? { else: els } : {}) },
})

async function rejects(
	flowConfig: unknown,
	path: (string | number)[],
	messagePart: string,
	extra: Record<string, unknown> = {},
) {
	const before = (await call(deps.app, 'GET', '/api/scenarios')).json.count
	const r = await call(deps.app, 'POST', '/api/scenarios', { name: 'Bad', flowConfig, ...extra })
	expect(r.status).toBe(400)
	expect(r.json.error).toBe('Validation error')
	const d = r.json.details.find((x: any) => JSON.stringify(x.path) === JSON.stringify(path))
	if (!d) throw new Error(`no detail at ${JSON.stringify(path)}: ${JSON.stringify(r.json.details)}`)
	expect(d.message).toContain(messagePart)
	expect(typeof d.code).toBe('string')
	expect((await call(deps.app, 'GET', '/api/scenarios')).json.count).toBe(before)
}

describe('flow validation on save', () => {
	test('flowConfig required and non-empty', async () => {
		await rejects(undefined, ['flowConfig'], 'Required')
		await rejects([], ['flowConfig'], 'at least one step')
	})

	test('step must be an object', async () => {
		await rejects(['hello'], ['flowConfig', 0], 'step object')
	})

	test('unique ids at every depth', async () => {
		await rejects([msg('a'), msg('a')], ['flowConfig', 1, 'id'], 'Duplicate step id "a"')
		await rejects(
			[msg('a'), loop('l', 2, [cond('c', 'failed', [msg('a')])])],
			['flowConfig', 1, 'config', 'steps', 0, 'config', 'then', 0, 'id'],
			'Duplicate',
		)
	})

	test('unknown keys in a step or its config are refused with their path, at every depth (not dropped)', async () => {
		await rejects(
			[msg('a', 'hi', { config: { message: 'hi', temprature: 0.2 } })],
			['flowConfig', 0, 'config', 'temprature'],
			'Unrecognized key "temprature" in a message step\'s config (known: message)',
		)
		await rejects(
			[
				loop('l', 2, [
					cond('c', 'contains:x', [msg('m', 'hi', { config: { message: 'x', role: 'user' } })]),
				]),
			],
			['flowConfig', 0, 'config', 'steps', 0, 'config', 'then', 0, 'config', 'role'],
			'Unrecognized key "role"',
		)
		// A field of another step type is unknown here too (a delay has no message).
		await rejects(
			[{ id: 'd', type: 'delay', config: { durationMs: 10, message: 'hi' } }],
			['flowConfig', 0, 'config', 'message'],
			'(known: durationMs)',
		)
		await rejects(
			[msg('a', 'hi', { color: 'red' })],
			['flowConfig', 0, 'color'],
			'Unrecognized key "color" in a message step (known: id, type, config, next, message)',
		)
		// Aliases and fields at the step's top level are still accepted, and stored canonically.
		const ok = await call(deps.app, 'POST', '/api/scenarios', {
			name: 'Aliases',
			flowConfig: [
				{ id: 'a', type: 'message', content: 'hi' },
				{ id: 'd', type: 'delay', config: { delayMs: 5 } },
				{ id: 'c', type: 'conditional', condition: 'contains:x', thenSteps: [msg('t')] },
			],
		})
		expect(ok.status).toBe(201)
		expect(ok.json.data.flowConfig).toEqual([
			{ id: 'a', type: 'message', config: { message: 'hi' } },
			{ id: 'd', type: 'delay', config: { durationMs: 5 } },
			{ id: 'c', type: 'conditional', config: { condition: 'contains:x', then: [msg('t')] } },
		])
		// An update is refused the same way and changes nothing.
		const id = ok.json.data.id
		const put = await call(deps.app, 'PUT', `/api/scenarios/${id}`, {
			flowConfig: [msg('a', 'hi', { config: { message: 'hi', extra: 1 } })],
		})
		expect(put.status).toBe(400)
		expect(put.json.details[0]).toMatchObject({
			code: 'unrecognized_keys',
			path: ['flowConfig', 0, 'config', 'extra'],
		})
		const after = await call(deps.app, 'GET', `/api/scenarios/${id}`)
		expect(after.json.data.flowConfig).toEqual(ok.json.data.flowConfig)
	})

	test('known types', async () => {
		await rejects(
			[msg('a'), { id: 'b', type: 'webhook', config: {} }],
			['flowConfig', 1, 'type'],
			'Unknown step type',
		)
	})

	test('next points at an existing id in the same or an enclosing list', async () => {
		await rejects([msg('a', 'hi', { next: 'zzz' })], ['flowConfig', 0, 'next'], 'does not match')
		// Jumping into a nested block is not allowed.
		await rejects(
			[msg('a', 'hi', { next: 'inner' }), loop('l', 2, [msg('inner')])],
			['flowConfig', 0, 'next'],
			'does not match',
		)
		const ok = await call(deps.app, 'POST', '/api/scenarios', {
			name: 'Jump out',
			flowConfig: [loop('l', 2, [msg('inner', 'x', { next: 'end' })]), msg('end')],
		})
		expect(ok.status).toBe(201)
	})

	test('message present and non-empty', async () => {
		await rejects(
			[{ id: 'a', type: 'message', config: {} }],
			['flowConfig', 0, 'config', 'message'],
			'non-empty message',
		)
		await rejects([msg('a', '   ')], ['flowConfig', 0, 'config', 'message'], 'non-empty message')
		await rejects(
			[msg('ok'), cond('c', 'failed', [{ id: 'e', type: 'message', config: { message: '' } }])],
			['flowConfig', 1, 'config', 'then', 0, 'config', 'message'],
			'non-empty',
		)
	})

	test('durationMs 0–300000', async () => {
		await rejects(
			[{ id: 'd', type: 'delay', config: { durationMs: 300_001 } }],
			['flowConfig', 0, 'config', 'durationMs'],
			'between 0 and 300000',
		)
		await rejects(
			[{ id: 'd', type: 'delay', config: { durationMs: -1 } }],
			['flowConfig', 0, 'config', 'durationMs'],
			'between 0 and 300000',
		)
		await rejects(
			[{ id: 'd', type: 'delay', config: { durationMs: 'soon' } }],
			['flowConfig', 0, 'config', 'durationMs'],
			'integer',
		)
	})

	test('loop iterations 1–1000 and a non-empty body', async () => {
		await rejects(
			[loop('l', 0, [msg('a')])],
			['flowConfig', 0, 'config', 'iterations'],
			'between 1 and 1000',
		)
		await rejects(
			[loop('l', 1001, [msg('a')])],
			['flowConfig', 0, 'config', 'iterations'],
			'between 1 and 1000',
		)
		await rejects([loop('l', 2, [])], ['flowConfig', 0, 'config', 'steps'], 'at least one step')
	})

	test('nesting depth ≤ 8', async () => {
		let inner: unknown = msg('leaf')
		for (let i = 0; i < 8; i++) inner = loop(`l${i}`, 1, [inner])
		await rejects(
			[inner],
			[
				'flowConfig',
				0,
				'config',
				'steps',
				0,
				'config',
				'steps',
				0,
				'config',
				'steps',
				0,
				'config',
				'steps',
				0,
				'config',
				'steps',
				0,
				'config',
				'steps',
				0,
				'config',
				'steps',
				0,
				'config',
				'steps',
			],
			'nested more than 8',
		)
		let ok: unknown = msg('leaf')
		for (let i = 0; i < 7; i++) ok = loop(`l${i}`, 1, [ok])
		expect(
			(await call(deps.app, 'POST', '/api/scenarios', { name: 'Deep', flowConfig: [ok] })).status,
		).toBe(201)
	})

	test('a bounded total number of executed steps', async () => {
		await rejects(
			[loop('a', 1000, [loop('b', 1000, [msg('m')])])],
			['flowConfig'],
			'limit is 10000',
		)
		expect(
			staticStepBound([
				{
					id: 'a',
					type: 'loop',
					config: {
						iterations: 10,
						steps: [{ id: 'm', type: 'message', config: { message: 'x' } }],
					},
				},
			]),
		).toBe(11)
	})

	test('condition syntax is parsed', async () => {
		await rejects(
			[cond('c', 'smells:fishy')],
			['flowConfig', 0, 'config', 'condition'],
			'Unknown condition',
		)
		await rejects(
			[cond('c', 'contains:')],
			['flowConfig', 0, 'config', 'condition'],
			'needs a text',
		)
		await rejects(
			[cond('c', 'length>abc')],
			['flowConfig', 0, 'config', 'condition'],
			'Unknown condition',
		)
		await rejects(
			[cond('c', 'status>200')],
			['flowConfig', 0, 'config', 'condition'],
			'status supports',
		)
		await rejects(
			[{ id: 'c', type: 'conditional', config: { then: [] } }],
			['flowConfig', 0, 'config', 'condition'],
			'required',
		)
	})

	test('regexes are compiled and length-bounded', async () => {
		await rejects(
			[cond('c', 'matches:(unclosed')],
			['flowConfig', 0, 'config', 'condition'],
			'Invalid regular expression',
		)
		await rejects(
			[cond('c', `matches:${'a'.repeat(201)}`)],
			['flowConfig', 0, 'config', 'condition'],
			'longer than 200',
		)
		await rejects(
			[cond('c', 'matches:/x/g')],
			['flowConfig', 0, 'config', 'condition'],
			'Unsupported regex flags',
		)
		await rejects(
			[cond('c', 'matches:^(a+)+$')],
			['flowConfig', 0, 'config', 'condition'],
			'Nested quantifiers',
		)
		await rejects(
			[cond('c', 'matches:/(\\w*x)*/i')],
			['flowConfig', 0, 'config', 'condition'],
			'Nested quantifiers',
		)
	})

	test('template variables must resolve: built-ins or messageTemplates (dotted)', async () => {
		await rejects(
			[msg('a', 'hi {{nobody}}')],
			['flowConfig', 0, 'config', 'message'],
			'Unknown template variable "{{nobody}}"',
		)
		await rejects(
			[msg('a', 'hi {{user.age}}')],
			['flowConfig', 0, 'config', 'message'],
			'Unknown template variable',
			{ messageTemplates: { user: { name: 'x' } } },
		)
		const ok = await call(deps.app, 'POST', '/api/scenarios', {
			name: 'Vars',
			messageTemplates: { user: { name: 'Ada' } },
			flowConfig: [
				msg(
					'a',
					'{{user.name}} {{sessionId}} {{conversationIndex}} {{turnIndex}} {{messageIndex}} {{timestamp}} {{lastResponse}} {{lastUserMessage}} {{randomInt}} {{uuid}}',
				),
			],
		})
		expect(ok.status).toBe(201)
	})

	test('scenario fields: limits of the reference', async () => {
		const f = [msg('a')]
		await rejects(f, ['name'], 'Expected string', { name: 5 })
		await rejects(f, ['repetitions'], '', { repetitions: 1001 })
		await rejects(f, ['concurrency'], '', { concurrency: 0 })
		await rejects(f, ['delayBetweenMs'], '', { delayBetweenMs: 60_001 })
		await rejects(f, ['verbosityLevel'], '', { verbosityLevel: 'loud' })
		await rejects(f, ['errorHandling', 'onError'], '', { errorHandling: { onError: 'explode' } })
		await rejects(f, ['errorHandling', 'statusCodes', 'teapot'], 'Keys are', {
			errorHandling: { onError: 'skip', statusCodes: { teapot: 'retry' } },
		})
		const long = await call(deps.app, 'POST', '/api/scenarios', {
			name: 'x'.repeat(101),
			flowConfig: f,
		})
		expect(long.status).toBe(400)
		expect(long.json.details[0]).toMatchObject({ code: 'too_big', path: ['name'] })
	})
})

describe('canonicalisation', () => {
	test('config fields written at the step top level are lifted, missing ids generated, unknown keys dropped (and refused by validation)', () => {
		expect(validateFlow([{ type: 'message', content: 'a', color: 'red' }])).toMatchObject([
			{ code: 'unrecognized_keys', path: ['flowConfig', 0, 'color'] },
		])
		const flow = canonicalizeFlow([
			{ type: 'message', content: 'a', color: 'red' },
			{ id: 'message-1', type: 'delay', delayMs: 10 },
			{ type: 'loop', times: 2, bodySteps: [{ type: 'message', message: 'b' }] },
		]) as FlowStep[]
		expect(flow).toEqual([
			{ id: 'message-2', type: 'message', config: { message: 'a' } },
			{ id: 'message-1', type: 'delay', config: { durationMs: 10 } },
			{
				id: 'loop-3',
				type: 'loop',
				config: {
					iterations: 2,
					steps: [{ id: 'message-4', type: 'message', config: { message: 'b' } }],
				},
			},
		])
		expect(validateFlow(flow)).toEqual([])
		expect(canonicalizeFlow(flow)).toEqual(flow)
	})

	test('custom path prefix for reuse on executionConfig.customMessages', () => {
		const errors = validateFlow([{ id: 'a', type: 'message', config: { message: '{{x}}' } }], {
			path: ['executionConfig', 'flow'],
		})
		expect(errors[0].path).toEqual(['executionConfig', 'flow', 0, 'config', 'message'])
	})
})
