import { expect, test } from 'bun:test'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { migrate } from '../../src/db/migrate'
import { migrations } from '../../src/db/migrations.gen'
import { renderMigrationsModule } from '../../scripts/embed-migrations'
import { createTestDatabase } from '../helpers/db'

test('the embedded migrations module matches drizzle/ (run `bun run db:generate`)', async () => {
	const root = join(import.meta.dir, '../..')
	const current = await Bun.file(join(root, 'src/db/migrations.gen.ts')).text()
	expect(current).toBe(renderMigrationsModule(root))
})

test('migrate is idempotent and creates every table', async () => {
	const database = await createTestDatabase()
	try {
		expect(await migrate(database)).toEqual([])
		const tables = await database.rows<{ table_name: string }>(
			sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`,
		)
		expect(tables.map((t) => t.table_name)).toEqual([
			'__krawall_migrations',
			'batches',
			'dashboard_sessions',
			'scenarios',
			'scheduled_jobs',
			'session_messages',
			'session_shards',
			'session_timeseries',
			'sessions',
			'targets',
			'webhook_deliveries',
			'webhooks',
		])
		const applied = await database.rows<{ tag: string }>(
			sql`select tag from __krawall_migrations order by tag`,
		)
		expect(applied.map((a) => a.tag)).toEqual(migrations.map((m) => m.tag))
	} finally {
		await database.close()
	}
})
