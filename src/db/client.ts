import type { PGlite } from '@electric-sql/pglite'
import { sql } from 'drizzle-orm'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js'
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs'
import postgres from 'postgres'
import { lockDataDir } from './data-lock'
import { extractSnapshot, loadSnapshot } from './snapshot'
import { openPglite } from './pglite-engine'
import { PgliteWorkerClient, type PgliteLike } from './pglite-remote'
import * as schema from './schema'

type Schema = typeof schema
/** The drizzle database, whichever driver is underneath; services only see this. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>
/** A database or an open transaction: services accept either and reuse an outer transaction. */
export type DbOrTx = Pick<
	Db,
	'select' | 'insert' | 'update' | 'delete' | 'execute' | 'transaction' | 'query' | '$count'
>

export interface Database {
	db: Db
	kind: 'pglite' | 'postgres'
	/** Rows of a raw SQL statement, normalised across drivers. */
	rows<T = Record<string, unknown>>(query: ReturnType<typeof sql>): Promise<T[]>
	ping(): Promise<void>
	close(): Promise<void>
	/** Calls `fn` with every statement drizzle sends (tests EXPLAIN what endpoints issue); returns the unsubscribe. */
	observe(fn: QueryObserver): () => void
	/** A new embedded data folder loaded from the embedded snapshot: the migrations it brought. */
	snapshot?: string[]
}

type QueryObserver = (sql: string, params: unknown[]) => void

/** A drizzle logger that tells the observers (none in production: one empty Set check per query). */
function observers() {
	const set = new Set<QueryObserver>()
	return {
		logger: { logQuery: (q: string, p: unknown[]) => set.forEach((fn) => fn(q, p)) },
		observe(fn: QueryObserver) {
			set.add(fn)
			return () => void set.delete(fn)
		},
	}
}

export { openPglite }

/** drizzle over PGlite, in this thread (a `PGlite`) or on its own (a `PgliteWorkerClient`). */
export function wrapPglite(client: PgliteLike): Database {
	const obs = observers()
	const db = drizzlePglite(client as PGlite, { schema, logger: obs.logger }) as Db
	return {
		db,
		kind: 'pglite',
		observe: obs.observe,
		async rows<T>(q: ReturnType<typeof sql>) {
			const res = (await db.execute(q)) as { rows: T[] }
			return res.rows
		},
		async ping() {
			await client.query('select 1')
		},
		async close() {
			if (!client.closed) await client.close()
		},
	}
}

export function openPostgres(url: string, opts: { max?: number } = {}): Database {
	const client = postgres(url, {
		max: opts.max ?? 10,
		onnotice: () => {},
		connect_timeout: 5,
		idle_timeout: 30,
	})
	const obs = observers()
	const db = drizzlePostgres(client, { schema, logger: obs.logger }) as Db
	return {
		db,
		kind: 'postgres',
		observe: obs.observe,
		async rows<T>(q: ReturnType<typeof sql>) {
			return (await db.execute(q)) as T[]
		},
		async ping() {
			await client`select 1`
		},
		async close() {
			await client.end({ timeout: 5 })
		},
	}
}

export async function openDatabase(opts: {
	databaseUrl?: string
	dataDir: string
	/** Embedded: PGlite on its own worker thread (the default) or on this one. */
	pgliteThread?: 'worker' | 'main'
}): Promise<Database> {
	if (opts.databaseUrl) return openPostgres(opts.databaseUrl)
	mkdirSync(opts.dataDir, { recursive: true })
	// One process per embedded data folder (docs/architecture.md §1): refuse, never lose data.
	const release = lockDataDir(opts.dataDir)
	try {
		const { client, snapshot } = await openPgliteFolder(opts.dataDir, opts.pgliteThread ?? 'worker')
		const database = wrapPglite(client)
		const close = database.close
		return {
			...database,
			snapshot,
			async close() {
				try {
					await close()
				} finally {
					release()
				}
			},
		}
	} catch (e) {
		release()
		throw e
	}
}

/**
 * Opens `<dataDir>/pglite`. A new folder starts from the embedded snapshot, a migrated data
 * directory built with the binary (src/db/snapshot.ts), instead of running initdb (seconds of
 * WebAssembly); `migrate()` then applies only the migrations newer than the snapshot. The files
 * are written to `pglite.loading` and renamed into place, so a first start killed mid-way leaves
 * no half-written database: the next start discards the leftover and extracts again.
 */
async function openPgliteFolder(dataDir: string, thread: 'worker' | 'main') {
	const dir = `${dataDir}/pglite`
	const loading = `${dataDir}/pglite.loading`
	rmSync(loading, { recursive: true, force: true })
	// Only into a folder with nothing in it: files without PG_VERSION are left to PGlite as before.
	const empty = !existsSync(dir) || readdirSync(dir).length === 0
	const snapshot = empty ? await loadSnapshot() : undefined
	if (snapshot) {
		await extractSnapshot(snapshot, loading)
		rmSync(dir, { recursive: true, force: true })
		renameSync(loading, dir)
	}
	const client: PgliteLike =
		thread === 'worker'
			? await PgliteWorkerClient.open({ dataDir: dir })
			: await openPglite({ dataDir: dir })
	return { client, snapshot: snapshot?.manifest.migrations.map((m) => m.tag) }
}
