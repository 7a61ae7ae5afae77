import { sql } from 'drizzle-orm'
import type { Database } from './client'
import { migrations as embedded } from './migrations.gen'

type Migration = { tag: string; when: number; sql: string }

/**
 * Applies the embedded drizzle migrations in order, each in its own transaction, recording
 * them in `__krawall_migrations`. A Postgres advisory lock serialises concurrent starters
 * (several servers and workers on one database).
 */
export async function migrate(
	database: Database,
	migrations: Migration[] = embedded,
): Promise<string[]> {
	const { db } = database
	const applied: string[] = []
	await db.transaction(async (tx) => {
		await tx.execute(sql`select pg_advisory_xact_lock(7204185)`)
		await tx.execute(
			sql`create table if not exists __krawall_migrations (tag text primary key, applied_at timestamptz not null default now())`,
		)
		const done = new Set(
			(
				await rowsOf<{ tag: string }>(await tx.execute(sql`select tag from __krawall_migrations`))
			).map((r) => r.tag),
		)
		for (const m of migrations) {
			if (done.has(m.tag)) continue
			for (const statement of m.sql.split('--> statement-breakpoint')) {
				if (statement.trim()) await tx.execute(sql.raw(statement))
			}
			await tx.execute(sql`insert into __krawall_migrations (tag) values (${m.tag})`)
			applied.push(m.tag)
		}
	})
	return applied
}

function rowsOf<T>(result: unknown): T[] {
	return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[]
}
