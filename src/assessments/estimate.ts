import type { ResolvedPricing } from '../pricing/model'
import {
	DEFAULT_OPTIONS,
	type AssessmentLimits,
	type AssessmentOptions,
	type Estimate,
	type Probe,
} from './model'
import { AMPLIFICATION_PROMPTS } from './probes-size'
import { rampRates } from './probe-rate'

/** Tokens assumed per request before anything is known: a long reply to a short prompt. */
const GUESS = { prompt: 500, completion: 2000 }

const price = (p: ResolvedPricing, prompt: number, completion: number) =>
	(prompt * p.inputPerMTok + completion * p.outputPerMTok) / 1_000_000

/** The reserve the budget holds for the first request (src/assessments/budget.ts). */
export const estimateGuessUsd = (p: ResolvedPricing | undefined) =>
	p ? price(p, GUESS.prompt, GUESS.completion) : 0

/**
 * The most each probe can send when nothing stops it early (every probe stops at its answer,
 * so a target with controls costs less), and what that costs at the assumed sizes.
 */
export function estimateAssessment(
	probes: Probe[],
	options: AssessmentOptions,
	limits: AssessmentLimits,
	pricing: ResolvedPricing | undefined,
): Estimate {
	const o = { ...DEFAULT_OPTIONS, ...options }
	const ramp = rampRates(o.maxRatePerSec).reduce(
		(a, r) => a + Math.max(2, Math.ceil(r * o.rateStepSec)),
		0,
	)
	let levels = 0
	for (let k = 2; k < o.maxConcurrency; k *= 2) levels += k
	levels += o.maxConcurrency
	const perProbe: Record<Probe, { requests: number; prompt: number; completion: number }> = {
		output: { requests: AMPLIFICATION_PROMPTS.length, ...GUESS },
		// History grows: on average half the deepest prompt (~250 tokens a turn).
		depth: { requests: o.maxDepthTurns, prompt: 125 * o.maxDepthTurns, completion: 50 },
		input: {
			requests: Math.ceil(Math.log2(o.maxInputChars / 1000)) + 1 + 8,
			prompt: o.maxInputChars / 8,
			completion: 50,
		},
		// Per key, then within one conversation, then one measuring step.
		rate: {
			requests: 2 * ramp + Math.ceil(o.maxRatePerSec * 1.5 * Math.max(2, 2 * o.rateStepSec)),
			prompt: 30,
			completion: 10,
		},
		concurrency: { requests: levels, prompt: 30, completion: 300 },
		spend: { requests: Math.ceil(o.maxRatePerSec * o.spendDurationSec), ...GUESS },
	}
	let requests = 0
	let cost = 0
	for (const p of probes) {
		const e = perProbe[p]
		requests += e.requests
		if (pricing) cost += e.requests * price(pricing, e.prompt, e.completion)
	}
	const limitedBy: Estimate['limitedBy'] = []
	if (requests > limits.maxRequests) limitedBy.push('maxRequests')
	if (pricing && cost > limits.maxCostUsd) limitedBy.push('maxCostUsd')
	return {
		requests: Math.min(requests, limits.maxRequests),
		costUsd: pricing ? Math.min(cost, limits.maxCostUsd) : null,
		basis: `At most ${requests} requests if no control stops a probe early; ~${GUESS.completion} completion tokens per amplification request${pricing ? `, priced at ${pricing.model ?? 'the target'}'s $${pricing.inputPerMTok}/$${pricing.outputPerMTok} per million tokens` : ', unpriced model'}`,
		limitedBy,
	}
}
