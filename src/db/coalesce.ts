/**
 * One statement for rows that many writers hand in at about the same time (issue 13): every
 * recorder of a process writes its own `session_messages` rows each flush, so ten sessions made
 * ten small inserts per 100 ms where one would do, and on PGlite the per-statement work (parse,
 * plan, commit, the crossing to its thread) was most of the cost of a small batch.
 *
 * `write(rows)` queues the rows and answers when they are written. The first caller of a round
 * schedules the insert for the end of this turn of the event loop (`setImmediate`), so the
 * callers of the same timer tick share it; calls made while an insert is running wait for it and
 * share the next one. Never more than `maxRows` rows per statement (callers are never split).
 *
 * A shared insert that fails is retried per caller, alone: one caller's rows (a constraint the
 * database refuses) never fail another's, and every caller gets its own rows' error, as when it
 * wrote them itself. `insert` must be idempotent for that (the recorder's is: `on conflict do
 * nothing` on (session_id, seq)).
 */
export function createCoalescer<T>(
	insert: (rows: T[]) => Promise<unknown>,
	opts: { maxRows: number },
) {
	type Call = { rows: readonly T[]; resolve: () => void; reject: (e: unknown) => void }
	let calls: Call[] = []
	let busy = false

	// Never a synchronous throw out of `run`: every caller is answered.
	const attempt = (rows: T[]) => Promise.resolve().then(() => insert(rows))
	const alone = (c: Call) =>
		attempt(c.rows as T[]).then(
			() => c.resolve(),
			(e) => c.reject(e),
		)

	async function run() {
		try {
			while (calls.length) {
				let n = 0
				let rows = 0
				while (n < calls.length && (n === 0 || rows + calls[n]!.rows.length <= opts.maxRows))
					rows += calls[n++]!.rows.length
				const group = calls.slice(0, n)
				calls = calls.slice(n)
				if (group.length === 1) {
					await alone(group[0]!)
					continue
				}
				const all: T[] = []
				for (const c of group) for (const r of c.rows) all.push(r)
				let failed = false
				await attempt(all).catch(() => (failed = true))
				if (!failed) for (const c of group) c.resolve()
				else for (const c of group) await alone(c)
			}
		} finally {
			busy = false
		}
	}

	return {
		write(rows: readonly T[]): Promise<void> {
			return new Promise<void>((resolve, reject) => {
				calls.push({ rows, resolve, reject })
				if (busy) return
				busy = true
				setImmediate(() => void run())
			})
		},
	}
}
