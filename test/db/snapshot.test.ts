import { afterAll, expect, test } from 'bun:test'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { snapshotStale } from '../../scripts/pgdata-snapshot'
import { openDatabase } from '../../src/db/client'
import { migrate } from '../../src/db/migrate'
import { migrations } from '../../src/db/migrations.gen'
import { loadSnapshot, migrationDigests, snapshotFits } from '../../src/db/snapshot'
import { SCHEMA_TABLES } from '../helpers/db'

/** A new embedded data folder starts from the embedded snapshot, not initdb (architecture §1). */
const dirs: string[] = []
afterAll(() => {
	for (const d of dirs) rmSync(d, { recursive: true, force: true })
})
const tempDir = () => {
	const d = mkdtempSync(join(tmpdir(), 'krawall-snapshot-'))
	dirs.push(d)
	return d
}
const tags = migrations.map((m) => m.tag)
const TABLES = SCHEMA_TABLES

test('the snapshot is current: built for exactly the embedded migrations (scripts/pgdata-snapshot.ts)', async () => {
	expect(snapshotStale()).toBe(false)
	const snapshot = await loadSnapshot()
	expect(snapshot).toBeDefined()
	expect(snapshot!.manifest.migrations).toEqual(migrationDigests(migrations))
	expect(snapshot!.dump.size).toBeGreaterThan(100_000)
})

test('a snapshot fits only a prefix of the migrations with the same SQL', () => {
	const manifest = { format: 1 as const, pglite: 'x', migrations: migrationDigests(migrations) }
	expect(snapshotFits(manifest)).toBe(true)
	// Newer migrations on top of the snapshot are fine: migrate() applies them.
	expect(snapshotFits(manifest, [...migrations, { tag: '9999_next', sql: 'select 1' }])).toBe(true)
	// A migration removed, renamed or edited since the snapshot was built: unusable.
	expect(snapshotFits(manifest, migrations.slice(0, -1))).toBe(false)
	const renamed = migrations.map((m, i) => (i === 1 ? { ...m, tag: `${m.tag}_x` } : m))
	expect(snapshotFits(manifest, renamed)).toBe(false)
	const edited = migrations.map((m, i) => (i === 0 ? { ...m, sql: `${m.sql}\n-- edited` } : m))
	expect(snapshotFits(manifest, edited)).toBe(false)
})

test('an empty data folder opens migrated from the snapshot; a second open keeps the data; the lock holds', async () => {
	const dataDir = tempDir()
	const first = await openDatabase({ dataDir })
	try {
		expect(first.snapshot).toEqual(tags)
		expect(await migrate(first)).toEqual([])
		const tables = await first.rows<{ table_name: string }>(
			sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`,
		)
		expect(tables.map((t) => t.table_name)).toEqual(TABLES)
		const journal = await first.rows<{ tag: string }>(
			sql`select tag from __krawall_migrations order by tag`,
		)
		expect(journal.map((j) => j.tag)).toEqual(tags)
		await first.rows(sql`create table kept (n int)`)
		await first.rows(sql`insert into kept values (1), (2), (3)`)
		// Another process on the same folder is still refused while this one holds it.
		const other = Bun.spawnSync(['bun', join(import.meta.dir, '../../src/main.ts'), 'migrate'], {
			env: { PATH: process.env.PATH ?? '', KRAWALL_DATA_DIR: dataDir },
		})
		expect(other.exitCode).not.toBe(0)
		expect(other.stderr.toString()).toContain(
			`the data folder ${dataDir} is in use by another krawall process (pid ${process.pid}`,
		)
	} finally {
		await first.close()
	}
	expect(existsSync(join(dataDir, 'pglite/PG_VERSION'))).toBe(true)

	const second = await openDatabase({ dataDir })
	try {
		expect(second.snapshot).toBeUndefined()
		expect(await second.rows<{ sum: number }>(sql`select sum(n)::int as sum from kept`)).toEqual([
			{ sum: 6 },
		])
		// Migrations newer than the snapshot are applied on top of it, once.
		const next = [
			...migrations,
			{ tag: '9999_next', when: 0, sql: 'create table next_one (x int)' },
		]
		expect(await migrate(second, next)).toEqual(['9999_next'])
		expect(await migrate(second, next)).toEqual([])
	} finally {
		await second.close()
	}
}, 60_000)

test('a first start cut short (files left in pglite.loading) is discarded and extracted again', async () => {
	const dataDir = tempDir()
	mkdirSync(join(dataDir, 'pglite.loading/base'), { recursive: true })
	writeFileSync(join(dataDir, 'pglite.loading/PG_VERSION'), '17\n')
	mkdirSync(join(dataDir, 'pglite'))
	const database = await openDatabase({ dataDir })
	try {
		expect(database.snapshot).toEqual(tags)
		const journal = await database.rows<{ n: number }>(
			sql`select count(*)::int as n from __krawall_migrations`,
		)
		expect(journal).toEqual([{ n: tags.length }])
	} finally {
		await database.close()
	}
	expect(existsSync(join(dataDir, 'pglite.loading'))).toBe(false)
	expect(existsSync(join(dataDir, 'pglite/PG_VERSION'))).toBe(true)
}, 60_000)
