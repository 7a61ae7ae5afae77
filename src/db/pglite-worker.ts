/**
 * The embedded database's own thread (docs/architecture.md §3): PGlite runs here, in a Bun
 * worker, so its WebAssembly never runs on the engine's thread and never delays a timestamp
 * there. The main thread talks to it through `PgliteWorkerClient` (pglite-remote.ts): one
 * message per statement, answered with its rows; a transaction holds PGlite's own lock here
 * until the main thread commits or rolls it back, so other statements wait as they would
 * in-process.
 */
import { types, type PGlite, type Transaction } from '@electric-sql/pglite'
import { openPglite } from './pglite-engine'
import type { WorkerReply, WorkerRequest } from './pglite-remote'

declare const self: Worker

/** drizzle's parsers: timestamps, dates and intervals stay the text Postgres sent. */
const keep = (v: string) => v
const RAW_PARSERS = {
	[types.TIMESTAMP]: keep,
	[types.TIMESTAMPTZ]: keep,
	[types.INTERVAL]: keep,
	[types.DATE]: keep,
	1231: keep, // numeric[]
	1115: keep, // timestamp[]
	1185: keep, // timestamptz[]
	1187: keep, // interval[]
	1182: keep, // date[]
}

/** Thrown inside PGlite's transaction callback to make it roll back. */
const ROLLBACK = Symbol('rollback')

let pg: PGlite | undefined
let nextTx = 0
const txs = new Map<
	number,
	{ tx: Transaction; decide: (commit: boolean) => void; done: Promise<void> }
>()

const reply = (m: WorkerReply) => self.postMessage(m)

function serialiseError(e: unknown): Record<string, unknown> & { message: string } {
	if (!(e instanceof Error)) return { message: String(e) }
	const out: Record<string, unknown> & { message: string } = { message: e.message, name: e.name }
	// DatabaseError's fields (code, detail, severity, …): what callers read to classify it.
	for (const [k, v] of Object.entries(e))
		if (v === undefined || ['string', 'number', 'boolean'].includes(typeof v)) out[k] = v
	return out
}

async function handle(m: WorkerRequest): Promise<unknown> {
	switch (m.op) {
		case 'open': {
			pg = await openPglite({
				dataDir: m.dataDir,
				loadDataDir: m.loadDataDir ? new Blob([m.loadDataDir]) : undefined,
			})
			// Opening leaves this thread's garbage (the engine's bytes once compiled, the file
			// bundle's copy): a full collection returns it now rather than never (bench/README.md).
			Bun.gc(true)
			return null
		}
		case 'query': {
			if (!pg) throw new Error('the embedded database is not open')
			const on = m.tx === undefined ? pg : txs.get(m.tx)?.tx
			if (!on) throw new Error('the transaction has ended')
			const res = await on.query(m.sql, m.params, {
				rowMode: m.rowMode,
				parsers: m.raw ? RAW_PARSERS : undefined,
			})
			return { rows: res.rows, fields: res.fields, affectedRows: res.affectedRows }
		}
		case 'begin': {
			if (!pg) throw new Error('the embedded database is not open')
			const id = ++nextTx
			let decide!: (commit: boolean) => void
			const decided = new Promise<boolean>((r) => (decide = r))
			let begun!: () => void
			const started = new Promise<void>((r) => (begun = r))
			const done = pg
				.transaction(async (tx) => {
					txs.set(id, { tx, decide, done })
					begun()
					if (!(await decided)) throw ROLLBACK
				})
				.then(
					() => {},
					(e) => {
						if (e !== ROLLBACK) throw e
					},
				)
				.finally(() => txs.delete(id))
			// BEGIN itself failing rejects `done` before the callback runs.
			await Promise.race([started, done])
			if (!txs.has(id)) throw new Error('the transaction could not begin')
			return id
		}
		case 'end': {
			const t = txs.get(m.tx)
			if (!t) throw new Error('the transaction has ended')
			t.decide(m.commit)
			await t.done
			return null
		}
		case 'close': {
			if (pg && !pg.closed) await pg.close()
			return null
		}
	}
}

self.onmessage = (event: MessageEvent<WorkerRequest>) => {
	const m = event.data
	handle(m).then(
		(result) => reply({ id: m.id, ok: true, result }),
		(e) => reply({ id: m.id, ok: false, error: serialiseError(e) }),
	)
}
