import { base, inconclusive, link, refusalOf } from './classify'
import type { Finding } from './model'
import type { Observation } from './pacer'
import { runProbeSession, type ProbeCtx } from './sessions'

/** Size probes wait out a rate limiter (up to 5 retries a message) instead of stopping at it. */
const PATIENT = { rateRetries: 5 }

const FILLER =
	'Krawall measures what a chatbot costs under load; this paragraph is filler text of a known size. '

const sized = (n: number) =>
	`Summarise in one sentence: ${FILLER.repeat(Math.ceil(n / FILLER.length))}`.slice(0, n)

/**
 * 3. Input size: doubling sizes until refused (or truncated: prompt tokens per character fall by
 * half) or the bound, then halving the gap between the last accepted and the first refused size
 * until it is within 10 %.
 */
export async function probeInput(ctx: ProbeCtx, maxChars: number): Promise<Finding> {
	const START = 1000
	let lo = 0
	let hi: number | null = null
	let next = Math.min(START, maxChars)
	const doubling = Math.ceil(Math.log2(maxChars / START)) + 1
	const refused = (o: Observation) => !o.success
	const truncated = (o: Observation, first: Observation | undefined) =>
		o.success &&
		first !== undefined &&
		o !== first &&
		o.promptTokens / o.requestChars < 0.5 * (first.promptTokens / first.requestChars)
	const s = await runProbeSession(
		ctx,
		{
			kind: 'each',
			count: doubling + 8,
			message: () => sized(next),
			intervalMs: 0,
			maxInFlight: 1,
		},
		(o, all) => {
			const kind = refusalOf(o)
			if (kind === 'rate' || kind === 'quota' || kind === 'concurrency' || kind === 'other')
				return true
			if (refused(o) || truncated(o, all[0])) hi = o.requestChars
			else lo = Math.max(lo, o.requestChars)
			if (hi === null) {
				if (o.requestChars >= maxChars) return true
				next = Math.min(maxChars, o.requestChars * 2)
				return false
			}
			if ((hi - lo) / hi <= 0.1) return true
			next = Math.round((lo + hi) / 2)
			return false
		},
		PATIENT,
	)
	const os = s.observations
	const chart = {
		title: 'Status per input size',
		xLabel: 'characters',
		yLabel: 'HTTP status',
		points: [...os]
			.sort((a, b) => a.requestChars - b.requestChars)
			.map((o) => ({
				x: o.requestChars,
				y: o.status ?? 0,
				ok: o.success && !truncated(o, os[0]),
				label: `${o.requestChars}`,
			})),
	}
	const stray = os.find((o) =>
		['rate', 'quota', 'concurrency', 'other'].includes(refusalOf(o) ?? ''),
	)
	if (stray)
		return inconclusive('input', `a ${o2s(stray)} refusal came before any size limit`, {
			chart,
			evidence: [link(s, stray, 'Refused')],
		})
	const firstBad = os.find((o) => refused(o) || truncated(o, os[0]))
	const figures = {
		largestAcceptedChars: lo,
		smallestRefusedChars: hi,
		sizesTried: os.length,
		refusedStatus: firstBad?.status ?? null,
	}
	if (hi !== null && firstBad) {
		const how = refused(firstBad) ? `HTTP ${firstBad.status}` : 'silently truncated'
		return {
			...base('input'),
			verdict: 'present',
			value: lo,
			unit: 'characters',
			summary: `Input limit at ${lo} characters (${hi} refused: ${how})`,
			figures,
			evidence: [link(s, firstBad, `${firstBad.requestChars} characters: ${how}`)],
			chart: { ...chart, marker: { x: hi, label: `limit ≈ ${lo} chars` } },
		}
	}
	if (s.budgetStop || lo < maxChars)
		return inconclusive('input', s.budgetStop ?? `stopped at ${lo} characters`, { chart, figures })
	return {
		...base('input'),
		verdict: 'absent',
		value: maxChars,
		unit: 'characters',
		summary: `No input limit up to ${maxChars} characters per message`,
		figures,
		evidence: [link(s, os[os.length - 1], `${maxChars} characters accepted`)],
		chart,
	}
}

const o2s = (o: Observation) => `${refusalOf(o)} (HTTP ${o.status ?? '—'})`
