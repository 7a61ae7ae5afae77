import { and, arrayOverlaps, eq } from 'drizzle-orm'
import type { Deps } from '../deps'
import { scenarios, sessions, targets, webhooks } from '../db/schema'
import type { SessionEvent } from './model'
import { createDeliveries, enqueueDelivery, type NewDelivery } from './delivery'
import { crossedThresholds, sessionFigures } from './thresholds'

type Ctx = Pick<Deps, 'db' | 'database' | 'queue' | 'clock' | 'log'>

/** The `data` of a session event: the session's summary, with its target and scenario named. */
async function sessionEventData(deps: Ctx, sessionId: string) {
	const [row] = await deps.db
		.select({
			session: sessions,
			targetName: targets.name,
			scenarioName: scenarios.name,
		})
		.from(sessions)
		.innerJoin(targets, eq(targets.id, sessions.targetId))
		.leftJoin(scenarios, eq(scenarios.id, sessions.scenarioId))
		.where(eq(sessions.id, sessionId))
	if (!row) return undefined
	const s = row.session
	const figures = await sessionFigures(deps, sessionId)
	return {
		data: {
			session: {
				id: s.id,
				status: s.status,
				targetId: s.targetId,
				scenarioId: s.scenarioId,
				startedAt: s.startedAt?.toISOString() ?? null,
				completedAt: s.completedAt?.toISOString() ?? null,
				error: s.error,
				summaryMetrics: s.summaryMetrics,
			},
			target: { id: s.targetId, name: row.targetName },
			scenario: s.scenarioId ? { id: s.scenarioId, name: row.scenarioName } : null,
			figures,
		},
		figures,
	}
}

/**
 * Called when a session reaches a terminal state (engineer F's worker / cancel path).
 * Creates a delivery for every active webhook subscribed to `event`, plus `metric.threshold`
 * deliveries for webhooks whose thresholds the session crossed, and enqueues them all
 * (`webhook.deliver`, payload `{ deliveryId }`). Never throws: a webhook problem must not
 * fail the session; it is logged instead. Returns the delivery ids created.
 */
export async function emitSessionEvent(
	deps: Ctx,
	sessionId: string,
	event: SessionEvent,
): Promise<string[]> {
	try {
		const hooks = await deps.db
			.select()
			.from(webhooks)
			.where(
				and(
					eq(webhooks.isActive, true),
					arrayOverlaps(webhooks.events, [event, 'metric.threshold']),
				),
			)
		if (!hooks.length) return []
		const loaded = await sessionEventData(deps, sessionId)
		if (!loaded) return []
		const items: NewDelivery[] = []
		for (const hook of hooks) {
			if (hook.events.includes(event)) items.push({ webhookId: hook.id, event, data: loaded.data })
			if (!hook.events.includes('metric.threshold')) continue
			const crossed = crossedThresholds(hook.thresholds as never, loaded.figures)
			if (crossed.length) {
				items.push({
					webhookId: hook.id,
					event: 'metric.threshold',
					data: { ...loaded.data, trigger: event, thresholds: crossed },
				})
			}
		}
		const rows = await createDeliveries(deps, items)
		for (const r of rows) await enqueueDelivery(deps, r)
		return rows.map((r) => r.id)
	} catch (e) {
		deps.log.error('webhook event emission failed', { sessionId, event, error: e })
		return []
	}
}

/**
 * `assessment.completed` (src/assessments/runner.ts) to every active webhook subscribed to it,
 * whatever the assessment's end (its `status` says which). Never throws; returns the delivery ids.
 */
export async function emitAssessmentEvent(
	deps: Ctx,
	assessmentId: string,
	data: Record<string, unknown>,
): Promise<string[]> {
	try {
		const hooks = await deps.db
			.select()
			.from(webhooks)
			.where(
				and(eq(webhooks.isActive, true), arrayOverlaps(webhooks.events, ['assessment.completed'])),
			)
		const rows = await createDeliveries(
			deps,
			hooks.map((h) => ({ webhookId: h.id, event: 'assessment.completed', data })),
		)
		for (const r of rows) await enqueueDelivery(deps, r)
		return rows.map((r) => r.id)
	} catch (e) {
		deps.log.error('webhook event emission failed', {
			assessmentId,
			event: 'assessment.completed',
			error: e,
		})
		return []
	}
}
