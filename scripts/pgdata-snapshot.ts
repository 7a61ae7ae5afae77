/**
 * Builds src/db/snapshot/pgdata.tar.gz: a freshly initialised and migrated PGlite data
 * directory (`dumpDataDir('gzip')`), which a new embedded data folder loads instead of running
 * initdb (docs/architecture.md §1), plus pgdata.manifest (the PGlite version and the migrations
 * inside, each with the sha256 of its SQL). Skips the work when both are there and match the
 * embedded migrations and the installed PGlite. Run by `bun run build`, `bun run start`,
 * `bun run db:generate` and the test preload; `--force` rebuilds.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { openPglite, wrapPglite } from '../src/db/client'
import { migrate } from '../src/db/migrate'
import { migrations } from '../src/db/migrations.gen'
import { migrationDigests, type SnapshotManifest } from '../src/db/snapshot'

const root = join(import.meta.dir, '..')
export const snapshotDir = join(root, 'src/db/snapshot')
const dumpFile = join(snapshotDir, 'pgdata.tar.gz')
const manifestFile = join(snapshotDir, 'pgdata.manifest')

function wanted(): SnapshotManifest {
	const pkg = join(root, 'node_modules/@electric-sql/pglite/package.json')
	const pglite = (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version
	return { format: 1, pglite, migrations: migrationDigests(migrations) }
}

/** Whether the snapshot on disk is missing or was built for other migrations or another PGlite. */
export function snapshotStale(): boolean {
	if (!existsSync(dumpFile) || !existsSync(manifestFile)) return true
	try {
		return readFileSync(manifestFile, 'utf8') !== JSON.stringify(wanted())
	} catch {
		return true
	}
}

export async function buildSnapshot(): Promise<{ bytes: number; ms: number }> {
	const started = performance.now()
	const manifest = wanted()
	const client = await openPglite({})
	try {
		const database = wrapPglite(client)
		await migrate(database)
		await database.rows(sql`checkpoint`)
		const dump = await client.dumpDataDir('gzip')
		mkdirSync(snapshotDir, { recursive: true })
		// Written beside and renamed, so a concurrent reader never sees half a file.
		const tmp = `.${process.pid}.tmp`
		writeFileSync(dumpFile + tmp, new Uint8Array(await dump.arrayBuffer()))
		writeFileSync(manifestFile + tmp, JSON.stringify(manifest))
		renameSync(dumpFile + tmp, dumpFile)
		renameSync(manifestFile + tmp, manifestFile)
		return { bytes: dump.size, ms: performance.now() - started }
	} finally {
		await client.close()
	}
}

if (import.meta.main) {
	if (process.argv.includes('--force') || snapshotStale()) {
		const { bytes, ms } = await buildSnapshot()
		console.log(
			`wrote src/db/snapshot/pgdata.tar.gz (${(bytes / 1e6).toFixed(1)} MB, ${Math.round(ms)} ms)`,
		)
	} else if (!process.argv.includes('--quiet')) console.log('src/db/snapshot is up to date')
}
