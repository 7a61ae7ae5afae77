import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, sep } from 'node:path'
import { migrations as embedded } from './migrations.gen'

/**
 * The pre-initialised, migrated PGlite data directory that a new embedded data folder starts
 * from instead of running initdb (docs/architecture.md §1). `scripts/pgdata-snapshot.ts` writes
 * `src/db/snapshot/pgdata.tar.gz` (`PGlite.dumpDataDir('gzip')` of a freshly migrated instance)
 * and its manifest at build, start and test time; both are build outputs, not in git. They are
 * imported dynamically as files, so `bun build --compile` embeds them and a checkout without
 * them still works (initdb, the slow way).
 */
export type SnapshotManifest = {
	format: 1
	/** The PGlite version that wrote the dump; a different one regenerates it. */
	pglite: string
	/** The migrations inside the dump, in order, each with the sha256 of its SQL. */
	migrations: { tag: string; sha256: string }[]
}

type Migration = { tag: string; sql: string }

export const migrationDigests = (ms: Migration[]) =>
	ms.map((m) => ({
		tag: m.tag,
		sha256: new Bun.CryptoHasher('sha256').update(m.sql).digest('hex'),
	}))

/**
 * Whether a dump with `manifest` may seed a database for `ms`: its migrations are the first ones
 * of `ms`, each with the same SQL, so `migrate()` only has to apply the newer ones. A renumbered,
 * edited or removed migration makes the dump unusable (it would hold a schema `ms` does not know).
 */
export function snapshotFits(manifest: SnapshotManifest, ms: Migration[] = embedded): boolean {
	if (manifest.format !== 1 || manifest.migrations.length > ms.length) return false
	const digests = migrationDigests(ms.slice(0, manifest.migrations.length))
	return manifest.migrations.every(
		(m, i) => m.tag === digests[i]!.tag && m.sha256 === digests[i]!.sha256,
	)
}

export type Snapshot = { dump: Blob; manifest: SnapshotManifest }

/** The embedded dump, if it was built and fits the embedded migrations; otherwise undefined. */
export async function loadSnapshot(): Promise<Snapshot | undefined> {
	let dumpPath: string, manifestPath: string
	try {
		dumpPath = (await import('./snapshot/pgdata.tar.gz', { with: { type: 'file' } })).default
		manifestPath = (await import('./snapshot/pgdata.manifest', { with: { type: 'file' } })).default
	} catch {
		return undefined
	}
	const manifest = (await Bun.file(manifestPath).json()) as SnapshotManifest
	if (!snapshotFits(manifest)) return undefined
	const dump = new Blob([await Bun.file(dumpPath).arrayBuffer()], { type: 'application/x-gzip' })
	return { dump, manifest }
}

/**
 * Writes the dump's files under `into` with plain file writes: the same files PGlite's
 * `loadDataDir` would write through its WebAssembly file system, at a fraction of the cost (the
 * archive is 41 MB of ~1,000 files). The dump is the ustar archive `dumpDataDir` writes: regular
 * files and directories, names relative to the data directory.
 */
export async function extractSnapshot(snapshot: Snapshot, into: string) {
	const tar = Bun.gunzipSync(new Uint8Array(await snapshot.dump.arrayBuffer()))
	const text = (at: number, length: number) => {
		const field = tar.subarray(at, at + length)
		const end = field.indexOf(0)
		return new TextDecoder().decode(end < 0 ? field : field.subarray(0, end))
	}
	mkdirSync(into, { recursive: true })
	for (let at = 0; at + 512 <= tar.length;) {
		const name = text(at, 100)
		if (!name) break // the two empty blocks that end the archive
		const prefix = text(at + 345, 155)
		const size = parseInt(text(at + 124, 12).trim() || '0', 8)
		const type = String.fromCharCode(tar[at + 156]!)
		const path = join(into, prefix ? `${prefix}/${name}` : name)
		const inside = relative(into, path)
		if (inside.startsWith(`..${sep}`) || inside === '..' || !Number.isFinite(size))
			throw new Error(`the PGlite snapshot has an unexpected entry: ${name}`)
		if (type === '5') mkdirSync(path, { recursive: true })
		else if (type === '0' || type === '\0') {
			mkdirSync(dirname(path), { recursive: true })
			writeFileSync(path, tar.subarray(at + 512, at + 512 + size))
		} else throw new Error(`the PGlite snapshot has an unexpected entry type ${type}: ${name}`)
		at += 512 + Math.ceil(size / 512) * 512
	}
}
