import { getTableColumns, SQL, StringChunk, type SQLChunk } from 'drizzle-orm'
import { getTableConfig, type PgColumn, type PgTable } from 'drizzle-orm/pg-core'
import type { DbOrTx } from './client'

/**
 * Hot-path bulk insert (docs/architecture.md §4, issue 13): one statement per batch with ONE
 * parameter per column — a Postgres array literal cast to the column's array type — unpacked by
 * `unnest`. Drizzle's builder turns a 200-row × 25-column insert into 5,000 typed parameters and
 * costs more CPU than the request it records; this costs a string join per column, the same on
 * PGlite and postgres.js (both send a text parameter the server parses).
 *
 * On postgres.js the statement is a prepared one (the same text for every batch of a table).
 *
 * The column list comes from the drizzle table, so a column added to the schema is inserted too.
 * A value left undefined takes the column's JS default (`$defaultFn`/`.default(…)`) or NULL.
 */
export function bulkInsert<T extends PgTable>(
	db: Pick<DbOrTx, 'execute'>,
	table: T,
	rows: readonly T['$inferInsert'][],
	opts: { onConflictDoNothing?: readonly string[] } = {},
) {
	if (!rows.length) return Promise.resolve()
	const plan = planFor(table, opts.onConflictDoNothing)
	const arrays = plan.columns.map(({ key, column }) => {
		const values = new Array<unknown>(rows.length)
		for (let i = 0; i < rows.length; i++) {
			const v = (rows[i] as Record<string, unknown>)[key]
			values[i] =
				v !== undefined ? v : column.defaultFn ? column.defaultFn() : (column.default ?? null)
		}
		return arrayLiteral(values, column.columnType)
	})
	// postgres.js: a named prepared statement (parsed once per connection, then one round trip:
	// Bind + Execute). Drizzle's `execute` runs every statement unprepared, which postgres.js
	// sends as Parse + Describe, waits, then Bind + Execute: two round trips and a parse per batch.
	const client = (db as { $client?: unknown }).$client
	if (isPostgresJs(client))
		return client.unsafe(plan.text, arrays, { prepare: true }).then(() => {})
	// Other drivers (PGlite): one flat chunk list (text, array, text, array, …) drizzle renders
	// without nesting.
	const chunks: SQLChunk[] = [plan.head]
	for (let c = 0; c < arrays.length; c++) chunks.push(arrays[c]!, plan.casts[c]!)
	return db.execute(new SQL(chunks))
}

/**
 * A hot-path statement with `$1…$n` parameters: on postgres.js a prepared statement (parsed once
 * per connection, then one round trip), else `fallback` (the same statement through drizzle).
 * Parameters go as text (drizzle turns postgres.js's own serialisers off): a date as its ISO string.
 */
export function executePrepared(
	db: unknown,
	text: string,
	params: (string | number | boolean | null)[],
	fallback: () => PromiseLike<unknown>,
): Promise<unknown> {
	const client = (db as { $client?: unknown }).$client
	if (isPostgresJs(client)) return client.unsafe(text, params, { prepare: true })
	return Promise.resolve(fallback())
}

type PostgresJs = {
	unsafe(text: string, params: unknown[], opts: { prepare: boolean }): Promise<unknown>
	begin: unknown
}
const isPostgresJs = (c: unknown): c is PostgresJs =>
	typeof c === 'function' &&
	typeof (c as Partial<PostgresJs>).unsafe === 'function' &&
	typeof (c as Partial<PostgresJs>).begin === 'function'

interface Plan {
	columns: { key: string; column: PgColumn }[]
	/** `insert into "t" ("a", "b") select * from unnest(` */
	head: StringChunk
	/** After each column's array: its cast, then `, ` (or `)` and the conflict clause after the last). */
	casts: StringChunk[]
	/** The whole statement with `$1…$n` for the arrays (postgres.js). */
	text: string
}

/** The statement's text around the arrays, per table and conflict target (built once, not per batch). */
const plans = new WeakMap<PgTable, Map<string, Plan>>()
const quoteName = (name: string) => `"${name.replace(/"/g, '""')}"`

function planFor(table: PgTable, conflictOn: readonly string[] | undefined): Plan {
	let byConflict = plans.get(table)
	if (!byConflict) plans.set(table, (byConflict = new Map()))
	const key = conflictOn?.join('\0') ?? ''
	let plan = byConflict.get(key)
	if (plan) return plan
	const { name, schema } = getTableConfig(table)
	const columns = Object.entries(getTableColumns(table)).map(([key, column]) => ({
		key,
		column: column as PgColumn,
	}))
	const conflict = conflictOn
		? ` on conflict (${conflictOn.map(quoteName).join(', ')}) do nothing`
		: ''
	const head = `insert into ${schema ? `${quoteName(schema)}.` : ''}${quoteName(name)} (${columns
		.map((c) => quoteName(c.column.name))
		.join(', ')}) select * from unnest(`
	const casts = columns.map(
		(c, i) => `::${c.column.getSQLType()}[]${i < columns.length - 1 ? ', ' : `)${conflict}`}`,
	)
	plan = {
		columns,
		head: new StringChunk(head),
		casts: casts.map((c) => new StringChunk(c)),
		text: head + casts.map((c, i) => `$${i + 1}${c}`).join(''),
	}
	byConflict.set(key, plan)
	return plan
}

const NEEDS_ESCAPE = /[\\"]/

/**
 * A Postgres array literal (`{"a","b",NULL}`): text elements quoted, `"` and `\` escaped; numbers
 * and booleans as they are (they never need quotes).
 */
export function arrayLiteral(values: readonly unknown[], columnType: string): string {
	const json = columnType === 'PgJsonb' || columnType === 'PgJson'
	let out = '{'
	for (let i = 0; i < values.length; i++) {
		if (i) out += ','
		const v = values[i]
		if (v === null || v === undefined) {
			out += 'NULL'
			continue
		}
		if (!json) {
			if (typeof v === 'number' || typeof v === 'bigint') {
				// NaN and the infinities are words Postgres reads in quotes too.
				out += Number.isFinite(v) || typeof v === 'bigint' ? String(v) : `"${v}"`
				continue
			}
			if (typeof v === 'boolean') {
				out += v ? 'true' : 'false'
				continue
			}
			if (v instanceof Date) {
				out += `"${v.toISOString()}"`
				continue
			}
		}
		const text = json ? JSON.stringify(v) : String(v)
		out += NEEDS_ESCAPE.test(text) ? `"${text.replace(/[\\"]/g, '\\$&')}"` : `"${text}"`
	}
	return out + '}'
}
