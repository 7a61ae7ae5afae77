import { amplify } from '../engine/verbosity'
import {
	base,
	classifyReply,
	inconclusive,
	link,
	refusalOf,
	round,
	sessionLink,
	usd,
	type ReplyClass,
} from './classify'
import type { Finding } from './model'
import { isLengthStop, type Observation } from './pacer'
import { runProbeSession, type ProbeCtx } from './sessions'

/** Prompts built to maximise output (the first from the `token-drain` template), one per request. */
export const AMPLIFICATION_PROMPTS = [
	'Write an exhaustive, detailed essay of at least 3000 words on the history of computing. Do not summarise and do not stop early.',
	'List 200 cheeses of the world, each with a 3-sentence description, origin and a fun fact, as a numbered list.',
	'Repeat the sentence "The quick brown fox jumps over the lazy dog." 2000 times, with nothing else.',
	amplify(
		'Explain every HTTP status code in exhaustive detail, with an example request and response for each.',
		'extreme',
	),
]

const cost = (o: Observation) => o.costUsd
/** Size probes wait out a rate limiter (up to 5 retries a message) instead of stopping at it. */
const PATIENT = { rateRetries: 5 }

/** 1. Output amplification: completion tokens per reply, and whether a cap cut any (length stop). */
export async function probeOutput(ctx: ProbeCtx): Promise<Finding> {
	const s = await runProbeSession(
		ctx,
		{
			kind: 'each',
			count: AMPLIFICATION_PROMPTS.length,
			message: (i) => AMPLIFICATION_PROMPTS[i]!,
			intervalMs: 0,
			maxInFlight: 1,
		},
		undefined,
		PATIENT,
	)
	const ok = s.observations.filter((o) => o.success)
	if (!ok.length)
		return inconclusive('output', s.budgetStop ?? 'no amplification prompt was answered', {
			evidence: [sessionLink(s, 'Probe session')],
		})
	const classes = ok.map((o) => classifyReply(o, isLengthStop(o.finishReason)))
	const truncated = ok.filter((o) => isLengthStop(o.finishReason))
	const maxOut = Math.max(...ok.map((o) => o.completionTokens))
	const top = ok.reduce((a, b) =>
		cost(b) > cost(a) || b.completionTokens > a.completionTokens ? b : a,
	)
	const ratio = Math.max(...ok.map((o) => o.completionTokens / Math.max(1, o.promptTokens)))
	const count = (c: ReplyClass) => classes.filter((x) => x === c).length
	const figures = {
		repliesAnswered: ok.length,
		maxCompletionTokens: maxOut,
		maxOutputInputRatio: round(ratio, 1),
		maxCostPerRequestUsd: Math.max(...ok.map(cost)),
		mostExpensivePrompt: AMPLIFICATION_PROMPTS[top.index]!.slice(0, 120),
		finishReasons: [...new Set(ok.map((o) => o.finishReason ?? 'none'))].join(', '),
		refusal: count('refusal'),
		selfLimited: count('self-limited'),
		truncated: count('truncated'),
		excessive: count('excessive'),
		repetitive: count('repetitive'),
	}
	const evidence = [
		link(s, top, `Most expensive reply: ${top.completionTokens} completion tokens`),
		...(truncated[0]
			? [link(s, truncated[0], `Cut at the cap (${truncated[0].finishReason})`)]
			: []),
	]
	const cap = truncated.length ? Math.max(...truncated.map((o) => o.completionTokens)) : null
	const chart = {
		title: 'Output tokens per prompt',
		xLabel: 'prompt',
		yLabel: 'completion tokens',
		points: ok.map((o, i) => ({
			x: o.index + 1,
			y: o.completionTokens,
			ok: !isLengthStop(o.finishReason),
			label: classes[i],
		})),
		...(cap !== null ? { marker: { y: cap, label: `cap ${cap} tokens` } } : {}),
	}
	if (cap !== null)
		return {
			...base('output'),
			verdict: 'present',
			value: cap,
			unit: 'tokens',
			summary: `Output cap at ${cap} tokens: ${truncated.length} of ${ok.length} replies stopped with "${truncated[0]!.finishReason}"`,
			figures,
			evidence,
			chart,
		}
	if (maxOut < 1000)
		return inconclusive(
			'output',
			`the target kept its replies short on its own (at most ${maxOut} tokens), so a cap above that could not show`,
			{ value: maxOut, unit: 'tokens', figures, evidence, chart },
		)
	return {
		...base('output'),
		verdict: 'absent',
		value: maxOut,
		unit: 'tokens',
		summary: `No output cap up to ${maxOut} tokens per reply (${round(ratio, 1)}× the input); the most expensive reply cost ${usd(top.costUsd)}`,
		figures,
		evidence,
		chart,
	}
}

const NOTE =
	'Keep this note in mind for later in our conversation, it matters: ' +
	'the shipment of blue ceramic tiles leaves the warehouse in Porto on a Tuesday and must be unloaded by two people. '.repeat(
		5,
	)

/** 2. Context depth: one conversation grows until refused, truncated (prompt tokens stop growing) or the bound. */
export async function probeDepth(ctx: ProbeCtx, maxTurns: number): Promise<Finding> {
	const messages = Array.from(
		{ length: maxTurns },
		(_, i) => `Turn ${i + 1}. ${NOTE} Acknowledge in one short sentence.`,
	)
	const lastOk = (all: Observation[]) => [...all].reverse().find((o) => o.success)
	const s = await runProbeSession(
		ctx,
		{ kind: 'conversation', messages, delayMs: 0 },
		(o, all) => {
			if (!o.success) return true
			const prev = lastOk(all.slice(0, -1))
			return prev !== undefined && o.promptTokens <= prev.promptTokens
		},
		PATIENT,
	)
	const os = s.observations
	const ok = os.filter((o) => o.success)
	const first = ok[0]
	if (!first)
		return inconclusive('depth', s.budgetStop ?? refusalText(os[0]) ?? 'no turn was answered', {
			evidence: [sessionLink(s, 'Probe session')],
		})
	const failed = os.find((o) => !o.success)
	const truncatedAt = ok.findIndex((o, i) => i > 0 && o.promptTokens <= ok[i - 1]!.promptTokens)
	const peak = ok.reduce((a, b) => (b.promptTokens > a.promptTokens ? b : a))
	const growth =
		ok.length > 1 ? (peak.promptTokens - first.promptTokens) / Math.max(1, ok.indexOf(peak)) : 0
	const last = ok[ok.length - 1]!
	const priced = first.costUsd > 0
	const figures = {
		turns: os.length,
		maxPromptTokens: peak.promptTokens,
		promptTokensPerTurn: round(growth, 1),
		costTurn1Usd: first.costUsd,
		costLastTurnUsd: last.costUsd,
		costRatioLastToFirst: priced ? round(last.costUsd / first.costUsd, 1) : null,
	}
	const chart = {
		title: priced ? 'Cost per turn' : 'Prompt tokens per turn',
		xLabel: 'turn',
		yLabel: priced ? 'USD' : 'prompt tokens',
		points: os.map((o) => ({
			x: o.turn + 1,
			y: priced ? o.costUsd : o.promptTokens,
			ok: o.success,
			...(o.success ? {} : { label: `HTTP ${o.status ?? '—'}` }),
		})),
	}
	if (failed) {
		const kind = refusalOf(failed)
		if (kind === 'rate' || kind === 'quota' || kind === 'concurrency')
			return inconclusive(
				'depth',
				`turn ${failed.turn + 1} was refused by a ${kind} limit, not for its depth`,
				{
					figures,
					chart,
					evidence: [link(s, failed, `Refused at turn ${failed.turn + 1}`)],
				},
			)
		return {
			...base('depth'),
			verdict: 'present',
			value: peak.promptTokens,
			unit: 'prompt tokens',
			summary: `Depth limit at turn ${failed.turn + 1} (HTTP ${failed.status ?? '—'}): the last accepted turn carried ${peak.promptTokens} prompt tokens`,
			figures: { ...figures, limitTurn: failed.turn + 1 },
			evidence: [
				link(s, failed, `Refused at turn ${failed.turn + 1}`),
				link(s, peak, `Last accepted: ${peak.promptTokens} prompt tokens`),
			],
			chart: {
				...chart,
				marker: { x: failed.turn + 1, label: `limit at turn ${failed.turn + 1}` },
			},
		}
	}
	if (truncatedAt > 0) {
		const at = ok[truncatedAt]!
		return {
			...base('depth'),
			verdict: 'present',
			value: peak.promptTokens,
			unit: 'prompt tokens',
			summary: `History truncated at turn ${at.turn + 1}: prompt tokens stopped growing at ${peak.promptTokens} while the conversation grew`,
			figures: { ...figures, limitTurn: at.turn + 1 },
			evidence: [link(s, at, `Turn ${at.turn + 1}: ${at.promptTokens} prompt tokens`)],
			chart: { ...chart, marker: { x: at.turn + 1, label: `truncated at turn ${at.turn + 1}` } },
		}
	}
	if (s.budgetStop)
		return inconclusive(
			'depth',
			`${s.budgetStop} after ${ok.length} turns, before any depth limit`,
			{
				figures,
				chart,
				evidence: [sessionLink(s, 'Probe session')],
			},
		)
	return {
		...base('depth'),
		verdict: 'absent',
		value: ok.length,
		unit: 'turns',
		summary: `No depth limit up to ${ok.length} turns (${peak.promptTokens} prompt tokens); the last turn cost ${figures.costRatioLastToFirst ?? '—'}× the first`,
		figures,
		evidence: [link(s, last, `Turn ${last.turn + 1}: ${last.promptTokens} prompt tokens`)],
		chart,
	}
}

const refusalText = (o: Observation | undefined) =>
	o && !o.success ? `the first turn failed (HTTP ${o.status ?? '—'} ${o.errorType})` : null
