import { sql } from 'drizzle-orm'
import postgres from 'postgres'
import { openPglite, openPostgres, wrapPglite, type Database } from '../../src/db/client'
import { migrate } from '../../src/db/migrate'
import { loadSnapshot } from '../../src/db/snapshot'

/**
 * A fresh, migrated database per test file, cheaply:
 * - PGlite (default): one in-memory instance per process from the embedded snapshot (or
 *   initdb), migrated, dumped, and a copy of the dump loaded for each caller;
 * - Postgres (DATABASE_URL set): migrate a template database once per process and
 *   `CREATE DATABASE … TEMPLATE` a copy for each caller, dropped on close.
 */
const g = globalThis as {
	__krawallPgliteTemplate?: Promise<Blob>
	__krawallPgTemplate?: Promise<string>
}
let counter = 0

/** Every table a migrated database has, in name order (test/db: migrations and the snapshot). */
export const SCHEMA_TABLES = [
	'__krawall_migrations',
	'assessments',
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
]

export const testDatabaseUrl = () => process.env.DATABASE_URL || undefined

function pgliteTemplate() {
	g.__krawallPgliteTemplate ??= (async () => {
		// From the embedded snapshot when there is one (no initdb), then any newer migrations.
		const client = await openPglite({ loadDataDir: (await loadSnapshot())?.dump })
		await migrate(wrapPglite(client))
		const blob = await client.dumpDataDir('none')
		await client.close()
		return blob
	})()
	return g.__krawallPgliteTemplate
}

const withDb = (url: string, db: string) => {
	const u = new URL(url)
	u.pathname = `/${db}`
	return u.toString()
}

function postgresTemplate(url: string) {
	g.__krawallPgTemplate ??= (async () => {
		const name = `krawall_tpl_${process.pid}`
		const admin = postgres(url, { max: 1, onnotice: () => {} })
		await admin.unsafe(`drop database if exists ${name}`)
		await admin.unsafe(`create database ${name}`)
		const tpl = openPostgres(withDb(url, name), { max: 1 })
		await migrate(tpl)
		await tpl.close()
		await admin.end()
		process.once('beforeExit', () => {
			const a = postgres(url, { max: 1, onnotice: () => {} })
			void a.unsafe(`drop database if exists ${name}`).finally(() => a.end())
		})
		return name
	})()
	return g.__krawallPgTemplate
}

export async function createTestDatabase(): Promise<Database> {
	const url = testDatabaseUrl()
	if (!url) return wrapPglite(await openPglite({ loadDataDir: await pgliteTemplate() }))
	const template = await postgresTemplate(url)
	const name = `krawall_t_${process.pid}_${++counter}_${Math.random().toString(36).slice(2, 8)}`
	const admin = postgres(url, { max: 1, onnotice: () => {} })
	await admin.unsafe(`create database ${name} template ${template}`)
	await admin.end()
	const database = openPostgres(withDb(url, name), { max: 5 })
	return {
		...database,
		async close() {
			await database.close()
			const a = postgres(url, { max: 1, onnotice: () => {} })
			await a.unsafe(`drop database if exists ${name} with (force)`).catch(() => {})
			await a.end()
		},
	}
}

export { sql }
