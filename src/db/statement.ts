import { sql, type SQL } from 'drizzle-orm'
import { PgDialect } from 'drizzle-orm/pg-core'
import type { DbOrTx } from './client'

const dialect = new PgDialect()

/**
 * A read statement drizzle builds once per process and runs many times (issue 13): the session-end
 * summary and rollup are a few hundred lines of nested `sql` fragments, and building them cost as
 * much as running them on an 80-message session. `build` gets one `sql.placeholder` per value;
 * the text is rendered on first use and kept.
 *
 * It runs through drizzle's session as `db.execute` would (the same result parsing, the same
 * query observers, a transaction if `db` is one), as a named statement: on postgres.js a prepared
 * statement (parsed and planned once per connection); PGlite ignores the name.
 */
export function statement<K extends string>(
	name: string,
	keys: readonly K[],
	build: (p: Record<K, SQL>) => SQL,
) {
	let query: { sql: string; params: unknown[] } | undefined
	return async <T = Record<string, unknown>>(db: DbOrTx, values: Record<K, unknown>) => {
		query ??= dialect.sqlToQuery(
			build(Object.fromEntries(keys.map((k) => [k, sql`${sql.placeholder(k)}`])) as Record<K, SQL>),
		)
		const session = (db as unknown as { _: { session: Session } })._.session
		const res = await session.prepareQuery(query, undefined, name, false).execute(values)
		return (Array.isArray(res) ? res : (res as { rows: T[] }).rows) as T[]
	}
}

type Session = {
	prepareQuery(
		query: { sql: string; params: unknown[] },
		fields: undefined,
		name: string,
		arrayMode: false,
	): { execute(values: Record<string, unknown>): Promise<unknown> }
}
