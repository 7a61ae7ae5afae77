import { and, eq, gte, lt, lte, sql, type SQL } from 'drizzle-orm'
import { sessions } from '../db/schema'
import { detail, Invalid, type ErrorDetail } from '../http/errors'
import type { MetricsFilter } from './model'

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/

/** A parsed ISO date; a date-only end covers its whole (UTC) day. */
function toDate(value: string, field: string, errors: ErrorDetail[]): Date | undefined {
	const d = new Date(DATE_ONLY.test(value) ? `${value}T00:00:00Z` : value)
	if (
		Number.isNaN(d.getTime()) ||
		(DATE_ONLY.test(value) && d.toISOString().slice(0, 10) !== value)
	) {
		errors.push({
			...detail([field], `Invalid date: ${value}`, 'invalid_date'),
			received: 'string',
			expected: 'ISO date',
		})
		return undefined
	}
	return d
}

/**
 * The WHERE clause on `sessions` for a metrics filter. Dates bound `created_at`:
 * `startDate` inclusive, `endDate` inclusive (a date-only end includes that whole day).
 */
export function sessionFilter(f: MetricsFilter): SQL | undefined {
	const errors: ErrorDetail[] = []
	const start = f.startDate ? toDate(f.startDate, 'startDate', errors) : undefined
	const end = f.endDate ? toDate(f.endDate, 'endDate', errors) : undefined
	if (start && end && start > end)
		errors.push({ ...detail(['endDate'], 'endDate must not be before startDate', 'invalid_range') })
	if (errors.length) throw new Invalid(errors)
	const conds: (SQL | undefined)[] = [
		f.sessionId ? eq(sessions.id, f.sessionId) : undefined,
		f.targetId ? eq(sessions.targetId, f.targetId) : undefined,
		f.scenarioId ? eq(sessions.scenarioId, f.scenarioId) : undefined,
		f.status ? eq(sessions.status, f.status) : undefined,
		start ? gte(sessions.createdAt, start) : undefined,
		end
			? f.endDate && DATE_ONLY.test(f.endDate)
				? lt(sessions.createdAt, new Date(end.getTime() + 86_400_000))
				: lte(sessions.createdAt, end)
			: undefined,
	]
	const present = conds.filter((c): c is SQL => !!c)
	return present.length ? and(...present) : sql`true`
}
