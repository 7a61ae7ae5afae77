/**
 * The price table: list prices in USD per million tokens, as published by each provider on
 * the as-of date below. This is data, versioned: when prices change, add a new table version
 * (bump `version` and `asOf`) rather than editing numbers silently, so old reports can say
 * which prices they used.
 *
 * - `cachedInputPerMTok` is the price of prompt tokens served from the provider's cache
 *   (OpenAI "cached input", Anthropic "cache read", Gemini "context caching" for prompts up
 *   to 200k tokens). Cache *writes* (`cacheWriteInputPerMTok`, Anthropic's 5-minute cache) cost
 *   1.25 × input; providers that do not bill writes separately have the input price there.
 * - Reasoning ("thinking") tokens are output tokens: usage.ts counts Gemini's thoughtsTokenCount
 *   in the completion, OpenAI already includes reasoning tokens in completion_tokens.
 * - Azure OpenAI global-standard deployments bill the OpenAI list prices; Azure reports the
 *   underlying model name (e.g. `gpt-4o-2024-08-06`) in its replies, so the same rows apply.
 * - Gemini prices are the ≤200k-token prompt tier.
 * - Ollama runs models locally: $0 per token (the hardware is yours), said explicitly.
 *
 * Model ids match exactly or as the longest prefix followed by a separator, so dated
 * snapshots (`gpt-4o-mini-2024-07-18`, `claude-3-5-haiku-20241022`) and Ollama tags
 * (`llama3.1:8b`) find their row.
 */
type Provider = 'openai' | 'anthropic' | 'google' | 'ollama'

export interface PriceRow {
	model: string
	provider: Provider
	inputPerMTok: number
	outputPerMTok: number
	cachedInputPerMTok: number
	cacheWriteInputPerMTok: number
}

export interface PriceTable {
	version: string
	asOf: string
	currency: 'USD'
	models: PriceRow[]
}

const row = (
	provider: Provider,
	model: string,
	inputPerMTok: number,
	outputPerMTok: number,
	cachedInputPerMTok: number,
): PriceRow => ({
	model,
	provider,
	inputPerMTok,
	outputPerMTok,
	cachedInputPerMTok,
	cacheWriteInputPerMTok: provider === 'anthropic' ? inputPerMTok * 1.25 : inputPerMTok,
})

const local = (model: string) => row('ollama', model, 0, 0, 0)

export const PRICE_TABLE: PriceTable = {
	version: '2025-11-01',
	asOf: '2025-11-01',
	currency: 'USD',
	models: [
		// OpenAI (and Azure OpenAI global deployments)
		row('openai', 'gpt-5', 1.25, 10, 0.125),
		row('openai', 'gpt-5-mini', 0.25, 2, 0.025),
		row('openai', 'gpt-5-nano', 0.05, 0.4, 0.005),
		row('openai', 'gpt-4.1', 2, 8, 0.5),
		row('openai', 'gpt-4.1-mini', 0.4, 1.6, 0.1),
		row('openai', 'gpt-4.1-nano', 0.1, 0.4, 0.025),
		row('openai', 'gpt-4o', 2.5, 10, 1.25),
		row('openai', 'gpt-4o-mini', 0.15, 0.6, 0.075),
		row('openai', 'o1', 15, 60, 7.5),
		row('openai', 'o3', 2, 8, 0.5),
		row('openai', 'o3-mini', 1.1, 4.4, 0.55),
		row('openai', 'o4-mini', 1.1, 4.4, 0.275),
		row('openai', 'gpt-4-turbo', 10, 30, 10),
		row('openai', 'gpt-4', 30, 60, 30),
		row('openai', 'gpt-3.5-turbo', 0.5, 1.5, 0.5),
		// Anthropic
		row('anthropic', 'claude-opus-4-5', 5, 25, 0.5),
		row('anthropic', 'claude-opus-4-1', 15, 75, 1.5),
		row('anthropic', 'claude-opus-4', 15, 75, 1.5),
		row('anthropic', 'claude-sonnet-4-5', 3, 15, 0.3),
		row('anthropic', 'claude-sonnet-4', 3, 15, 0.3),
		row('anthropic', 'claude-haiku-4-5', 1, 5, 0.1),
		row('anthropic', 'claude-3-7-sonnet', 3, 15, 0.3),
		row('anthropic', 'claude-3-5-sonnet', 3, 15, 0.3),
		row('anthropic', 'claude-3-5-haiku', 0.8, 4, 0.08),
		row('anthropic', 'claude-3-opus', 15, 75, 1.5),
		row('anthropic', 'claude-3-haiku', 0.25, 1.25, 0.03),
		// Google Gemini (prompts ≤ 200k tokens)
		row('google', 'gemini-2.5-pro', 1.25, 10, 0.125),
		row('google', 'gemini-2.5-flash', 0.3, 2.5, 0.03),
		row('google', 'gemini-2.5-flash-lite', 0.1, 0.4, 0.01),
		row('google', 'gemini-2.0-flash', 0.1, 0.4, 0.025),
		row('google', 'gemini-2.0-flash-lite', 0.075, 0.3, 0.075),
		row('google', 'gemini-1.5-pro', 1.25, 5, 0.3125),
		row('google', 'gemini-1.5-flash', 0.075, 0.3, 0.01875),
		// Ollama: local models, $0
		local('llama3.3'),
		local('llama3.2'),
		local('llama3.1'),
		local('llama3'),
		local('mistral'),
		local('mixtral'),
		local('qwen3'),
		local('qwen2.5'),
		local('gemma3'),
		local('gemma2'),
		local('phi4'),
		local('phi3'),
		local('deepseek-r1'),
		local('gpt-oss'),
	],
}
