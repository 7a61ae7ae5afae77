import type { VerbosityLevel } from './types'

/**
 * Verbosity amplification (docs/architecture.md §4): `normal` sends the message unchanged, `verbose` and
 * `extreme` append a request for progressively longer, more exhaustive answers — the
 * "overly engaged but valid user" whose replies cost the most output tokens.
 */
export const AMPLIFIERS: Record<VerbosityLevel, string> = {
	normal: '',
	verbose:
		'Please answer in detail: explain your reasoning step by step, give concrete examples, and do not leave anything out.',
	extreme:
		'Please give the most exhaustive answer you can: cover every aspect in depth with step-by-step reasoning, ' +
		'several detailed examples for each point, edge cases, alternatives and their trade-offs, a comparison table, ' +
		'and a long summary at the end. Length is not a concern; be as thorough and complete as possible.',
}

export function amplify(message: string, level: VerbosityLevel): string {
	const suffix = AMPLIFIERS[level] ?? ''
	return suffix ? `${message}\n\n${suffix}` : message
}
