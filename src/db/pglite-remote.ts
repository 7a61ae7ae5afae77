import type { PGlite, QueryOptions, Results } from '@electric-sql/pglite'

/** What the main thread asks the database thread (pglite-worker.ts). */
export type WorkerRequest = { id: number } & (
	| { op: 'open'; dataDir?: string; loadDataDir?: ArrayBuffer }
	| {
			op: 'query'
			sql: string
			params: unknown[]
			rowMode: 'array' | 'object'
			/** drizzle's parsers (dates as text) instead of PGlite's defaults. */
			raw: boolean
			tx?: number
	  }
	| { op: 'begin' }
	| { op: 'end'; tx: number; commit: boolean }
	| { op: 'close' }
)
export type WorkerReply = { id: number } & (
	| { ok: true; result: unknown }
	| { ok: false; error: Record<string, unknown> & { message: string } }
)

type Query = (sql: string, params?: unknown[], options?: QueryOptions) => Promise<Results<any>>
/** The part of PGlite that drizzle's driver and `wrapPglite` use. */
export type PgliteLike = Pick<PGlite, 'closed' | 'close'> & {
	query: Query
	transaction<T>(fn: (tx: { query: Query }) => Promise<T>): Promise<T>
}

/**
 * PGlite on its own thread (docs/architecture.md §3), as drizzle's PGlite driver sees a PGlite:
 * `query` and `transaction` cross to the worker as messages; errors come back with their
 * fields (the SQLSTATE `code` the recorder classifies outages by). The worker holds the process
 * open only while a statement is waiting for its answer.
 */
export class PgliteWorkerClient implements PgliteLike {
	closed = false
	/** Bun's Worker (the DOM typing lacks ref/unref). */
	private readonly worker: Worker & { ref(): void; unref(): void }
	private readonly pending = new Map<
		number,
		{ resolve: (v: unknown) => void; reject: (e: Error) => void }
	>()
	private nextId = 0
	private failure: Error | undefined

	private constructor() {
		this.worker = new Worker(workerUrl()) as Worker & {
			ref(): void
			unref(): void
		}
		this.worker.unref()
		this.worker.onmessage = (event: MessageEvent<WorkerReply>) => this.answer(event.data)
		const stop = (why: string) => {
			this.failure ??= new Error(`the embedded database stopped: ${why}`)
			this.closed = true
			for (const p of this.pending.values()) p.reject(this.failure)
			this.pending.clear()
		}
		this.worker.onerror = (e) => stop(e.message || 'worker error')
		this.worker.addEventListener('close', () => stop('its thread exited'))
	}

	static async open(opts: { dataDir?: string; loadDataDir?: Blob }) {
		const client = new PgliteWorkerClient()
		try {
			const loadDataDir = opts.loadDataDir ? await opts.loadDataDir.arrayBuffer() : undefined
			await client.call({ op: 'open', dataDir: opts.dataDir, loadDataDir })
		} catch (e) {
			client.worker.terminate()
			throw e
		}
		return client
	}

	private answer(m: WorkerReply) {
		const p = this.pending.get(m.id)
		if (!p) return
		this.pending.delete(m.id)
		if (!this.pending.size) this.worker.unref()
		if (m.ok) p.resolve(m.result)
		else {
			const { message, ...fields } = m.error
			p.reject(Object.assign(new Error(message), fields))
		}
	}

	private call(req: DistributiveOmit<WorkerRequest, 'id'>): Promise<unknown> {
		if (this.failure) return Promise.reject(this.failure)
		const id = ++this.nextId
		return new Promise((resolve, reject) => {
			this.pending.set(id, { resolve, reject })
			if (this.pending.size === 1) this.worker.ref()
			this.worker.postMessage({ ...req, id })
		})
	}

	private queryOn(tx: number | undefined): Query {
		return (sql, params, options) =>
			this.call({
				op: 'query',
				sql,
				params: params ?? [],
				rowMode: options?.rowMode ?? 'object',
				raw: options?.parsers !== undefined,
				tx,
			}) as Promise<Results<any>>
	}

	query: Query = this.queryOn(undefined)

	async transaction<T>(fn: (tx: { query: Query }) => Promise<T>): Promise<T> {
		const tx = (await this.call({ op: 'begin' })) as number
		let result: T
		try {
			result = await fn({ query: this.queryOn(tx) })
		} catch (e) {
			await this.call({ op: 'end', tx, commit: false }).catch(() => {})
			throw e
		}
		await this.call({ op: 'end', tx, commit: true })
		return result
	}

	async close() {
		if (this.closed) return
		try {
			await this.call({ op: 'close' })
		} finally {
			this.closed = true
			this.failure ??= new Error('the embedded database is closed')
			this.worker.terminate()
		}
	}
}

/**
 * The worker's entry point. From source it sits next to this file; in the binary every module
 * shares the executable's URL and the worker is its second entry point (package.json `build`),
 * stored under its path below the entry points' common folder, src/.
 */
function workerUrl() {
	const compiled = import.meta.url.includes('/$bunfs/')
	return new URL(compiled ? './db/pglite-worker.ts' : './pglite-worker.ts', import.meta.url).href
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never
