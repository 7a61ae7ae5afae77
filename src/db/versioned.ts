import { sql } from 'drizzle-orm'
import type { Database } from './client'

/**
 * A value computed from some tables, kept while their rows are unchanged (docs/architecture.md §5
 * "Dashboards"). Before each use one statement reads the tables' version — per table the number of
 * rows, the highest and the sum of the rows' `xmin` (the transaction that wrote each row version):
 * an insert or update writes a row version with a new `xmin`, a delete changes the count — so a
 * dashboard polled by many clients runs its aggregates once per change of the data, not once per
 * request, and every answer is what the queries would return on the rows as that statement saw
 * them. The version read costs one pass over the tables' rows without reading their columns
 * (≈ 1 ms for 2,000 sessions), against the aggregates' 5–20 ms.
 *
 * A value that depends on the time as well says so in its key (e.g. the second it was computed
 * for). Values are shared between requests: callers never mutate them. At most MAX_ENTRIES per
 * database, the least recently used dropped first.
 */
const MAX_ENTRIES = 64

export type VersionedTable = 'sessions' | 'targets' | 'scenarios'

interface Entry {
	version: string
	value: Promise<unknown>
}
const byDatabase = new WeakMap<object, Map<string, Entry>>()

const versionOf = (table: VersionedTable) =>
	sql.raw(
		`(select count(*) || ':' || coalesce(max(xmin::text::int8), 0) || ':' || coalesce(sum(xmin::text::int8), 0) from ${table})`,
	)

export async function tablesVersion(database: Database, tables: VersionedTable[]) {
	const parts = tables.map((t) => sql`${versionOf(t)}`)
	const [row] = await database.rows<{ v: string }>(
		sql`select concat_ws('/', ${sql.join(parts, sql`, `)}) as v`,
	)
	return String(row?.v)
}

export async function versioned<T>(
	database: Database,
	tables: VersionedTable[],
	key: string,
	compute: () => Promise<T>,
): Promise<T> {
	let entries = byDatabase.get(database)
	if (!entries) byDatabase.set(database, (entries = new Map()))
	const fullKey = `${tables.join(',')}|${key}`
	const version = await tablesVersion(database, tables)
	const hit = entries.get(fullKey)
	entries.delete(fullKey)
	if (hit && hit.version === version) {
		entries.set(fullKey, hit)
		return hit.value as Promise<T>
	}
	// Computed after the version was read: a write in between makes the next read see another
	// version, so the value is recomputed then — never kept past a change.
	// Promise.resolve: a thenable (a query builder runs again at each await) settles once.
	const value = Promise.resolve(compute())
	const entry = { version, value }
	entries.set(fullKey, entry)
	while (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value!)
	// A failure is not kept: the next request computes again.
	value.catch(() => entries.get(fullKey) === entry && entries.delete(fullKey))
	return value
}
