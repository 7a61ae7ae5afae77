import { and, asc, eq, gt, lte, sql } from 'drizzle-orm'
import type { Deps } from '../deps'
import { scenarios, sessionMessages as m, sessions, targets } from '../db/schema'
import { NotFound } from '../http/errors'
import { csvRow } from './csv'
import type { ExportQuery } from './model'
import { sessionSummary } from './summary'

/**
 * `GET /api/metrics/export`: one row per message, streamed. Rows are read in keyset windows
 * of `seq` (served by the (session_id, seq) index) and written
 * into a pull-based ReadableStream, so memory stays bounded by one page whatever the session's
 * size, and a slow client slows the reads instead of filling memory.
 *
 * Message content is not exported (it may be large, and belongs to the replay, not the
 * numbers); CSV and JSON carry the same fields under the same names.
 */
const EXPORT_COLUMNS = [
	['sequence', m.seq],
	['conversationIndex', m.conversationIndex],
	['turnIndex', m.turnIndex],
	['stepId', m.stepId],
	// When the load model made the message due (docs/architecture.md §5); null on older rows.
	['scheduledAt', m.scheduledAt],
	['sentAt', m.sentAt],
	['receivedAt', m.receivedAt],
	['responseTimeMs', m.responseTimeMs],
	['ttftMs', m.ttftMs],
	['httpStatus', m.httpStatus],
	['success', m.success],
	['errorType', m.errorType],
	['errorMessage', m.errorMessage],
	['retries', m.retries],
	['promptTokens', m.promptTokens],
	['completionTokens', m.completionTokens],
	['totalTokens', m.totalTokens],
	['cachedTokens', m.cachedTokens],
	['tokensEstimated', m.tokensEstimated],
	['costUsd', m.costUsd],
	['repetitionScore', m.repetitionScore],
	// Every attempt (docs/architecture.md §5); a JSON array in CSV's cell.
	['attempts', m.attempts],
] as const

type Name = (typeof EXPORT_COLUMNS)[number][0]
type ExportRow = Record<Name, unknown>
const selection = Object.fromEntries(EXPORT_COLUMNS) as {
	[K in Name]: (typeof EXPORT_COLUMNS)[number][1]
}
/** CSV header: snake_case of the JSON names. */
const CSV_HEADER = EXPORT_COLUMNS.map(([n]) => n.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`))

const filename = (id: string, ext: string, at: Date) =>
	`krawall-session-${id.replace(/[^A-Za-z0-9_-]/g, '')}-${at.toISOString().slice(0, 10)}.${ext}`

async function loadSession(deps: Pick<Deps, 'db'>, id: string) {
	const [s] = await deps.db
		.select({
			id: sessions.id,
			status: sessions.status,
			targetId: sessions.targetId,
			targetName: targets.name,
			scenarioId: sessions.scenarioId,
			scenarioName: scenarios.name,
			startedAt: sessions.startedAt,
			completedAt: sessions.completedAt,
			createdAt: sessions.createdAt,
			summaryMetrics: sessions.summaryMetrics,
		})
		.from(sessions)
		.innerJoin(targets, eq(targets.id, sessions.targetId))
		.leftJoin(scenarios, eq(scenarios.id, sessions.scenarioId))
		.where(eq(sessions.id, id))
	if (!s) throw new NotFound('Session not found')
	return s
}

/**
 * Pages of export rows in `seq` order, each a window `last < seq <= last + pageSize`. A window
 * (rather than `seq > last LIMIT n`) keeps every query to about one page of rows even when the
 * planner has no statistics (PGlite never autovacuums): `LIMIT` after a bitmap scan would
 * fetch and sort every remaining row on each page. Gaps in `seq` are skipped with one lookup.
 */
async function* exportRows(
	deps: Pick<Deps, 'db' | 'database'>,
	sessionId: string,
	pageSize: number,
) {
	let last = -1
	let read = 0
	let collectedAt = 0
	const every = deps.database.kind === 'pglite' ? GC_EVERY_ROWS_PGLITE : GC_EVERY_ROWS
	for (;;) {
		// Each page leaves driver buffers that the engine's GC heuristics do not see (external
		// memory); left alone, RSS grows with the export (bench/export-memory.ts). PGlite's are the
		// larger (its results are copied out of WebAssembly memory): collected after every window
		// of a few thousand rows there (issue 13: ≤ 50 MB over a 100k-message export), after ~10k
		// rows on Postgres.
		if (read - collectedAt >= every) {
			Bun.gc(true)
			collectedAt = read
		}
		const rows = await deps.db
			.select(selection)
			.from(m)
			.where(and(eq(m.sessionId, sessionId), gt(m.seq, last), lte(m.seq, last + pageSize)))
			.orderBy(asc(m.seq))
		if (rows.length) {
			read += rows.length
			yield rows as ExportRow[]
			last += pageSize
			continue
		}
		const [next] = await deps.db
			.select({ seq: sql<number | null>`min(${m.seq})` })
			.from(m)
			.where(and(eq(m.sessionId, sessionId), gt(m.seq, last)))
		if (next?.seq === null || next?.seq === undefined) return
		last = Number(next.seq) - 1
	}
}

/** Rows per window (of `seq`). */
export const EXPORT_PAGE_ROWS = 2_000
const GC_EVERY_ROWS = 10_000
const GC_EVERY_ROWS_PGLITE = 2_000
const encoder = new TextEncoder()

/** Pull-based: the next page is read only when the consumer asks for more. */
function streamOf(chunks: AsyncGenerator<string>) {
	return new ReadableStream<Uint8Array>({
		async pull(controller) {
			try {
				const { value, done } = await chunks.next()
				if (done) controller.close()
				else controller.enqueue(encoder.encode(value))
			} catch (e) {
				controller.error(e)
			}
		},
		async cancel() {
			await chunks.return(undefined)
		},
	})
}

async function* csvChunks(
	deps: Pick<Deps, 'db' | 'database'>,
	sessionId: string,
	pageSize: number,
) {
	yield csvRow(CSV_HEADER)
	for await (const page of exportRows(deps, sessionId, pageSize)) {
		yield page
			.map((r) =>
				csvRow(
					EXPORT_COLUMNS.map(([n]) => (n === 'attempts' && r[n] ? JSON.stringify(r[n]) : r[n])),
				),
			)
			.join('')
	}
}

async function* jsonChunks(
	deps: Pick<Deps, 'db' | 'database'>,
	session: unknown,
	summary: unknown,
	pageSize: number,
) {
	const id = (session as { id: string }).id
	yield `{"success":true,"data":{"session":${JSON.stringify(session)},"summary":${JSON.stringify(summary)},"messages":[`
	let first = true
	for await (const page of exportRows(deps, id, pageSize)) {
		yield (first ? '' : ',') + page.map((r) => JSON.stringify(r)).join(',')
		first = false
	}
	yield ']}}'
}

export async function exportSession(
	deps: Pick<Deps, 'db' | 'database' | 'clock'>,
	q: ExportQuery,
	pageSize = EXPORT_PAGE_ROWS,
) {
	const session = await loadSession(deps, q.sessionId)
	const name = filename(session.id, q.format, deps.clock.now())
	const headers = {
		'content-disposition': `attachment; filename="${name}"`,
		'cache-control': 'no-store',
		'x-content-type-options': 'nosniff',
	}
	if (q.format === 'json') {
		const summary = await sessionSummary(deps, session.id)
		const body = streamOf(jsonChunks(deps, session, summary, pageSize))
		return new Response(body, {
			headers: { ...headers, 'content-type': 'application/json; charset=utf-8' },
		})
	}
	const body = streamOf(csvChunks(deps, session.id, pageSize))
	return new Response(body, {
		headers: { ...headers, 'content-type': 'text/csv; charset=utf-8; header=present' },
	})
}
