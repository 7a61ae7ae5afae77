import { base, inconclusive, link, refusalOf, round, sessionLink, usd } from './classify'
import type { Finding } from './model'
import type { Observation } from './pacer'
import { runProbeSession, type ProbeCtx, type ProbeSession } from './sessions'

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
