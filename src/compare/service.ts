import { and, eq, inArray, isNotNull, sql } from 'drizzle-orm'
import type { Deps } from '../deps'
import { scenarios, sessionMessages as m, sessions, targets } from '../db/schema'
import { Conflict, detail, Invalid, NotFound } from '../http/errors'
import { getSessionSeries } from '../metrics/series'
import { isPlausibleId } from '../sessions/text'
import { METRIC_NAMES, METRICS, metricDelta, type ComparableSummary } from './metrics'
import { MAX_COMPARED, type Comparison, type ComparedSession, type Curve } from './model'
import { sortedQuantile } from './select'
import { compareSamples, SIGNIFICANCE_METHOD } from './stats'

type Ctx = Pick<Deps, 'db'>

const CONFIDENCE = 0.95
const CDF_POINTS = 101

/** `a, b ,c` → ['a', 'b', 'c']: 2–10 distinct ids, each one a session could have. */
export function parseIds(raw: string): string[] {
	const ids = raw
		.split(',')
		.map((s) => s.trim())
		.filter(Boolean)
	if (ids.length < 2) {
		throw new Invalid([
			detail(['ids'], 'Give at least two session ids, comma-separated', 'too_small'),
		])
	}
	if (ids.length > MAX_COMPARED) {
		throw new Invalid([
			detail(['ids'], `At most ${MAX_COMPARED} sessions can be compared at once`, 'too_big'),
		])
	}
	const dup = ids.find((id, i) => ids.indexOf(id) !== i)
	if (dup) throw new Invalid([detail(['ids'], `Session ${dup} is listed twice`)])
	return ids
}

async function loadSessions(deps: Ctx, ids: string[]) {
	const rows = await deps.db
		.select({ session: sessions, target: targets, scenario: scenarios })
		.from(sessions)
		.leftJoin(targets, eq(targets.id, sessions.targetId))
		.leftJoin(scenarios, eq(scenarios.id, sessions.scenarioId))
		.where(inArray(sessions.id, ids.filter(isPlausibleId)))
	return ids.map((id) => {
		const row = rows.find((r) => r.session.id === id)
		if (!row) throw new NotFound('Session not found', `No session with id ${id}`)
		if (!row.session.summaryMetrics) {
			throw new Conflict(
				'Session has no summary yet',
				`Session ${id} is ${row.session.status}; only finished sessions can be compared.`,
			)
		}
		return row
	})
}

/** Successful replies' response times, ascending (the samples of the response-time test). */
const responseTimes = (deps: Ctx, id: string) =>
	deps.db
		.select({ v: m.responseTimeMs })
		.from(m)
		.where(and(eq(m.sessionId, id), eq(m.success, true), isNotNull(m.responseTimeMs)))
		.orderBy(m.responseTimeMs)
		.then((r) => Float64Array.from(r, (x) => x.v as number))

/**
 * Spend of each conversation (priced messages; an unpriced one adds 0), in USD, to 1e-12: a float
 * sum depends on the order the rows are added in, and identical conversations must tie exactly
 * for the rank test rather than differ in the 17th digit.
 */
const conversationCosts = (deps: Ctx, id: string) =>
	deps.db
		.select({ v: sql<number>`round(coalesce(sum(${m.costUsd}), 0)::numeric, 12)::float8` })
		.from(m)
		.where(eq(m.sessionId, id))
		.groupBy(m.conversationIndex)
		.then((r) => r.map((x) => Number(x.v)))

/** The empirical CDF at evenly spaced quantiles: bounded points whatever the message count. */
function cdf(sorted: Float64Array): Curve['points'] {
	if (!sorted.length) return []
	return Array.from({ length: CDF_POINTS }, (_, i) => {
		const q = i / (CDF_POINTS - 1)
		return { x: sortedQuantile(sorted, q), y: q }
	})
}

const label = (r: Awaited<ReturnType<typeof loadSessions>>[number]) =>
	[r.target?.name ?? 'deleted target', r.scenario?.name ?? 'custom messages'].join(' · ')

/**
 * The comparison of finished sessions against the first (the baseline): every summary metric in
 * METRICS side by side with absolute and relative deltas, Mann–Whitney U with the
 * Hodges–Lehmann interval for response time and cost per conversation (stats.ts says why this
 * test), and the curves the compare page overlays. docs/architecture.md §5.
 */
export async function compareSessions(deps: Ctx, rawIds: string): Promise<Comparison> {
	const ids = parseIds(rawIds)
	const rows = await loadSessions(deps, ids)
	const summaries = rows.map((r) => r.session.summaryMetrics as ComparableSummary)
	const [times, costs, series] = await Promise.all([
		Promise.all(ids.map((id) => responseTimes(deps, id))),
		Promise.all(ids.map((id) => conversationCosts(deps, id))),
		Promise.all(ids.map((id) => getSessionSeries(deps, id))),
	])
	const sessionsOut: ComparedSession[] = rows.map((r) => ({
		id: r.session.id,
		status: r.session.status,
		target: r.target ? { id: r.target.id, name: r.target.name } : null,
		scenario: r.scenario ? { id: r.scenario.id, name: r.scenario.name } : null,
		startedAt: r.session.startedAt,
		completedAt: r.session.completedAt,
		label: label(r),
	}))
	return {
		baselineId: ids[0],
		sessions: sessionsOut,
		rows: METRIC_NAMES.map((metric) => {
			const def = METRICS[metric]
			return {
				metric,
				label: def.label,
				unit: def.unit,
				better: def.better,
				values: summaries.map((s) => def.read(s)),
				deltas: summaries.map((s, i) => {
					if (i === 0) return null
					const d = metricDelta(metric, summaries[0], s)
					return { delta: d.delta, deltaPct: d.deltaPct }
				}),
			}
		}),
		method: {
			test: SIGNIFICANCE_METHOD,
			confidence: CONFIDENCE,
			description:
				'Two-sided Mann–Whitney U test of each session against the baseline; the interval is the ' +
				`Hodges–Lehmann estimate of the shift (session − baseline) with its ${CONFIDENCE * 100} % ` +
				'confidence interval. Response time: per successful reply; cost: per conversation.',
		},
		significance: ids.slice(1).map((id, k) => ({
			sessionId: id,
			responseTimeMs: compareSamples(times[0], times[k + 1], { confidence: CONFIDENCE }),
			costPerConversationUsd: compareSamples(costs[0], costs[k + 1], { confidence: CONFIDENCE }),
		})),
		charts: {
			latencyCdf: ids.map((id, i) => ({ sessionId: id, points: cdf(times[i]) })),
			costPerTurn: series.map((s) => ({
				sessionId: s.sessionId,
				points: s.perTurn.map((p) => ({ x: p.turnIndex, y: p.avgCostUsd })),
			})),
			tokensPerTurn: series.map((s) => ({
				sessionId: s.sessionId,
				points: s.perTurn.map((p) => ({
					x: p.turnIndex,
					y: p.avgPromptTokens + p.avgCompletionTokens,
				})),
			})),
		},
	}
}
