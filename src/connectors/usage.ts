import type { TokenUsage } from './types'

/**
 * Token usage in the shapes providers report it, normalised (docs/architecture.md §5):
 * - OpenAI / Azure: prompt_tokens, completion_tokens, total_tokens, prompt_tokens_details.cached_tokens
 *   (Responses API: input_tokens, output_tokens, input_tokens_details.cached_tokens)
 * - Anthropic: input_tokens (excluding cache), cache_read_input_tokens, cache_creation_input_tokens, output_tokens
 * - Gemini: promptTokenCount, candidatesTokenCount, thoughtsTokenCount, totalTokenCount, cachedContentTokenCount
 * - Ollama: prompt_eval_count, eval_count
 * - camelCase: promptTokens, completionTokens, totalTokens, cachedTokens (or inputTokens / outputTokens)
 */
export type ReportedUsage = Omit<TokenUsage, 'estimated' | 'model'>

const num = (v: unknown): number | undefined =>
	typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined

/** The usage in `raw`, or undefined when `raw` holds no recognisable counts. */
export function normaliseUsage(raw: unknown): ReportedUsage | undefined {
	if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined
	const u = raw as Record<string, any>
	let prompt: number | undefined
	let completion: number | undefined
	let total: number | undefined
	let cached: number | undefined
	let cacheWrite: number | undefined

	if (
		num(u.promptTokenCount) !== undefined ||
		num(u.candidatesTokenCount) !== undefined ||
		num(u.totalTokenCount) !== undefined
	) {
		prompt = num(u.promptTokenCount)
		completion = (num(u.candidatesTokenCount) ?? 0) + (num(u.thoughtsTokenCount) ?? 0)
		total = num(u.totalTokenCount)
		cached = num(u.cachedContentTokenCount)
	} else if (num(u.prompt_eval_count) !== undefined || num(u.eval_count) !== undefined) {
		prompt = num(u.prompt_eval_count)
		completion = num(u.eval_count)
	} else if (num(u.prompt_tokens) !== undefined || num(u.completion_tokens) !== undefined) {
		prompt = num(u.prompt_tokens)
		completion = num(u.completion_tokens)
		total = num(u.total_tokens)
		cached = num(u.prompt_tokens_details?.cached_tokens)
	} else if (num(u.input_tokens) !== undefined || num(u.output_tokens) !== undefined) {
		const read = num(u.cache_read_input_tokens)
		const created = num(u.cache_creation_input_tokens)
		if (read !== undefined || created !== undefined) {
			// Anthropic: input_tokens counts only the uncached part of the prompt.
			prompt = (num(u.input_tokens) ?? 0) + (read ?? 0) + (created ?? 0)
			cached = read
			cacheWrite = created
		} else {
			prompt = num(u.input_tokens)
			cached = num(u.input_tokens_details?.cached_tokens)
		}
		completion = num(u.output_tokens)
		total = num(u.total_tokens)
	} else if (
		num(u.promptTokens) !== undefined ||
		num(u.completionTokens) !== undefined ||
		num(u.inputTokens) !== undefined
	) {
		prompt = num(u.promptTokens) ?? num(u.inputTokens)
		completion = num(u.completionTokens) ?? num(u.outputTokens)
		total = num(u.totalTokens)
		cached = num(u.cachedTokens) ?? num(u.cachedInputTokens)
	} else if (num(u.totalTokens) !== undefined || num(u.total_tokens) !== undefined) {
		total = num(u.totalTokens) ?? num(u.total_tokens)
	} else {
		return undefined
	}
	const p = prompt ?? 0
	const c = completion ?? 0
	return {
		promptTokens: p,
		completionTokens: c,
		totalTokens: total ?? p + c,
		cachedTokens: cached ?? 0,
		...(cacheWrite ? { cacheWriteTokens: cacheWrite } : {}),
	}
}

/** Streamed replies spread usage over several chunks (Anthropic) or repeat it cumulatively (Gemini): keep the largest count seen per field. */
export function mergeUsage(
	a: ReportedUsage | undefined,
	b: ReportedUsage | undefined,
): ReportedUsage | undefined {
	if (!a) return b
	if (!b) return a
	const promptTokens = Math.max(a.promptTokens, b.promptTokens)
	const completionTokens = Math.max(a.completionTokens, b.completionTokens)
	return {
		promptTokens,
		completionTokens,
		totalTokens: Math.max(a.totalTokens, b.totalTokens, promptTokens + completionTokens),
		cachedTokens: Math.max(a.cachedTokens, b.cachedTokens),
		...(a.cacheWriteTokens || b.cacheWriteTokens
			? { cacheWriteTokens: Math.max(a.cacheWriteTokens ?? 0, b.cacheWriteTokens ?? 0) }
			: {}),
	}
}

/** About four characters per token for English text: the usual rule of thumb. */
const estimateTokens = (text: string) => Math.ceil(text.length / 4)

/** The reported usage, or an estimate flagged `estimated` when the target reported none. */
export function finalUsage(
	reported: ReportedUsage | undefined,
	promptText: string,
	completionText: string,
	model?: string,
): TokenUsage {
	const base: TokenUsage = reported
		? { ...reported, estimated: false }
		: (() => {
				const promptTokens = estimateTokens(promptText)
				const completionTokens = estimateTokens(completionText)
				return {
					promptTokens,
					completionTokens,
					totalTokens: promptTokens + completionTokens,
					cachedTokens: 0,
					estimated: true,
				}
			})()
	if (model) base.model = model
	return base
}

/** The model a reply names (OpenAI/Anthropic/Ollama `model`, Gemini `modelVersion`). */
export function reportedModel(json: unknown): string | undefined {
	if (json === null || typeof json !== 'object') return undefined
	const j = json as Record<string, any>
	const m = j.model ?? j.modelVersion ?? j.message?.model
	return typeof m === 'string' && m ? m : undefined
}
