import type { ResolvedPricing } from '../pricing/model'
import { round, usd } from './classify'
import type { Control, Finding, Headline } from './model'

/**
 * Worst-case burn for one client (docs/architecture.md §4): the highest sustainable request rate
 * (the rate limit found, else the highest rate tested — a floor then, not a ceiling — and no more
 * than a concurrency limit allows at the observed latency) × the cost of the most expensive
 * request accepted at the caps: the largest prompt accepted (depth or input probe) priced
 * together with the longest reply (output probe).
 */
export function computeHeadline(
	findings: Finding[],
	largest: { promptTokens: number; completionTokens: number; latencyMs: number },
	pricing: ResolvedPricing | undefined,
): Headline {
	const by = (p: Finding['probe']) => findings.find((f) => f.probe === p)
	const rate = by('rate')
	const conc = by('concurrency')
	let sustainable: number | null = null
	let bounded = false
	if (rate && rate.verdict !== 'inconclusive' && rate.value !== null) {
		sustainable = rate.value
		bounded = rate.verdict === 'present'
	}
	if (conc?.verdict === 'present' && conc.value && largest.latencyMs > 0) {
		const byConc = conc.value / (largest.latencyMs / 1000)
		if (sustainable === null || byConc < sustainable) {
			sustainable = byConc
			bounded = true
		}
	}
	const prompt = largest.promptTokens
	const completion = largest.completionTokens
	const maxCost = pricing
		? (prompt * pricing.inputPerMTok + completion * pricing.outputPerMTok) / 1_000_000
		: null
	const perHour = sustainable !== null && maxCost !== null ? sustainable * 3600 * maxCost : null
	const spend = by('spend')
	const quota = spend?.verdict === 'present' ? spend.value : null
	const of = (v: Finding['verdict']) =>
		findings.filter((f) => f.verdict === v).map((f) => f.control) as Control[]
	const note =
		perHour === null
			? maxCost === null
				? 'No price is known for the target’s model: set pricing on the target to see dollars.'
				: 'No sustainable request rate was measured (the rate probe did not run or was inconclusive).'
			: `${round(sustainable!, 1)} requests/s${bounded ? '' : ' (the highest rate tested: no limit was found, the real ceiling may be higher)'} × ${usd(maxCost!)} per request (${prompt} prompt + ${completion} completion tokens)` +
				(quota !== null ? `, until the quota cap at ${usd(quota)} per key` : '')
	return {
		sustainableRatePerSec: sustainable === null ? null : round(sustainable, 2),
		rateBounded: bounded,
		maxRequestCostUsd: maxCost,
		maxRequestTokens: prompt || completion ? { prompt, completion } : null,
		burnPerHourUsd: perHour,
		burnPerDayUsd: perHour === null ? null : perHour * 24,
		quotaCapUsd: quota,
		controlsFound: of('present'),
		controlsMissing: of('absent'),
		controlsInconclusive: of('inconclusive'),
		note,
	}
}
