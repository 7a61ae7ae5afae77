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
	})
}
