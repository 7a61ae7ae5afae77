import type { MetricUnit } from './metrics'

/**
 * One way to print a metric's value and change in plain text (CLI table, regression messages,
 * JUnit): en-US digits so CI logs read the same on every machine.
 */
const fixed = (v: number, digits: number) =>
	(v + 0).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })

/** Dollars keep enough digits that a per-message cost of $0.000042 is not shown as $0.00. */
function usd(v: number): string {
	const a = Math.abs(v)
	const digits = a === 0 ? 2 : a < 0.01 ? 6 : a < 1 ? 4 : 2
	return `${v < 0 ? '-' : ''}$${fixed(a, digits)}`
}

export function formatValue(unit: MetricUnit, v: number | null): string {
	if (v === null) return '–'
	switch (unit) {
		case 'usd':
			return usd(v)
		case 'ms':
			return `${fixed(v, 1)} ms`
		case 'percent':
			return `${fixed(v, 2)} %`
		case 'ratio':
			return fixed(v, 3)
		case 'tokens':
		case 'count':
			return fixed(v, 0)
	}
}

const signed = (text: string, v: number) => (v > 0 ? `+${text}` : text)

/** A change with its sign: "+$0.0012", "-12.5 ms", "+1.50 points" (a rate moves in points). */
export function formatDelta(unit: MetricUnit, delta: number | null): string {
	if (delta === null) return '–'
	if (unit === 'percent') return signed(`${fixed(delta, 2)} points`, delta)
	return signed(formatValue(unit, delta), delta)
}

export function formatPct(pct: number | null): string {
	return pct === null ? '–' : signed(`${fixed(pct, 1)} %`, pct)
}
