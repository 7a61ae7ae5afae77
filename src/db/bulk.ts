import { getTableColumns, sql, type SQL, type SQLChunk } from 'drizzle-orm'
import type { PgTable } from 'drizzle-orm/pg-core'
import type { DbOrTx } from './client'

/**
 * Hot-path bulk insert (docs/architecture.md §4, issue 13): one statement per batch with ONE
 * parameter per column — a Postgres array literal cast to the column's array type — unpacked by
 * `unnest`. Drizzle's builder turns a 200-row × 25-column insert into 5,000 typed parameters and
 * costs more CPU than the request it records; this costs a string join per column, the same on
 * PGlite and postgres.js (both send a text parameter the server parses).
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
	const columns = Object.entries(getTableColumns(table))
	const names: SQLChunk[] = []
	const arrays: SQL[] = []
	for (const [key, column] of columns) {
		const values = rows.map((row) => {
			const v = (row as Record<string, unknown>)[key]
			if (v !== undefined) return v
			if (column.defaultFn) return column.defaultFn()
			return column.default ?? null
		})
		names.push(sql.identifier(column.name))
		arrays.push(sql`${arrayLiteral(values, column.columnType)}::${sql.raw(column.getSQLType())}[]`)
	}
	const conflict = opts.onConflictDoNothing
		? sql` on conflict (${sql.join(
				opts.onConflictDoNothing.map((c) => sql.identifier(c)),
				sql`, `,
			)}) do nothing`
		: sql``
	return db.execute(
		sql`insert into ${table} (${sql.join(names, sql`, `)}) select * from unnest(${sql.join(arrays, sql`, `)})${conflict}`,
	)
}

/** A Postgres array literal (`{"a","b",NULL}`): every element quoted, `"` and `\` escaped. */
export function arrayLiteral(values: readonly unknown[], columnType: string): string {
	let out = '{'
	for (let i = 0; i < values.length; i++) {
		if (i) out += ','
		const v = values[i]
		if (v === null || v === undefined) {
			out += 'NULL'
			continue
		}
		const text =
			v instanceof Date
				? v.toISOString()
				: columnType === 'PgJsonb' || columnType === 'PgJson'
					? JSON.stringify(v)
					: String(v)
		out += '"' + text.replace(/[\\"]/g, '\\$&') + '"'
	}
	return out + '}'
}
