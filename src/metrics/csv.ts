/**
 * RFC 4180 CSV cells, with spreadsheet formula injection neutralised: a text cell starting with
 * `=`, `+`, `-`, `@`, tab or carriage return gets a leading apostrophe, so Excel, LibreOffice and
 * Sheets show it as text instead of evaluating it (OWASP "CSV injection"). Numbers are written
 * as numbers and never prefixed.
 */
const FORMULA = /^[=+\-@\t\r]/
const NEEDS_QUOTES = /[",\r\n]/

export function csvCell(value: unknown): string {
	if (value === null || value === undefined) return ''
	if (typeof value === 'number') return Number.isFinite(value) ? String(value) : ''
	if (typeof value === 'boolean') return value ? 'true' : 'false'
	let s = value instanceof Date ? value.toISOString() : String(value)
	if (!(value instanceof Date) && FORMULA.test(s)) s = `'${s}`
	return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** One record, CRLF-terminated as RFC 4180 specifies. */
export const csvRow = (cells: unknown[]) => `${cells.map(csvCell).join(',')}\r\n`
