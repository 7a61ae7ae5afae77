import { describe, expect, test } from 'bun:test'
import type { TokenUsage } from '../../src/connectors/types'
import {
	costOf,
	lookupModel,
	priceMessage,
	resolvePricing,
	templateModel,
} from '../../src/pricing/cost'
import { PRICE_TABLE } from '../../src/pricing/table'

const usage = (p: number, c: number, cached = 0, model?: string): TokenUsage => ({
	promptTokens: p,
	completionTokens: c,
	totalTokens: p + c,
	cachedTokens: cached,
	estimated: false,
	...(model ? { model } : {}),
})

describe('price table', () => {
	test('is versioned with an as-of date and covers each hosted provider', () => {
		expect(PRICE_TABLE.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/)
		expect(PRICE_TABLE.version).toBeTruthy()
		for (const p of ['openai', 'anthropic', 'google', 'ollama'])
			expect(PRICE_TABLE.models.some((r) => r.provider === p)).toBe(true)
		const ids = PRICE_TABLE.models.map((r) => r.model)
		expect(new Set(ids).size).toBe(ids.length)
		for (const r of PRICE_TABLE.models) {
			expect(r.cachedInputPerMTok).toBeLessThanOrEqual(r.inputPerMTok)
			if (r.provider === 'ollama') expect(r.inputPerMTok + r.outputPerMTok).toBe(0)
			else expect(r.inputPerMTok).toBeGreaterThan(0)
		}
	})

	test('dated snapshots, prefixes and tags resolve to the right row, never a shorter sibling', () => {
		expect(lookupModel('gpt-4o-mini-2024-07-18')?.model).toBe('gpt-4o-mini')
		expect(lookupModel('gpt-4o-2024-08-06')?.model).toBe('gpt-4o')
		expect(lookupModel('GPT-4o')?.model).toBe('gpt-4o')
		expect(lookupModel('claude-3-5-haiku-20241022')?.model).toBe('claude-3-5-haiku')
		expect(lookupModel('claude-sonnet-4-5-20250929')?.model).toBe('claude-sonnet-4-5')
		expect(lookupModel('claude-sonnet-4-20250514')?.model).toBe('claude-sonnet-4')
		expect(lookupModel('models/gemini-2.5-flash')?.model).toBe('gemini-2.5-flash')
		expect(lookupModel('gemini-2.5-flash-lite')?.model).toBe('gemini-2.5-flash-lite')
		expect(lookupModel('llama3.1:8b')?.model).toBe('llama3.1')
		expect(lookupModel('gpt-4ox')).toBeUndefined()
		expect(lookupModel('my-private-model')).toBeUndefined()
		expect(lookupModel('')).toBeUndefined()
	})
})

describe('costOf: known tokens × known prices → exact dollars, per provider shape', () => {
	test('OpenAI gpt-4o-mini: 1,000,000 in / 500,000 out', () => {
		const p = resolvePricing({ model: 'gpt-4o-mini' })
		expect(p).toMatchObject({
			source: 'table',
			provider: 'openai',
			tableVersion: PRICE_TABLE.version,
		})
		// 1M × $0.15 + 0.5M × $0.60 = $0.45
		expect(costOf(usage(1_000_000, 500_000), p)).toEqual({
			costUsd: 0.45,
			priced: true,
			estimated: false,
		})
	})

	test('OpenAI gpt-4o with cached input: cached at the cached rate, the rest at the input rate', () => {
		const p = resolvePricing({ model: 'gpt-4o-2024-08-06' })
		// (1200 − 1000) × 2.50 + 1000 × 1.25 + 300 × 10.00 = 500 + 1250 + 3000 = 4750 µ$·M → $0.00475
		expect(costOf(usage(1200, 300, 1000), p).costUsd).toBe(0.00475)
	})

	test('Anthropic claude-3-5-haiku reported by the reply', () => {
		const u = usage(2000, 1000, 0, 'claude-3-5-haiku-20241022')
		// 2000 × 0.80 + 1000 × 4.00 = 5600 → $0.0056
		expect(priceMessage(u, {}).costUsd).toBe(0.0056)
	})

	test('Gemini 2.5 flash from the request template', () => {
		const model = templateModel({ messagePath: 'x', structure: { model: 'gemini-2.5-flash' } })
		expect(model).toBe('gemini-2.5-flash')
		// 10,000 × 0.30 + 4,000 × 2.50 = 3000 + 10000 = 13000 → $0.013
		expect(costOf(usage(10_000, 4_000), resolvePricing({ model })).costUsd).toBe(0.013)
	})

	test('Azure OpenAI reports the underlying model; the OpenAI list price applies', () => {
		const u = usage(1000, 1000, 0, 'gpt-4.1-mini-2025-04-14')
		// 1000 × 0.40 + 1000 × 1.60 = 2000 → $0.002
		expect(priceMessage(u, { presetId: 'azure-openai' }).costUsd).toBe(0.002)
	})

	test('Ollama is local: $0, and says so', () => {
		const byPreset = costOf(
			usage(5000, 5000),
			resolvePricing({ presetId: 'ollama', model: 'some-custom-model' }),
		)
		expect(byPreset).toMatchObject({ costUsd: 0, priced: true })
		expect(byPreset.message).toContain('locally')
		const byModel = resolvePricing({ model: 'llama3.2:3b' })
		expect(byModel).toMatchObject({ provider: 'ollama', source: 'local', inputPerMTok: 0 })
	})

	test('the target override beats the table; cached defaults to the input price', () => {
		const p = resolvePricing({
			model: 'gpt-4o',
			targetPricing: { inputPerMTok: 1, outputPerMTok: 2 },
		})
		expect(p).toMatchObject({
			source: 'target',
			inputPerMTok: 1,
			outputPerMTok: 2,
			cachedInputPerMTok: 1,
		})
		// 3,000,000 × 1 + 1,000,000 × 2 = $5
		expect(costOf(usage(3_000_000, 1_000_000, 1_000_000), p).costUsd).toBe(5)
		const withCached = resolvePricing({
			targetPricing: { inputPerMTok: 1, outputPerMTok: 2, cachedInputPerMTok: 0.5 },
		})
		// 2M × 1 + 1M × 0.5 + 1M × 2 = $4.5
		expect(costOf(usage(3_000_000, 1_000_000, 1_000_000), withCached).costUsd).toBe(4.5)
	})

	test('an override without numbers falls back to the table by its model', () => {
		const p = resolvePricing({ targetPricing: { model: 'gpt-4o-mini' } })
		expect(p?.model).toBe('gpt-4o-mini')
	})

	test('unknown models are not priced at zero: null with a reason', () => {
		const c = costOf(usage(100, 100, 0, 'mystery-llm'), resolvePricing({ model: 'mystery-llm' }))
		expect(c).toMatchObject({ costUsd: null, priced: false, reason: 'unknown_model' })
		expect(c.message).toContain('mystery-llm')
		expect(costOf(usage(100, 100), undefined)).toMatchObject({ costUsd: null, reason: 'no_model' })
	})

	test('estimated token counts are flagged; no binary noise in small sums', () => {
		const u = { ...usage(1, 1), estimated: true }
		const c = costOf(u, resolvePricing({ model: 'gpt-4.1-nano' }))
		// 1 × 0.10 + 1 × 0.40 = 0.5 µ$ → $0.0000005
		expect(c).toEqual({ costUsd: 0.0000005, priced: true, estimated: true })
		expect(costOf(usage(0, 0), resolvePricing({ model: 'gpt-4o' })).costUsd).toBe(0)
	})
})
