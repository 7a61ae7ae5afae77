import { t, type Static } from 'elysia'

/** A target's own price override (`targets.pricing`), in USD per million tokens. */
export const TargetPricing = t.Object({
	model: t.Optional(t.String({ maxLength: 200 })),
	inputPerMTok: t.Number({ minimum: 0, maximum: 10_000 }),
	outputPerMTok: t.Number({ minimum: 0, maximum: 10_000 }),
	cachedInputPerMTok: t.Optional(t.Number({ minimum: 0, maximum: 10_000 })),
	cacheWriteInputPerMTok: t.Optional(t.Number({ minimum: 0, maximum: 10_000 })),
})
export type TargetPricing = Static<typeof TargetPricing>

/** Prices in force for one message: from the target's override, the table, or local ($0). */
export interface ResolvedPricing {
	/** The model the prices belong to (the table row's id), when known. */
	model: string | null
	provider: 'openai' | 'anthropic' | 'google' | 'ollama' | 'target'
	source: 'target' | 'table' | 'local'
	inputPerMTok: number
	outputPerMTok: number
	cachedInputPerMTok: number
	/** Prompt tokens written to the provider's cache (Anthropic: 1.25 × input for 5-minute caches). */
	cacheWriteInputPerMTok: number
	/** The price table version (its as-of date) when the prices come from the table. */
	tableVersion?: string
	/** Human-readable provenance, e.g. "Ollama runs locally: $0". */
	note?: string
}

type CostReason = 'unknown_model' | 'no_model'

export interface Cost {
	/** USD; null when the message cannot be priced (never a silent zero). */
	costUsd: number | null
	priced: boolean
	reason?: CostReason
	/** Explains a null cost or a $0 one. */
	message?: string
	/** True when the token counts themselves were estimated (the target reported no usage). */
	estimated: boolean
}
