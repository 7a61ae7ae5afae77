import { describe, expect, test } from 'bun:test'
import { plannedMessages } from '../../src/engine/flow-validation'
import type { FlowStep } from '../../src/engine/types'

const msg = (id: string): FlowStep => ({ id, type: 'message', config: { message: id } })

describe('plannedMessages: what the home progress bar divides by', () => {
	test('message steps, delays, loops multiplied, equal branches', () => {
		expect(
			plannedMessages([msg('a'), { id: 'd', type: 'delay', config: { durationMs: 5 } }, msg('b')]),
		).toBe(2)
		expect(
			plannedMessages([
				msg('a'),
				{ id: 'l', type: 'loop', config: { iterations: 3, steps: [msg('b'), msg('c')] } },
				{
					id: 'c1',
					type: 'conditional',
					config: { condition: 'length>0', then: [msg('y')], else: [msg('n')] },
				},
			]),
		).toBe(8)
	})
	test('unknown when the count depends on the replies', () => {
		expect(
			plannedMessages([
				{ id: 'c1', type: 'conditional', config: { condition: 'failed', then: [msg('y')] } },
			]),
		).toBeNull()
		expect(plannedMessages([{ ...msg('a'), next: 'a' }])).toBeNull()
		expect(
			plannedMessages([
				{ id: 'l', type: 'loop', config: { iterations: 2, steps: [{ ...msg('b'), next: 'b' }] } },
			]),
		).toBeNull()
	})
})
