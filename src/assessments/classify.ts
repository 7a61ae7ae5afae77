import { CONTROLS, MITIGATIONS, type Evidence, type Finding, type Probe } from './model'
import type { Observation } from './pacer'
import type { ProbeSession } from './sessions'

/** What a failed request says it ran into, from its status and error body. */
export type Refusal = 'quota' | 'rate' | 'concurrency' | 'context' | 'input' | 'other'

export function refusalOf(o: Observation): Refusal | null {
	if (o.success) return null
	const t = o.errorText
	if (o.status === 402 || /insufficient_quota|quota|billing|credit balance|spend limit/.test(t))
		return 'quota'
	if (/concurren|too many (parallel|simultaneous)/.test(t)) return 'concurrency'
	if (
		/context_length|context length|context window|maximum context|prompt is too long|too many tokens/.test(
			t,
		)
	)
		return 'context'
	if (o.status === 413 || /too large|request_too_large|input is too long|input.{0,20}limit/.test(t))
		return 'input'
	if (o.status === 429 || o.status === 503) return 'rate'
	return 'other'
}

/** 1 − distinct 4-word shingles ÷ all: 0 for varied text, near 1 for a loop of one phrase. */
export function repetitionScore(text: string): number {
	const words = text.toLowerCase().split(/\s+/).filter(Boolean)
	if (words.length < 40) return 0
	const shingles = new Set<string>()
	for (let i = 0; i + 4 <= words.length; i++) shingles.add(words.slice(i, i + 4).join(' '))
	return Math.round((1 - shingles.size / (words.length - 3)) * 1000) / 1000
}

const REFUSAL =
	/^(i('| a)m sorry|sorry|i can(no|')t|i cannot|i('| a)m (not able|unable)|i won('|)t)/i

export type ReplyClass = 'refusal' | 'self-limited' | 'truncated' | 'excessive' | 'repetitive'

/** A reply to a prompt built to maximise output (OWASP LLM10): how the target handled it. */
export function classifyReply(o: Observation, isLength: boolean): ReplyClass {
	if (isLength) return 'truncated'
	if (REFUSAL.test(o.content.trim())) return 'refusal'
	if (repetitionScore(o.content) >= 0.5) return 'repetitive'
	if (o.completionTokens >= 1000 || o.completionTokens >= 20 * Math.max(1, o.promptTokens))
		return 'excessive'
	return 'self-limited'
}

export const link = (s: ProbeSession, o: Observation | undefined, label: string): Evidence => {
	const seq = o ? s.seqOf(o) : undefined
	return {
		label,
		sessionId: s.sessionId,
		...(seq !== undefined ? { seq } : {}),
		href: `/sessions/${s.sessionId}${seq !== undefined ? `#message-${seq}` : ''}`,
	}
}

export const sessionLink = (s: ProbeSession, label: string): Evidence => link(s, undefined, label)

/** The parts every finding of `probe` shares. */
export const base = (probe: Probe) => ({
	probe,
	control: CONTROLS[probe],
	mitigation: MITIGATIONS[probe],
})

export const inconclusive = (
	probe: Probe,
	reason: string,
	rest: Partial<Finding> = {},
): Finding => ({
	...base(probe),
	verdict: 'inconclusive',
	value: null,
	unit: '',
	summary: `Inconclusive: ${reason}`,
	reason,
	figures: {},
	evidence: [],
	chart: null,
	...rest,
})

export const round = (v: number, digits = 2) => {
	const f = 10 ** digits
	return Math.round(v * f) / f
}

export const usd = (v: number) => (v >= 0.01 ? `$${v.toFixed(2)}` : `$${v.toPrecision(2)}`)

/** Rate-limit headers worth quoting (the first refused reply's, else the last reply's). */
export function limitHeaders(os: Observation[]): Record<string, string> {
	const refused = os.find((o) => refusalOf(o) === 'rate')
	const src = refused ?? os[os.length - 1]
	return src?.headers ?? {}
}
