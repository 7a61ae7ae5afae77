import { and, arrayOverlaps, desc, eq, isNotNull, lt, ne } from 'drizzle-orm'
import type { Deps } from '../deps'
import { scheduledJobs, sessions, webhooks } from '../db/schema'
import { metricDelta, METRICS, type ComparableSummary, type MetricDelta } from '../compare/metrics'
import { createDeliveries, enqueueDelivery } from '../webhooks/delivery'
import type { ScheduleRegression } from './model'

type Ctx = Pick<Deps, 'db' | 'queue' | 'clock' | 'log'>

/**
 * Whether `d` moved more than `thresholdPct` % the worse way: up for a lower-is-better metric,
 * down for a higher-is-better one, either way for a metric with no better direction. From a
 * baseline of 0 any move the worse way counts (its relative change is unbounded).
 */
export function regressed(d: MetricDelta, thresholdPct: number): boolean {
	if (d.delta === null || d.delta === 0) return false
	const worse = d.better === 'lower' ? d.delta > 0 : d.better === 'higher' ? d.delta < 0 : true
	if (!worse) return false
	return d.deltaPct === null ? true : Math.abs(d.deltaPct) > thresholdPct
}

/**
 * When a scheduled session completes and its schedule has a `regression` check: compares the
 * chosen metric with the schedule's previous completed run and, past the threshold, sends
 * `metric.regression` to every active webhook subscribed to it (docs/architecture.md §4). Never
 * throws: a webhook problem must not fail the session. Returns the delivery ids created.
 */
export async function checkScheduleRegression(deps: Ctx, sessionId: string): Promise<string[]> {
	try {
		const [cur] = await deps.db
			.select({ s: sessions, regression: scheduledJobs.regression, name: scheduledJobs.name })
			.from(sessions)
			.innerJoin(scheduledJobs, eq(scheduledJobs.id, sessions.scheduleId))
			.where(eq(sessions.id, sessionId))
		const rule = cur?.regression as ScheduleRegression | null | undefined
		if (!cur || !rule || cur.s.status !== 'COMPLETED' || !cur.s.summaryMetrics) return []
		const [prev] = await deps.db
			.select()
			.from(sessions)
			.where(
				and(
					eq(sessions.scheduleId, cur.s.scheduleId!),
					ne(sessions.id, cur.s.id),
					eq(sessions.status, 'COMPLETED'),
					isNotNull(sessions.summaryMetrics),
					lt(sessions.createdAt, cur.s.createdAt),
				),
			)
			.orderBy(desc(sessions.createdAt))
			.limit(1)
		if (!prev) return []
		const d = metricDelta(
			rule.metric,
			prev.summaryMetrics as ComparableSummary,
			cur.s.summaryMetrics as ComparableSummary,
		)
		if (!regressed(d, rule.thresholdPct)) return []
		const hooks = await deps.db
			.select({ id: webhooks.id })
			.from(webhooks)
			.where(
				and(eq(webhooks.isActive, true), arrayOverlaps(webhooks.events, ['metric.regression'])),
			)
		const data = {
			schedule: { id: cur.s.scheduleId, name: cur.name },
			baselineSessionId: prev.id,
			sessionId: cur.s.id,
			metric: rule.metric,
			label: METRICS[rule.metric].label,
			unit: d.unit,
			thresholdPct: rule.thresholdPct,
			baseline: d.baseline,
			current: d.current,
			delta: d.delta,
			deltaPct: d.deltaPct,
		}
		deps.log.info('scheduled run regressed', {
			sessionId,
			metric: rule.metric,
			deltaPct: d.deltaPct,
		})
		const rows = await createDeliveries(
			deps,
			hooks.map((h) => ({ webhookId: h.id, event: 'metric.regression', data })),
		)
		for (const r of rows) await enqueueDelivery(deps, r)
		return rows.map((r) => r.id)
	} catch (e) {
		deps.log.error('regression check failed', { sessionId, error: e })
		return []
	}
}
