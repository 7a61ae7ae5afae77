import { Cron } from 'croner'
import cronstrue from 'cronstrue'
import { detail, type ErrorDetail } from '../http/errors'

/**
 * Cron handling for schedules: standard 5-field expressions (minute precision; the ticker runs
 * every few seconds) or nicknames like `@daily`, evaluated in an IANA time zone. DST follows
 * croner: a fixed time inside a spring-forward gap runs at the first valid time after it, and
 * a repeated autumn hour runs once.
 */
const cronFor = (expression: string, timezone: string) =>
	new Cron(expression.trim(), { timezone, paused: true, mode: '5-part' })

/** The canonical zone name ("utc" → "UTC"), or undefined when it is not a known IANA zone. */
export function canonicalTimezone(tz: string): string | undefined {
	if (!tz.trim()) return undefined
	try {
		return new Intl.DateTimeFormat('en-US', { timeZone: tz.trim() }).resolvedOptions().timeZone
	} catch {
		return undefined
	}
}

/** Problems with an expression/zone pair, as validation details (empty when valid). */
export function cronProblems(expression: string, timezone: string): ErrorDetail[] {
	const problems: ErrorDetail[] = []
	const zone = canonicalTimezone(timezone)
	if (!zone) {
		problems.push({
			...detail(
				['timezone'],
				`Unknown IANA time zone "${timezone}" (e.g. UTC, Europe/Berlin)`,
				'invalid_string',
			),
			received: 'string',
		})
	}
	try {
		const next = cronFor(expression, zone ?? 'UTC').nextRun()
		if (!next)
			problems.push({
				...detail(['cronExpression'], 'The expression never fires', 'invalid_string'),
				received: 'string',
			})
	} catch (e) {
		const message = (e instanceof Error ? e.message : String(e)).replace(/^CronPattern: /, '')
		problems.push({
			...detail(['cronExpression'], `Invalid cron expression: ${message}`, 'invalid_string'),
			received: 'string',
		})
	}
	return problems
}

/** The next `count` fire times strictly after `from`. Assumes a validated pair. */
export function nextRuns(expression: string, timezone: string, from: Date, count = 1): Date[] {
	return cronFor(expression, timezone).nextRuns(count, from)
}

export const nextRun = (expression: string, timezone: string, from: Date): Date | null =>
	nextRuns(expression, timezone, from, 1)[0] ?? null

/** "At 02:30, only on Monday" — a human-readable reading of the expression. */
export function describeCron(expression: string): string {
	try {
		return cronstrue.toString(expression.trim(), { use24HourTimeFormat: true, verbose: false })
	} catch {
		return ''
	}
}
