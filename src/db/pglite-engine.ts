import { PGlite } from '@electric-sql/pglite'
import { mkdirSync } from 'node:fs'
// PGlite's engine files, embedded by `bun build --compile` and read from node_modules otherwise.
import initdbWasmPath from '@electric-sql/pglite/initdb.wasm' with { type: 'file' }
import pgliteDataPath from '@electric-sql/pglite/pglite.data' with { type: 'file' }
import pgliteWasmPath from '@electric-sql/pglite/pglite.wasm' with { type: 'file' }

let engine:
	Promise<{ pglite: WebAssembly.Module; initdb: WebAssembly.Module; data: Blob }> | undefined

/** Compiles PGlite's wasm once per thread; every instance after the first reuses it. */
function loadEngine() {
	engine ??= (async () => {
		const [pglite, initdb] = await Promise.all([
			WebAssembly.compile(await Bun.file(pgliteWasmPath).arrayBuffer()),
			WebAssembly.compile(await Bun.file(initdbWasmPath).arrayBuffer()),
		])
		const data = new Blob([await Bun.file(pgliteDataPath).arrayBuffer()])
		return { pglite, initdb, data }
	})()
	return engine
}

/**
 * PGlite's buffer cache. Postgres' default (128 MB) is written at start-up, so all of it is
 * resident from the first second: 269 MB RSS for an idle PGlite against 150 MB at 16 MB
 * (docs/architecture.md §10). The data files stay in the OS page cache beneath it, and the hot
 * path only appends, so a small cache costs the recorder nothing measurable (bench/README.md).
 */
export const PGLITE_SHARED_BUFFERS = '16MB'

/** Opens PGlite persisted in `dataDir` (or in memory, optionally from a dumped data dir). */
export async function openPglite(opts: { dataDir?: string; loadDataDir?: Blob }): Promise<PGlite> {
	const { pglite, initdb, data } = await loadEngine()
	if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true })
	return PGlite.create({
		dataDir: opts.dataDir,
		loadDataDir: opts.loadDataDir,
		pgliteWasmModule: pglite,
		initdbWasmModule: initdb,
		fsBundle: data,
		startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`],
	})
}
