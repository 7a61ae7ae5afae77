import { describe, expect, test } from 'bun:test'
import {
	flowFromMessages,
	runConversation,
	type RunConversationOptions,
} from '../../src/engine/interpreter'
import type { FlowStep } from '../../src/engine/types'
import { AMPLIFIERS } from '../../src/engine/verbosity'
import { fail, fakeClock, fakeSend, ok, recorder } from '../helpers/engine-fakes'

const msg = (id: string, message: string, next?: string): FlowStep => ({
	id,
	type: 'message',
	config: { message },
	...(next ? { next } : {}),
})

function setup(
	flow: FlowStep[],
	over: Partial<RunConversationOptions> & { reply?: Parameters<typeof fakeSend>[0] } = {},
) {
	const { clock, sleeps } = fakeClock()
	const s = fakeSend(over.reply)
	const rec = recorder()
	const controller = new AbortController()
	const opts: RunConversationOptions = {
		flow,
		send: s.send,
		recorder: rec,
		clock,
		signal: controller.signal,
		conversationIndex: 2,
		sessionId: 'sess-1',
		variables: {},
		verbosityLevel: 'normal',
		delayBetweenMs: 0,
		random: () => 0.5,
		uuid: () => 'uuid-1',
		...over,
	}
	return {
		run: () => runConversation(opts),
		calls: s.calls,
		records: rec.records,
		sleeps,
		controller,
	}
}

describe('order and next', () => {
	test('runs steps in order and records one exchange per message', async () => {
		const t = setup([msg('a', 'one'), msg('b', 'two'), msg('c', 'three')])
		const r = await t.run()
		expect(r).toEqual({ messages: 3, aborted: false })
		expect(t.calls.map((c) => c.message)).toEqual(['one', 'two', 'three'])
		expect(t.records.map((x) => [x.stepId, x.turnIndex, x.conversationIndex, x.retries])).toEqual([
			['a', 0, 2, 0],
			['b', 1, 2, 0],
			['c', 2, 2, 0],
		])
	})

	test('next jumps forward, skipping steps', async () => {
		const t = setup([msg('a', 'one', 'c'), msg('b', 'skipped'), msg('c', 'three')])
		await t.run()
		expect(t.calls.map((c) => c.message)).toEqual(['one', 'three'])
	})

	test('next jumps backward until the step budget stops the cycle', async () => {
		const t = setup([msg('a', 'again', 'a')], { maxSteps: 5 })
		const r = await t.run()
		expect(r.messages).toBe(5)
		expect(r.aborted).toBe(false)
		expect(r.reason).toContain('Step budget of 5')
	})

	test('a conditional loop exits through next when the reply matches', async () => {
		const flow: FlowStep[] = [
			msg('ask', 'ready?'),
			{
				id: 'check',
				type: 'conditional',
				config: { condition: '!contains:yes', then: [msg('nag', 'please', 'check')], else: [] },
			},
			msg('end', 'done'),
		]
		const t = setup(flow, { reply: (_m, n) => ok(n < 3 ? 'no' : 'YES') })
		await t.run()
		expect(t.calls.map((c) => c.message)).toEqual(['ready?', 'please', 'please', 'please', 'done'])
	})

	test('next from inside a loop body jumps out to the enclosing list', async () => {
		const flow: FlowStep[] = [
			{ id: 'l', type: 'loop', config: { iterations: 5, steps: [msg('in', 'inside', 'out')] } },
			msg('skipped', 'never'),
			msg('out', 'outside'),
		]
		const t = setup(flow)
		await t.run()
		expect(t.calls.map((c) => c.message)).toEqual(['inside', 'outside'])
	})
})

describe('step types', () => {
	test('delay waits on the clock', async () => {
		const t = setup([
			msg('a', 'x'),
			{ id: 'd', type: 'delay', config: { durationMs: 1500 } },
			msg('b', 'y'),
		])
		await t.run()
		expect(t.sleeps).toEqual([1500])
		expect(t.records[1].sentAt.getTime() - t.records[0].sentAt.getTime()).toBe(1500)
	})

	test('delayBetweenMs pauses between messages, not before the first', async () => {
		const t = setup([msg('a', 'x'), msg('b', 'y'), msg('c', 'z')], { delayBetweenMs: 200 })
		await t.run()
		expect(t.sleeps).toEqual([200, 200])
	})

	test('loop runs its body n times with loopIndex', async () => {
		const t = setup([
			{ id: 'l', type: 'loop', config: { iterations: 3, steps: [msg('m', 'item {{loopIndex}}')] } },
		])
		await t.run()
		expect(t.calls.map((c) => c.message)).toEqual(['item 0', 'item 1', 'item 2'])
	})

	test('nested loops inside a conditional inside a loop', async () => {
		const flow: FlowStep[] = [
			{
				id: 'outer',
				type: 'loop',
				config: {
					iterations: 2,
					steps: [
						msg('q', 'q'),
						{
							id: 'c',
							type: 'conditional',
							config: {
								condition: 'contains:deep',
								then: [
									{
										id: 'inner',
										type: 'loop',
										config: { iterations: 3, steps: [msg('d', 'd{{loopIndex}}')] },
									},
								],
								else: [msg('e', 'shallow')],
							},
						},
					],
				},
			},
		]
		const t = setup(flow, {
			reply: (m) => ok(m === 'q' && t.calls.length === 1 ? 'go deep' : 'flat'),
		})
		await t.run()
		expect(t.calls.map((c) => c.message)).toEqual(['q', 'd0', 'd1', 'd2', 'q', 'shallow'])
	})
})

describe('conditions', () => {
	const cases: [string, Parameters<typeof ok>[0] | 'FAIL', boolean][] = [
		['contains:Hello', 'well hello there', true],
		['contains:bye', 'hello', false],
		['!contains:bye', 'hello', true],
		['equals:OK', '  OK \n', true],
		['equals:OK', 'OK!', false],
		['matches:^\\d{3}$', '123', true],
		['matches:/ERROR/i', 'an error', true],
		['matches:^\\d{3}$', '12a', false],
		['length>5', 'abcdef', true],
		['length>5', 'abc', false],
		['length<5', 'abc', true],
		['status==200', 'x', true],
		['status==429', 'FAIL', true],
		['failed', 'FAIL', true],
		['failed', 'fine', false],
		['tokens>5', 'x', true],
		['tokens>50', 'x', false],
		['!failed', 'fine', true],
	]
	for (const [condition, reply, expected] of cases) {
		test(`${condition} on ${JSON.stringify(reply)} → ${expected}`, async () => {
			const flow: FlowStep[] = [
				msg('a', 'first'),
				{
					id: 'c',
					type: 'conditional',
					config: { condition, then: [msg('t', 'then')], else: [msg('e', 'else')] },
				},
			]
			const t = setup(flow, {
				reply: (_m, n) =>
					n > 0 ? ok('x') : reply === 'FAIL' ? fail(429, 'rate_limited') : ok(reply),
			})
			await t.run()
			expect(t.calls[1].message).toBe(expected ? 'then' : 'else')
		})
	}

	test('before any exchange, conditions see an empty reply', async () => {
		const t = setup([
			{
				id: 'c',
				type: 'conditional',
				config: { condition: 'length<1', then: [msg('t', 'empty')] },
			},
		])
		await t.run()
		expect(t.calls.map((c) => c.message)).toEqual(['empty'])
	})
})

describe('templates, history and verbosity', () => {
	test('built-ins and dotted messageTemplates are substituted', async () => {
		const flow = [
			msg(
				'a',
				'hi {{user.name}} s={{sessionId}} c={{conversationIndex}} t={{turnIndex}} m={{messageIndex}}',
			),
			msg(
				'b',
				'r={{randomInt}} u={{uuid}} ts={{timestamp}} last={{lastResponse}} prev={{lastUserMessage}}',
			),
		]
		const t = setup(flow, { variables: { user: { name: 'Ada' } }, reply: () => ok('pong') })
		await t.run()
		expect(t.calls[0].message).toBe('hi Ada s=sess-1 c=2 t=0 m=1')
		expect(t.calls[1].message).toBe(
			'r=500000 u=uuid-1 ts=2026-01-01T00:00:00.000Z last=pong prev=hi Ada s=sess-1 c=2 t=0 m=1',
		)
	})

	test('history carries the conversation so far to each send', async () => {
		const t = setup([msg('a', 'one'), msg('b', 'two'), msg('c', 'three')], {
			reply: (m) => ok(`re ${m}`),
		})
		await t.run()
		expect(t.calls[0].history).toEqual([])
		expect(t.calls[2].history).toEqual([
			{ role: 'user', content: 'one' },
			{ role: 'assistant', content: 're one' },
			{ role: 'user', content: 'two' },
			{ role: 'assistant', content: 're two' },
		])
	})

	test('verbosity amplifies every message, progressively', async () => {
		for (const level of ['normal', 'verbose', 'extreme'] as const) {
			const t = setup([msg('a', 'Explain DNS')], { verbosityLevel: level })
			await t.run()
			expect(t.calls[0].message).toBe(
				level === 'normal' ? 'Explain DNS' : `Explain DNS\n\n${AMPLIFIERS[level]}`,
			)
			expect(t.records[0].request).toBe(t.calls[0].message)
		}
		expect(AMPLIFIERS.extreme.length).toBeGreaterThan(AMPLIFIERS.verbose.length)
	})

	test('flowFromMessages makes a flow of message steps', async () => {
		const flow = flowFromMessages(['a', 'b'])
		expect(flow).toEqual([
			{ id: 'message-1', type: 'message', config: { message: 'a' } },
			{ id: 'message-2', type: 'message', config: { message: 'b' } },
		])
		const t = setup(flow)
		expect((await t.run()).messages).toBe(2)
	})
})

describe('errors and retries', () => {
	test('without error handling a failure is recorded and the flow goes on', async () => {
		const t = setup([msg('a', 'x'), msg('b', 'y')], {
			reply: (_m, n) => (n === 0 ? fail(500) : ok('fine')),
		})
		const r = await t.run()
		expect(r).toEqual({ messages: 2, aborted: false })
		expect(t.records[0].result.success).toBe(false)
	})

	test('onError abort ends the conversation with a reason', async () => {
		const t = setup([msg('a', 'x'), msg('b', 'y')], {
			errorHandling: { onError: 'abort' },
			reply: () => fail(500),
		})
		const r = await t.run()
		expect(r.aborted).toBe(true)
		expect(r.reason).toContain('HTTP 500')
		expect(t.calls).toHaveLength(1)
		expect(t.records).toHaveLength(1)
	})

	test('retry with exponential backoff capped by maxDelayMs; one record with the retry count', async () => {
		const t = setup([msg('a', 'x')], {
			errorHandling: {
				onError: 'retry',
				maxRetries: 4,
				delayMs: 100,
				backoffMultiplier: 3,
				maxDelayMs: 1000,
			},
			reply: (_m, n) => (n < 4 ? fail(503) : ok('finally')),
		})
		await t.run()
		expect(t.sleeps).toEqual([100, 300, 900, 1000])
		expect(t.records).toHaveLength(1)
		expect(t.records[0].retries).toBe(4)
		expect(t.records[0].result.content).toBe('finally')
	})

	test('retries exhausted: the final failure is recorded and the flow continues', async () => {
		const t = setup([msg('a', 'x'), msg('b', 'y')], {
			errorHandling: { onError: 'retry', maxRetries: 2, delayMs: 10 },
			reply: (m) => (m === 'x' ? fail(500) : ok('ok')),
		})
		const r = await t.run()
		expect(r.messages).toBe(2)
		expect(t.records[0]).toMatchObject({ retries: 2, result: { success: false } })
		expect(t.calls.map((c) => c.message)).toEqual(['x', 'x', 'x', 'y'])
	})

	test('Retry-After of a 429 is honoured over a shorter backoff', async () => {
		const t = setup([msg('a', 'x')], {
			errorHandling: { onError: 'retry', maxRetries: 2, delayMs: 100 },
			reply: (_m, n) => (n === 0 ? fail(429, 'rate_limited', 7000) : ok('ok')),
		})
		await t.run()
		expect(t.sleeps).toEqual([7000])
		expect(t.records[0].retries).toBe(1)
	})

	test('per-status rules override onError: retry 429, abort 5xx, skip timeouts', async () => {
		const eh = {
			onError: 'skip' as const,
			maxRetries: 1,
			delayMs: 5,
			statusCodes: { '429': 'retry' as const, '5xx': 'abort' as const },
		}
		const a = setup([msg('a', 'x'), msg('b', 'y')], {
			errorHandling: eh,
			reply: (_m, n) => (n === 0 ? fail(429, 'rate_limited') : ok('ok')),
		})
		expect(await a.run()).toEqual({ messages: 2, aborted: false })
		expect(a.records[0].retries).toBe(1)
		const b = setup([msg('a', 'x'), msg('b', 'y')], { errorHandling: eh, reply: () => fail(502) })
		expect((await b.run()).aborted).toBe(true)
		const c = setup([msg('a', 'x'), msg('b', 'y')], {
			errorHandling: eh,
			reply: () => fail(0, 'timeout'),
		})
		expect((await c.run()).messages).toBe(2)
	})

	test('a send that throws becomes a failed result, not a crash', async () => {
		const t = setup([msg('a', 'x')], {
			reply: () => {
				throw new Error('socket hang up')
			},
		})
		expect((await t.run()).messages).toBe(1)
		expect(t.records[0].result.error).toMatchObject({ type: 'unknown', message: 'socket hang up' })
	})
})

/** The options the cancellation tests do not vary. */
const cancellable = (
	o: Pick<RunConversationOptions, 'flow' | 'send' | 'recorder' | 'clock' | 'signal'> &
		Partial<RunConversationOptions>,
): RunConversationOptions => ({
	conversationIndex: 0,
	sessionId: 's',
	variables: {},
	verbosityLevel: 'normal',
	delayBetweenMs: 0,
	...o,
})

describe('cancellation', () => {
	test('during a delay: stops without sending anything after', async () => {
		const controller = new AbortController()
		const { clock } = fakeClock({ onSleep: () => controller.abort() })
		const s = fakeSend()
		const rec = recorder()
		const r = await runConversation(
			cancellable({
				flow: [
					msg('a', 'x'),
					{ id: 'd', type: 'delay', config: { durationMs: 60_000 } },
					msg('b', 'never'),
				],
				send: s.send,
				recorder: rec,
				clock,
				signal: controller.signal,
			}),
		)
		expect(r.aborted).toBe(true)
		expect(s.calls.map((c) => c.message)).toEqual(['x'])
		expect(rec.records).toHaveLength(1)
	})

	test('during a send: the in-flight send sees the signal, is recorded as aborted, nothing more is sent', async () => {
		const controller = new AbortController()
		const { clock } = fakeClock()
		let sends = 0
		const rec = recorder()
		const r = await runConversation(
			cancellable({
				flow: [msg('a', 'x'), msg('b', 'y'), msg('c', 'z')],
				send: (_m, { signal }) => {
					sends++
					if (sends === 1) return Promise.resolve(ok('first'))
					return new Promise((_, reject) => {
						signal.addEventListener('abort', () =>
							reject(new DOMException('Aborted', 'AbortError')),
						)
						queueMicrotask(() => controller.abort('Cancelled by user'))
					})
				},
				recorder: rec,
				clock,
				signal: controller.signal,
			}),
		)
		expect(r).toEqual({ messages: 2, aborted: true, reason: 'Cancelled by user' })
		expect(sends).toBe(2)
		expect(rec.records).toHaveLength(2)
		const aborted = rec.records[1]
		expect(aborted.result.success).toBe(false)
		expect(aborted.result.error?.type).toBe('aborted')
		// The prompt went out: estimated from "y" and the earlier turn "x"/"first" (⌈7 ÷ 4⌉), flagged.
		expect(aborted.result.usage).toMatchObject({
			promptTokens: 2,
			completionTokens: 0,
			estimated: true,
		})
		expect(aborted.attempts).toHaveLength(1)
		expect(aborted.attempts[0]).toMatchObject({ request: 2, success: false, errorType: 'aborted' })
	})

	test('during a retry backoff: no further attempt', async () => {
		const controller = new AbortController()
		const { clock } = fakeClock({ onSleep: () => controller.abort() })
		const s = fakeSend(() => fail(503))
		const r = await runConversation(
			cancellable({
				flow: [msg('a', 'x')],
				send: s.send,
				recorder: recorder(),
				clock,
				signal: controller.signal,
				errorHandling: { onError: 'retry', maxRetries: 5 },
			}),
		)
		expect(r.aborted).toBe(true)
		expect(s.calls).toHaveLength(1)
	})

	test('an already aborted signal sends nothing', async () => {
		const t = setup([msg('a', 'x')])
		t.controller.abort()
		const r = await t.run()
		expect(r.aborted).toBe(true)
		expect(t.calls).toHaveLength(0)
	})
})
