import { asc, desc, eq } from 'drizzle-orm'
import type { Deps } from '../deps'
import { sessions, sessionTimeseries } from '../db/schema'
import { Bucket, bucketsFromRows, presentBucket } from '../execution/timeseries'
import { NotFound } from '../http/errors'
import { isPlausibleId } from '../sessions/text'
import type { ChartSeries, SessionTimeseries } from './model'
import { SKETCH_RELATIVE_ERROR } from './sketch'

/** Points the session page draws at most: longer runs are merged into wider intervals. */
export const MAX_CHART_POINTS = 600

/** A session and its stored buckets merged by second (src/execution/timeseries.ts). */
async function loadBuckets(deps: Pick<Deps, 'db'>, sessionId: string) {
	const [s] = isPlausibleId(sessionId)
		? await deps.db
				.select({ id: sessions.id, status: sessions.status })
				.from(sessions)
				.where(eq(sessions.id, sessionId))
		: []
	if (!s) throw new NotFound('Session not found')
	const rows = await deps.db
		.select()
		.from(sessionTimeseries)
		.where(eq(sessionTimeseries.sessionId, sessionId))
		.orderBy(asc(sessionTimeseries.ts))
	return { status: s.status, buckets: bucketsFromRows(rows) }
}

/** `GET /api/sessions/:id/timeseries`: every stored second, percentiles from its sketches. */
export async function getSessionTimeseries(
	deps: Pick<Deps, 'db'>,
	sessionId: string,
): Promise<SessionTimeseries> {
	const { status, buckets } = await loadBuckets(deps, sessionId)
	return {
		sessionId,
		status,
		bucketSeconds: 1,
		relativeError: SKETCH_RELATIVE_ERROR,
		buckets: buckets.map(presentBucket),
	}
}

/**
 * The charts' points from the table: consecutive seconds merged (sketches merged, so the
 * percentiles of a wider interval keep the stated error) until at most MAX_CHART_POINTS remain.
 */
export async function getChartSeries(
	deps: Pick<Deps, 'db'>,
	sessionId: string,
): Promise<ChartSeries> {
	const { status, buckets } = await loadBuckets(deps, sessionId)
	const first = buckets[0]?.second ?? 0
	const span = buckets.length ? buckets[buckets.length - 1]!.second - first + 1 : 0
	const seconds = Math.max(1, Math.ceil(span / MAX_CHART_POINTS))
	const merged = new Map<number, Bucket>()
	for (const b of buckets) {
		const k = first + Math.floor((b.second - first) / seconds) * seconds
		let m = merged.get(k)
		if (!m) merged.set(k, (m = new Bucket(k)))
		m.absorb(b)
	}
	return {
		sessionId,
		status,
		seconds,
		relativeError: SKETCH_RELATIVE_ERROR,
		points: [...merged.values()].map(presentBucket),
	}
}

/**
 * The run's current pace for `krawall run`'s progress line: the last `seconds` stored seconds
 * merged (sketches too). Null before the first second is written.
 */
/** The progress line's pace: completions and errors per second, p95, $/min. */
export interface Pace {
	perSecond: number
	p95Ms: number | null
	errorsPerSecond: number
	usdPerMinute: number
}

export async function recentPace(
	deps: Pick<Deps, 'db'>,
	sessionId: string,
	seconds = 5,
): Promise<Pace | null> {
	const rows = await deps.db
		.select()
		.from(sessionTimeseries)
		.where(eq(sessionTimeseries.sessionId, sessionId))
		.orderBy(desc(sessionTimeseries.ts))
		.limit(seconds * 2)
	const buckets = bucketsFromRows(rows)
	const last = buckets[buckets.length - 1]
	if (!last) return null
	const window = buckets.filter((b) => b.second > last.second - seconds)
	const span = last.second - window[0]!.second + 1
	const m = new Bucket(last.second)
	for (const b of window) m.absorb(b)
	return {
		perSecond: m.completed / span,
		p95Ms: m.responseTime.quantile(0.95),
		errorsPerSecond: m.errors / span,
		usdPerMinute: (m.costUsd / span) * 60,
	}
}
