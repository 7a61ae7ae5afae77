import type { TokenUsage } from '../connectors/types'
import type { Cost, ResolvedPricing, TargetPricing } from './model'
import { PRICE_TABLE, type PriceRow, type PriceTable } from './table'

/**
 * Pure pricing functions (docs/architecture.md §5): which prices apply to a message, and what it cost.
 * Sessions call `resolvePricing` once per target/model and `costOf` per message.
 */

/** Provider prefixes some APIs put before the model id (`models/gemini-…`, `openai/gpt-…`). */
const PREFIX = /^(models\/|openai\/|anthropic\/|google\/|azure\/|ollama\/)/

const normaliseModel = (model: string) => model.trim().toLowerCase().replace(PREFIX, '')

/**
 * The table row for a model id: exact match, else the longest row id that is a prefix followed
 * by a separator (`-`, `:`, `@`, `.`, `_`), so dated snapshots and Ollama tags resolve while
 * `gpt-4o-mini` never falls back to `gpt-4o`'s prices.
 */
export function lookupModel(model: string, table: PriceTable = PRICE_TABLE): PriceRow | undefined {
	const id = normaliseModel(model)
	if (!id) return undefined
	let best: PriceRow | undefined
	for (const r of table.models) {
		if (r.model === id) return r
		if (id.startsWith(r.model) && /[-:@._]/.test(id[r.model.length] ?? '')) {
			if (!best || r.model.length > best.model.length) best = r
		}
	}
	return best
}

const isPrice = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0

/** A target's `pricing` column, when it carries usable numbers. */
function asTargetPricing(v: unknown): TargetPricing | undefined {
	if (!v || typeof v !== 'object') return undefined
	const p = v as Record<string, unknown>
	if (!isPrice(p.inputPerMTok) || !isPrice(p.outputPerMTok)) return undefined
	return {
		inputPerMTok: p.inputPerMTok,
		outputPerMTok: p.outputPerMTok,
		...(isPrice(p.cachedInputPerMTok) ? { cachedInputPerMTok: p.cachedInputPerMTok } : {}),
		...(isPrice(p.cacheWriteInputPerMTok)
			? { cacheWriteInputPerMTok: p.cacheWriteInputPerMTok }
			: {}),
		...(typeof p.model === 'string' ? { model: p.model } : {}),
	}
}

interface PricingInput {
	/** The model: the target's `requestTemplate.structure.model`, else the usage's reported model. */
	model?: string | null
	/** The target's `pricing` column (validated loosely here; it beats the table when usable). */
	targetPricing?: unknown
	/** The target's preset id: `ollama` targets are local and cost $0 whatever the model. */
	presetId?: string | null
	table?: PriceTable
}

/**
 * The prices for a message, or undefined when nothing is known (unknown model, no override).
 * Order: the target's own numbers, then Ollama ($0, local), then the table by model.
 */
export function resolvePricing(input: PricingInput): ResolvedPricing | undefined {
	const table = input.table ?? PRICE_TABLE
	const override = asTargetPricing(input.targetPricing)
	if (override) {
		return {
			model: override.model ?? input.model ?? null,
			provider: 'target',
			source: 'target',
			inputPerMTok: override.inputPerMTok,
			outputPerMTok: override.outputPerMTok,
			// Without a cached price, cached tokens cost what any input token costs.
			cachedInputPerMTok: override.cachedInputPerMTok ?? override.inputPerMTok,
			// Without a cache-write price: Anthropic's 1.25 × input on its presets, else the input price.
			cacheWriteInputPerMTok:
				override.cacheWriteInputPerMTok ??
				override.inputPerMTok * (input.presetId?.startsWith('anthropic') ? 1.25 : 1),
			note: 'Prices set on the target',
		}
	}
	const model =
		input.model ??
		(input.targetPricing && typeof (input.targetPricing as { model?: unknown }).model === 'string'
			? ((input.targetPricing as { model: string }).model as string)
			: null)
	if (input.presetId === 'ollama') {
		return {
			model: model ?? null,
			provider: 'ollama',
			source: 'local',
			inputPerMTok: 0,
			outputPerMTok: 0,
			cachedInputPerMTok: 0,
			cacheWriteInputPerMTok: 0,
			note: 'Ollama runs locally: $0 per token',
		}
	}
	if (!model) return undefined
	const r = lookupModel(model, table)
	if (!r) return undefined
	const isLocal = r.provider === 'ollama'
	return {
		model: r.model,
		provider: r.provider,
		source: isLocal ? 'local' : 'table',
		inputPerMTok: r.inputPerMTok,
		outputPerMTok: r.outputPerMTok,
		cachedInputPerMTok: r.cachedInputPerMTok,
		cacheWriteInputPerMTok: r.cacheWriteInputPerMTok,
		tableVersion: table.version,
		note: isLocal ? 'Ollama runs locally: $0 per token' : `List price as of ${table.asOf}`,
	}
}

/** Rounds away binary noise (0.1 + 0.2) while keeping sub-nano-dollar precision. */
const round = (usd: number) => Math.round(usd * 1e12) / 1e12

/**
 * What one message cost. `usage.promptTokens` counts all input tokens including cache reads and
 * writes; reads are billed at the cached rate, writes at the cache-write rate and the rest of
 * the prompt at the input rate. Completion tokens include reasoning tokens (output rate).
 * Without pricing the cost is null with a reason, never a silent $0.
 */
export function costOf(
	usage: Pick<
		TokenUsage,
		| 'promptTokens'
		| 'completionTokens'
		| 'cachedTokens'
		| 'cacheWriteTokens'
		| 'estimated'
		| 'model'
	>,
	pricing: ResolvedPricing | undefined,
): Cost {
	const estimated = usage.estimated
	if (!pricing) {
		const model = usage.model
		return model
			? {
					costUsd: null,
					priced: false,
					reason: 'unknown_model',
					message: `No price known for model "${model}" (table ${PRICE_TABLE.version}); set pricing on the target`,
					estimated,
				}
			: {
					costUsd: null,
					priced: false,
					reason: 'no_model',
					message: 'No model known for this target; set pricing on the target',
					estimated,
				}
	}
	const prompt = Math.max(0, usage.promptTokens || 0)
	const cached = Math.min(prompt, Math.max(0, usage.cachedTokens || 0))
	const written = Math.min(prompt - cached, Math.max(0, usage.cacheWriteTokens || 0))
	const completion = Math.max(0, usage.completionTokens || 0)
	const micro =
		(prompt - cached - written) * pricing.inputPerMTok +
		cached * pricing.cachedInputPerMTok +
		written * pricing.cacheWriteInputPerMTok +
		completion * pricing.outputPerMTok
	const cost: Cost = { costUsd: round(micro / 1_000_000), priced: true, estimated }
	if (pricing.source === 'local') cost.message = pricing.note
	return cost
}

/** Resolve-and-price in one call, for callers that price a single message. */
export function priceMessage(
	usage: TokenUsage,
	input: Omit<PricingInput, 'model'> & { model?: string | null },
): Cost {
	return costOf(usage, resolvePricing({ ...input, model: input.model ?? usage.model ?? null }))
}

/** The model a target's request template names (`structure.model`), if any. */
export function templateModel(requestTemplate: unknown): string | undefined {
	const structure = (requestTemplate as { structure?: { model?: unknown } } | null | undefined)
		?.structure
	return typeof structure?.model === 'string' && structure.model ? structure.model : undefined
}
