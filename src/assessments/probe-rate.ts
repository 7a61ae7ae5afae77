import { base, inconclusive, limitHeaders, link, refusalOf, round, sessionLink } from './classify'
import type { Finding } from './model'
import type { Observation } from './pacer'
import { runProbeSession, type ProbeCtx, type ProbeSession } from './sessions'

const FACTOR = 1.5
const isRate = (o: Observation) => refusalOf(o) === 'rate'

/** The ramp's rates: ×1.5 from 2/s (or the bound, if lower) up to and including the bound. */
export function rampRates(max: number): number[] {
	const rates: number[] = []
	for (let r = Math.min(2, max); r < max; r *= FACTOR) rates.push(round(r, 2))
	rates.push(max)
	return rates
}

/** Requests per second actually sent: n starts over their span. */
const sentRate = (os: Observation[]) => {
	if (os.length < 2) return 0
	const span = (os[os.length - 1]!.startMs - os[0]!.startMs) / 1000
	return span > 0 ? (os.length - 1) / span : 0
}

/**
 * Accepted requests per second once the limiter has refused one: its bucket is empty from the
 * first refusal on, so what passes after it is the refill rate, whatever the burst.
 */
function acceptedAfterRefusal(os: Observation[]): number | null {
	const i = os.findIndex(isRate)
	if (i < 0) return null
	const after = os.slice(i)
	const span = (after[after.length - 1]!.startMs - after[0]!.startMs) / 1000
	if (span <= 0) return null
	return after.filter((o) => o.success).length / span
}

type Step = { rate: number; s: ProbeSession; sent: number; refused: boolean }

/**
 * 4. Request rate: an arrival-rate ramp (one short session per step, each request paced by the
 * probe's own sender) until a 429/503 or the bound; then one measuring session at 1.5× the
 * refused rate gives the limit as the accepted rate after the first refusal. Requests are
 * separate conversations (a per-key limit); when none is refused, the ramp is repeated inside
 * one conversation per step (a per-conversation limit).
 */
export async function probeRate(
	ctx: ProbeCtx,
	maxRate: number,
	stepSec: number,
): Promise<Finding & { sustainable?: number }> {
	const tag = Math.random().toString(36).slice(2, 8)
	const run = (rate: number, sec: number, scope: 'key' | 'conversation') => {
		const count = Math.max(2, Math.ceil(rate * sec))
		const say = (i: number) => `Request ${i + 1} (${tag}-${rate}): reply with one word.`
		return runProbeSession(
			ctx,
			scope === 'key'
				? { kind: 'each', count, message: say, intervalMs: 1000 / rate, maxInFlight: 64 }
				: {
						kind: 'conversation',
						messages: Array.from({ length: count }, (_, i) => say(i)),
						delayMs: 1000 / rate,
					},
			(o) => !o.success && refusalOf(o) !== 'rate',
		)
	}
	const steps: Step[] = []
	const ramp = async (scope: 'key' | 'conversation') => {
		for (const rate of rampRates(maxRate)) {
			const s = await run(rate, stepSec, scope)
			const step = { rate, s, sent: sentRate(s.observations), refused: s.observations.some(isRate) }
			steps.push(step)
			if (step.refused || s.budgetStop || s.observations.some((o) => !o.success && !isRate(o)))
				return step
		}
		return null
	}
	let scope: 'key' | 'conversation' = 'key'
	let onset = await ramp('key')
	if (!onset?.refused && !onset?.s.budgetStop && !stray(steps)) {
		scope = 'conversation'
		onset = await ramp('conversation')
	}
	const chart = {
		title: 'Request rate and the 429 onset',
		xLabel: 'requests/s sent',
		yLabel: 'requests/s accepted',
		points: steps.map((st) => ({
			x: round(st.sent, 1),
			y: round(st.s.observations.filter((o) => o.success).length / Math.max(stepSec, 0.001), 1),
			ok: !st.refused,
			label: `${st.rate}/s ${st.refused ? 'refused' : 'ok'}`,
		})),
	}
	const bad = stray(steps)
	if (bad)
		return inconclusive(
			'rate',
			`a ${refusalOf(bad.o)} refusal (HTTP ${bad.o.status ?? '—'}) came before any rate limit`,
			{
				chart,
				evidence: [link(bad.s, bad.o, 'Refused')],
			},
		)
	if (!onset?.refused) {
		const top = Math.max(0, ...steps.map((st) => st.sent))
		const last = steps[steps.length - 1]
		if (onset?.s.budgetStop || !last)
			return inconclusive(
				'rate',
				`${onset?.s.budgetStop ?? 'no step ran'} at ${round(top, 1)} requests/s`,
				{ chart },
			)
		return {
			...base('rate'),
			verdict: 'absent',
			value: round(top, 1),
			unit: 'requests/s',
			summary: `No rate limit up to ${round(top, 1)} requests/s (per key and within one conversation)`,
			figures: { maxSentRatePerSec: round(top, 1), steps: steps.length },
			evidence: [sessionLink(last.s, `Last step: ${last.rate}/s, nothing refused`)],
			chart,
			sustainable: top,
		}
	}
	// Measure: the bucket is empty now; what passes after the first refusal is its refill rate.
	const measure = await run(Math.min(500, onset.rate * FACTOR), Math.max(2, 2 * stepSec), scope)
	const limit =
		acceptedAfterRefusal(measure.observations) ?? acceptedAfterRefusal(onset.s.observations)
	const refusedObs = onset.s.observations.find(isRate)!
	const headers = limitHeaders(measure.observations.concat(onset.s.observations))
	const retryAfterSec =
		refusedObs.retryAfterMs !== null ? round(refusedObs.retryAfterMs / 1000, 2) : null
	const reset = Object.entries(headers).find(([k]) => /reset/.test(k))?.[1] ?? null
	const headerLimit = Object.entries(headers).find(([k]) => /limit/.test(k))?.[1] ?? null
	if (limit === null)
		return inconclusive('rate', 'refusals came but too few requests to measure the accepted rate', {
			chart,
			evidence: [link(onset.s, refusedObs, 'First refusal')],
		})
	const value = round(limit, 1)
	return {
		...base('rate'),
		verdict: 'present',
		value,
		unit: 'requests/s',
		summary: `Rate limit at ≈ ${value} requests/s per ${scope} (429 from ${round(onset.sent, 1)} requests/s${retryAfterSec !== null ? `, Retry-After ${retryAfterSec} s` : ''})`,
		figures: {
			scope,
			onsetRatePerSec: round(onset.sent, 1),
			acceptedRatePerSec: value,
			retryAfterSec,
			reset,
			headerLimit,
			refusedStatus: refusedObs.status,
		},
		evidence: [
			link(onset.s, refusedObs, `First ${refusedObs.status} at ${round(onset.sent, 1)} requests/s`),
			sessionLink(
				measure,
				`Measured ${value} accepted requests/s at ${round(sentRate(measure.observations), 1)}/s sent`,
			),
		],
		chart: {
			...chart,
			marker: { x: round(onset.sent, 1), label: `429 onset; limit ≈ ${value}/s` },
		},
		sustainable: limit,
	}
}

function stray(steps: Step[]) {
	for (const st of steps) {
		const o = st.s.observations.find((x) => !x.success && !isRate(x))
		if (o) return { s: st.s, o }
	}
	return null
}
