/**
 * The one place the dashboard turns numbers and dates into text. Rounding is for reading, not
 * for storage: float noise (a cost slope of -2.7e-21) shows as $0, throughput keeps a few
 * significant digits (21,189 tokens/s), and a missing value is an em dash.
 */

type Maybe = number | null | undefined
type When = Date | string | null | undefined

export const DASH = '—'

const isNumber = (v: Maybe): v is number => typeof v === 'number' && Number.isFinite(v)
/** `1.50` → `1.5`, `2.000` → `2` (only after a decimal point). */
const trim = (s: string) => (s.includes('.') ? s.replace(/\.?0+$/, '') : s)
/** One formatter per precision (`toLocaleString` with options builds one per call: 15 µs). */
const groupers = new Map<number, Intl.NumberFormat>()
const grouped = (v: number, digits = 0) => {
	let f = groupers.get(digits)
	if (!f)
		groupers.set(
			digits,
			(f = new Intl.NumberFormat('en-US', {
				maximumFractionDigits: digits,
				minimumFractionDigits: 0,
			})),
		)
	return f.format(v)
}

/** Exact counts with thousands separators: `12,345`. */
export const formatInteger = (v: Maybe) => (isNumber(v) ? grouped(Math.round(v)) : DASH)

/** Compact figures for tiles and axis ticks: `950`, `12.3k`, `4.5M`, `0.25`. */
export function formatNumber(v: Maybe): string {
	if (!isNumber(v)) return DASH
	const a = Math.abs(v)
	if (a >= 1e9) return `${trim((v / 1e9).toFixed(1))}B`
	if (a >= 1e6) return `${trim((v / 1e6).toFixed(1))}M`
	if (a >= 1e4) return `${trim((v / 1e3).toFixed(1))}k`
	if (a >= 100 || a === 0) return String(Math.round(v))
	return trim(v.toFixed(a >= 10 ? 1 : 2))
}

/** A rate or ratio with a few significant digits: `21,189`, `12.3`, `0.74`. */
export function formatRate(v: Maybe): string {
	if (!isNumber(v)) return DASH
	const a = Math.abs(v)
	if (a >= 100) return grouped(Math.round(v))
	return trim(v.toFixed(a >= 10 ? 1 : 2))
}

/** Milliseconds: `3.2 ms`, `250 ms`, `1.25 s`. */
export function formatMs(v: Maybe): string {
	if (!isNumber(v)) return DASH
	const a = Math.abs(v)
	if (a >= 1000) return `${trim((v / 1000).toFixed(2))} s`
	return `${trim(v.toFixed(a >= 100 ? 0 : 1))} ms`
}

/** Below this a dollar figure is float noise from sums and slopes, not money. */
const USD_NOISE = 1e-9

/**
 * Dollars: `$1,234`, `$12.50`, `$0.0123`, and two significant digits below a cent
 * (`$0.000012`), never in exponent notation.
 */
export function formatUsd(v: Maybe): string {
	if (!isNumber(v)) return DASH
	const a = Math.abs(v)
	if (a < USD_NOISE) return '$0'
	const sign = v < 0 ? '-' : ''
	if (a >= 100) return `${sign}$${grouped(Math.round(a))}`
	if (a >= 1) return `${sign}$${a.toFixed(2)}`
	if (a >= 0.01) return `${sign}$${trim(a.toFixed(4))}`
	const digits = Math.min(12, 1 - Math.floor(Math.log10(a)))
	return `${sign}$${trim(a.toFixed(digits))}`
}

/** A percentage given as 0–100: `7.69%`, `100%`. */
export const formatPercent = (v: Maybe, digits = 2) =>
	isNumber(v) ? `${trim(v.toFixed(digits))}%` : DASH

/** `2026-01-26 14:03:07 UTC`: stored instants are shown in UTC, to the second. */
export function formatDate(d: When): string {
	if (!d) return DASH
	const date = new Date(d)
	if (Number.isNaN(date.getTime())) return DASH
	return `${date.toISOString().replace('T', ' ').slice(0, 19)} UTC`
}

/** "Mon, Mar 30, 2026, 02:30 GMT+2" / "… 03:00 EST": a schedule's instants in its own zone. */
export function formatInZone(d: When, timeZone: string): string {
	if (!d) return DASH
	try {
		return new Intl.DateTimeFormat('en-US', {
			timeZone,
			hourCycle: 'h23',
			weekday: 'short',
			day: '2-digit',
			month: 'short',
			year: 'numeric',
			hour: '2-digit',
			minute: '2-digit',
			timeZoneName: 'short',
		}).format(new Date(d))
	} catch {
		return new Date(d).toISOString()
	}
}

/** A p-value: `p = 0.042`, `p = 0.31`, `p < 0.001` (smaller ones are not read more precisely). */
export function formatPValue(v: Maybe): string {
	if (!isNumber(v)) return DASH
	if (v < 0.001) return 'p < 0.001'
	return `p = ${trim(v.toFixed(v < 0.01 ? 4 : 3))}`
}
