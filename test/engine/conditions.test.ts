import { describe, expect, test } from 'bun:test'
import {
	evaluateCondition,
	hasNestedQuantifier,
	MAX_MATCH_INPUT,
	parseCondition,
} from '../../src/engine/conditions'

const last = (
	content: string,
	extra: Partial<{ success: boolean; httpStatus: number; totalTokens: number }> = {},
) => ({
	content,
	success: true,
	httpStatus: 200,
	totalTokens: 0,
	...extra,
})
const run = (source: string, l: ReturnType<typeof last> | null) => {
	const p = parseCondition(source)
	if (!p.ok) throw new Error(p.error)
	return evaluateCondition(p.condition, l)
}

describe('condition parsing', () => {
	test('whitespace, case of the keyword, >= and <= sugar, any form negated with !', () => {
		expect(run('  length >= 3 ', last('abc'))).toBe(true)
		expect(run('length<=3', last('abcd'))).toBe(false)
		expect(run('STATUS == 200', last('x'))).toBe(true)
		expect(run('status!=200', last('x', { httpStatus: 500 }))).toBe(true)
		expect(run('!equals:ok', last('ok'))).toBe(false)
		expect(run('!matches:^a', last('ba'))).toBe(true)
		expect(run('tokens<10', last('x', { totalTokens: 3 }))).toBe(true)
	})

	test('text after the colon is kept verbatim, colons included', () => {
		expect(run('contains:a: b', last('x A: B y'))).toBe(true)
	})

	test('errors are explained', () => {
		expect(parseCondition('')).toEqual({ ok: false, error: 'Condition is required' })
		expect(parseCondition(42)).toMatchObject({ ok: false })
		expect(parseCondition('tokens==5')).toMatchObject({
			ok: false,
			error: 'tokens supports > and < only',
		})
	})

	test('matches only looks at the first 10 000 characters of a reply', () => {
		const reply = 'a'.repeat(MAX_MATCH_INPUT) + 'NEEDLE'
		expect(run('matches:NEEDLE', last(reply))).toBe(false)
		expect(run('contains:NEEDLE', last(reply))).toBe(true)
	})

	test('nested quantifiers are detected; ordinary patterns pass', () => {
		for (const p of ['(a+)+', '(\\w*x)*', '(a{2,})+', '((ab)+c)*', '(?:x+y)+'])
			expect(hasNestedQuantifier(p)).toBe(true)
		for (const p of ['^\\d{3}$', '(foo)+', '(sorry|cannot)', '[(a+)]+', '\\(a+\\)+', '(a+)?'])
			expect(hasNestedQuantifier(p)).toBe(false)
	})
})
