import {
	base,
	inconclusive,
	limitHeaders,
	link,
	refusalOf,
	round,
	sessionLink,
	usd,
} from './classify'
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

/** Most requests in flight at once, from the sends' start times and durations. */
export function maxOverlap(os: Observation[]): number {
	const ev = os.flatMap((o) => [
		{ t: o.startMs, d: 1 },
		{ t: o.startMs + o.responseTimeMs, d: -1 },
	])
	ev.sort((a, b) => a.t - b.t || a.d - b.d)
	let cur = 0
	let max = 0
	for (const e of ev) max = Math.max(max, (cur += e.d))
	return max
}

/**
 * 5. Concurrency: 2, 4, 8, … parallel conversations on one key, all started at once, until some
 * are refused: the limit is how many were accepted in that burst. A 429 counts as a concurrency
 * refusal when it says so, or when the rate probe found no rate limit; between bursts the probe
 * waits for a rate limiter's bucket to refill.
 */
export async function probeConcurrency(
	ctx: ProbeCtx,
	maxC: number,
	rateLimit: number | null,
): Promise<Finding> {
	const levels: number[] = []
	for (let k = 2; k < maxC; k *= 2) levels.push(k)
	levels.push(maxC)
	const isConc = (o: Observation) =>
		refusalOf(o) === 'concurrency' || (rateLimit === null && refusalOf(o) === 'rate')
	const runs: { k: number; s: ProbeSession; overlap: number; accepted: number }[] = []
	for (const k of levels) {
		if (rateLimit)
			await ctx.deps.clock
				.sleep(Math.min(10_000, (k / rateLimit) * 1000), ctx.signal)
				.catch(() => {})
		if (ctx.signal.aborted) break
		const s = await runProbeSession(ctx, {
			kind: 'each',
			count: k,
			message: (i) => `Parallel request ${i + 1} of ${k}: write 200 words about the sea.`,
			intervalMs: 0,
			maxInFlight: k,
		})
		const accepted = s.observations.filter((o) => o.success).length
		runs.push({ k, s, overlap: maxOverlap(s.observations), accepted })
		if (s.budgetStop || s.observations.some((o) => !o.success)) break
	}
	const chart = {
		title: 'Parallel requests accepted',
		xLabel: 'parallel requests',
		yLabel: 'accepted',
		points: runs.map((r) => ({
			x: r.k,
			y: r.accepted,
			ok: r.accepted === r.k,
			label: `overlap ${r.overlap}`,
		})),
	}
	const last = runs[runs.length - 1]
	if (!last) return inconclusive('concurrency', 'no burst ran')
	const refused = last.s.observations.find((o) => !o.success)
	if (refused && !isConc(refused))
		return inconclusive(
			'concurrency',
			`a ${refusalOf(refused)} refusal (HTTP ${refused.status ?? '—'}) came, not a concurrency limit`,
			{
				chart,
				evidence: [link(last.s, refused, 'Refused')],
			},
		)
	const peak = Math.max(...runs.map((r) => r.overlap))
	const figures = { maxParallelSent: last.k, maxOverlap: peak, accepted: last.accepted }
	if (refused)
		return {
			...base('concurrency'),
			verdict: 'present',
			value: last.accepted,
			unit: 'concurrent requests',
			summary: `Concurrency limit at ${last.accepted} requests in flight per key (${last.k - last.accepted} of ${last.k} parallel requests refused, HTTP ${refused.status})`,
			figures,
			evidence: [link(last.s, refused, `Refused: ${last.accepted + 1}th parallel request`)],
			chart: { ...chart, marker: { y: last.accepted, label: `limit ${last.accepted}` } },
		}
	if (last.s.budgetStop)
		return inconclusive('concurrency', `${last.s.budgetStop} at ${last.k} parallel requests`, {
			chart,
			figures,
		})
	if (peak < Math.ceil(0.8 * last.k))
		return inconclusive(
			'concurrency',
			`replies came back too fast for the requests to overlap: at most ${peak} of ${last.k} were in flight together`,
			{ value: peak, unit: 'concurrent requests', chart, figures },
		)
	return {
		...base('concurrency'),
		verdict: 'absent',
		value: peak,
		unit: 'concurrent requests',
		summary: `No concurrency limit up to ${peak} requests in flight at once`,
		figures,
		evidence: [sessionLink(last.s, `${last.k} parallel requests, all accepted`)],
		chart,
	}
}

/**
 * 6. Sustained spend: at the highest accepted rate, the most expensive prompt, for a bounded
 * time, until a quota refusal (402, or 403/429 naming a quota). The cap is what this key had been
 * served by then (the whole assessment's spend, every probe on the same key).
 */
export async function probeSpend(
	ctx: ProbeCtx,
	rate: number,
	durationSec: number,
	prompt: string,
): Promise<Finding> {
	const count = Math.max(1, Math.ceil(rate * durationSec))
	const s = await runProbeSession(
		ctx,
		{
			kind: 'each',
			count,
			message: (i) => `(${i + 1}) ${prompt}`,
			intervalMs: 1000 / rate,
			maxInFlight: 64,
		},
		(o) => refusalOf(o) === 'quota',
	)
	const os = s.observations
	let sum = 0
	const chart = {
		title: 'Spend over time',
		xLabel: 'seconds',
		yLabel: 'USD (cumulative, this probe)',
		points: os.map((o) => ({
			x: round(o.startMs / 1000, 2),
			y: (sum += o.costUsd),
			ok: o.success,
		})),
	}
	const refused = os.find((o) => refusalOf(o) === 'quota')
	if (refused)
		return quotaFinding(s, refused, {
			...chart,
			marker: { x: round(refused.startMs / 1000, 2), label: 'quota refusal' },
		})
	const figures = {
		ratePerSec: round(rate, 1),
		durationSec,
		requests: os.length,
		spentUsd: round(ctx.budget.spent.costUsd, 6),
		servedTokens: ctx.budget.spent.tokens,
	}
	const other = os.find((o) => !o.success && refusalOf(o) !== 'rate')
	if (!os.some((o) => o.success))
		return inconclusive('spend', s.budgetStop ?? 'no request was answered', { chart, figures })
	if (s.budgetStop && os.length < count)
		return inconclusive('spend', `${s.budgetStop} before the spend probe's time was up`, {
			chart,
			figures,
		})
	return {
		...base('spend'),
		verdict: 'absent',
		value: ctx.budget.spent.costUsd,
		unit: 'USD',
		summary: `No spend or quota cap up to ${usd(ctx.budget.spent.costUsd)} (${ctx.budget.spent.tokens} tokens served to this key)`,
		figures: { ...figures, otherErrors: other ? 1 : 0 },
		evidence: [sessionLink(s, `${os.length} requests at ${round(rate, 1)}/s, no quota refusal`)],
		chart,
	}
}

/** A quota refusal, seen by whichever probe ran into it. */
export function quotaFinding(
	s: ProbeSession,
	o: Observation,
	chart: Finding['chart'] = null,
): Finding {
	const cap = quotaCap(s, o)
	return {
		...base('spend'),
		verdict: 'present',
		value: cap.usd,
		unit: 'USD',
		summary: `Quota cap at ${usd(cap.usd)} (${cap.tokens} tokens served to this key, then HTTP ${o.status})`,
		figures: { capUsd: cap.usd, capTokens: cap.tokens, refusedStatus: o.status },
		evidence: [link(s, o, `Quota refusal (HTTP ${o.status})`)],
		chart,
	}
}

/** What the key had been served before `o` was refused: the assessment's spend until then. */
export function quotaCap(s: ProbeSession, o: Observation) {
	const before = s.observations.slice(0, s.observations.indexOf(o)).filter((x) => x.success)
	return {
		usd: s.spentBefore.costUsd + before.reduce((a, x) => a + x.costUsd, 0),
		tokens:
			s.spentBefore.tokens + before.reduce((a, x) => a + x.promptTokens + x.completionTokens, 0),
	}
}
