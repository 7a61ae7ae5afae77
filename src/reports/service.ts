import { and, desc, eq, inArray, isNotNull } from 'drizzle-orm'
import { getBatch } from '../batches/service'
import type { Deps } from '../deps'
import { sessionMessages as m, sessions } from '../db/schema'
import { compareSessions } from '../compare/service'
import { Conflict, NotFound } from '../http/errors'
import { getSessionSeries } from '../metrics/series'
import { presentMessage } from '../sessions/present'
import type { ExecutionSnapshot } from '../sessions/snapshot'
import { getSession } from '../sessions/service'
import {
	EXCHANGE_ROWS,
	type BatchReportData,
	type ComparisonReportData,
	type ReportLoad,
	type ReportTarget,
	type SessionReportData,
} from './model'

type Ctx = Pick<Deps, 'db' | 'clock'>

/** Userinfo, query and fragment removed: a key in `?key=` or `user:pass@` never reaches a report. */
export function publicEndpoint(raw: string): string {
	try {
		const u = new URL(raw)
		return `${u.protocol}//${u.host}${u.pathname}`
	} catch {
		return raw.replace(/[?#].*$/, '').replace(/\/\/[^/@]*@/, '//')
	}
}

function reportTarget(snap: ExecutionSnapshot): ReportTarget {
	const t = snap.target
	const model = t.requestTemplate?.structure?.model
	return {
		name: t.name,
		connectorType: t.connectorType,
		endpoint: publicEndpoint(t.endpoint),
		authType: t.authType,
		model: typeof model === 'string' ? model : null,
	}
}

function reportLoad(snap: ExecutionSnapshot): ReportLoad {
	return {
		repetitions: snap.repetitions,
		concurrency: snap.concurrency,
		delayBetweenMs: snap.delayBetweenMs,
		verbosityLevel: snap.verbosityLevel,
		timeoutMs: snap.timeoutMs ?? null,
		maxTokens: snap.maxTokens ?? null,
		maxCostUsd: snap.maxCostUsd ?? null,
		gracefulStopMs: snap.gracefulStopMs ?? null,
		customMessages: snap.customMessages?.length ?? null,
	}
}

/** The few rows with the highest `column` (nulls never count). */
const topBy = (deps: Ctx, id: string, column: typeof m.responseTimeMs | typeof m.costUsd) =>
	deps.db
		.select()
		.from(m)
		.where(and(eq(m.sessionId, id), isNotNull(column)))
		.orderBy(desc(column), m.seq)
		.limit(EXCHANGE_ROWS)

/**
 * A finished session's report data (docs/architecture.md §5 "Reports"): 404 for an unknown
 * session, 400 (Conflict) while it has no summary (queued or running).
 */
export async function sessionReportData(deps: Ctx, id: string): Promise<SessionReportData> {
	const s = await getSession(deps, id)
	if (!s.summaryMetrics) {
		throw new Conflict(
			'Session has no summary yet',
			`Session ${id} is ${s.status}; a report needs a finished session.`,
		)
	}
	const [row] = await deps.db
		.select({ executionConfig: sessions.executionConfig })
		.from(sessions)
		.where(eq(sessions.id, id))
	if (!row) throw new NotFound('Session not found')
	const snap = row.executionConfig
	const [series, slowest, mostExpensive] = await Promise.all([
		getSessionSeries(deps, id),
		topBy(deps, id, m.responseTimeMs),
		topBy(deps, id, m.costUsd),
	])
	return {
		session: {
			id: s.id,
			status: s.status,
			startedAt: s.startedAt,
			completedAt: s.completedAt,
			error: s.error,
			summaryMetrics: s.summaryMetrics,
		},
		target: reportTarget(snap),
		scenario: snap.scenario
			? {
					name: snap.scenario.name,
					category: snap.scenario.category,
					steps: snap.scenario.flowConfig.length,
				}
			: null,
		load: reportLoad(snap),
		series,
		slowest: slowest.map(presentMessage),
		// A message that cost nothing is not "expensive": only priced rows above zero.
		mostExpensive: mostExpensive.map(presentMessage).filter((x) => (x.costUsd ?? 0) > 0),
		generatedAt: deps.clock.now(),
	}
}

export async function comparisonReportData(deps: Ctx, ids: string): Promise<ComparisonReportData> {
	return { comparison: await compareSessions(deps, ids), generatedAt: deps.clock.now() }
}

/**
 * A finished batch's report data: 404 for an unknown batch, 400 (Conflict) while a session still
 * runs. The comparison is the batch's own (GET /api/batches/:id), null when fewer than two
 * sessions finished with a summary.
 */
export async function batchReportData(deps: Ctx, id: string): Promise<BatchReportData> {
	const batch = await getBatch(deps, id)
	if (batch.status === 'QUEUED' || batch.status === 'RUNNING') {
		throw new Conflict(
			'Batch has not finished',
			`Batch ${id} is ${batch.status}; a report needs every session finished.`,
		)
	}
	const ids = batch.sessions.map((s) => s.id)
	const rows = ids.length
		? await deps.db
				.select({ id: sessions.id, snap: sessions.executionConfig })
				.from(sessions)
				.where(inArray(sessions.id, ids))
		: []
	const snapOf = new Map(rows.map((r) => [r.id, r.snap]))
	const first = snapOf.get(ids[0] ?? '')
	return {
		batch,
		targets: ids.flatMap((sessionId) => {
			const snap = snapOf.get(sessionId)
			return snap ? [{ sessionId, target: reportTarget(snap) }] : []
		}),
		load: first ? reportLoad(first) : null,
		generatedAt: deps.clock.now(),
	}
}
