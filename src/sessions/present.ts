import { loadDurationSec } from '../execution/load'
import type { SummaryMetrics } from '../execution/summary-metrics'
import type { scenarios, sessionMessages, sessions, targets } from '../db/schema'
import type { ExecutionSnapshot, TargetSnapshot } from './snapshot'

type SessionRow = typeof sessions.$inferSelect
type TargetRow = typeof targets.$inferSelect
type ScenarioRow = typeof scenarios.$inferSelect
type MessageRow = typeof sessionMessages.$inferSelect

/**
 * The snapshot as clients may see it: the target's auth envelope is removed (encrypted or not,
 * it never leaves the server).
 */
export function publicSnapshot(snap: ExecutionSnapshot): PublicSnapshot {
	if (!snap?.target) return snap
	const { authConfig: _omit, ...target } = snap.target
	return { ...snap, target }
}
type PublicSnapshot = Omit<ExecutionSnapshot, 'target'> & {
	target: Omit<TargetSnapshot, 'authConfig'>
}

/**
 * A run's clock for its progress (docs/architecture.md §4): `durationSec` is the planned length of
 * a run that time ends (closed with a duration, arrival, stages), null when a count ends it;
 * `elapsedSec` the seconds since it started (to its end once ended), null before it starts.
 */
export function runClock(
	s: Pick<SessionRow, 'executionConfig' | 'startedAt' | 'completedAt'>,
	now: Date,
): { durationSec: number | null; elapsedSec: number | null } {
	const start = s.startedAt ? new Date(s.startedAt).getTime() : null
	const end = s.completedAt ? new Date(s.completedAt).getTime() : now.getTime()
	return {
		durationSec: loadDurationSec(s.executionConfig?.load),
		elapsedSec: start === null ? null : Math.max(0, Math.round((end - start) / 100) / 10),
	}
}

const progress = (s: Omit<SessionRow, 'rollupSketches'>, now: Date) => ({
	messagesTotal: s.messagesTotal,
	messagesCompleted: s.messagesCompleted,
	errorCount: s.errorCount,
	conversationsTotal: s.conversationsTotal,
	conversationsCompleted: s.conversationsCompleted,
	droppedConversations: s.droppedConversations,
	...runClock(s, now),
	tokensTotal: s.tokensTotal,
	costUsd: s.costUsd,
})

/** The stored summary (computeSummary's); the jsonb column itself is typed loosely. */
const summaryOf = (s: Omit<SessionRow, 'rollupSketches'>) =>
	s.summaryMetrics as SummaryMetrics | null

export function presentListItem(
	s: Omit<SessionRow, 'rollupSketches'>,
	target: Pick<TargetRow, 'name' | 'connectorType'> | null,
	scenario: Pick<ScenarioRow, 'name'> | null,
	now: Date,
) {
	return {
		id: s.id,
		targetId: s.targetId,
		scenarioId: s.scenarioId,
		status: s.status,
		startedAt: s.startedAt,
		completedAt: s.completedAt,
		executionConfig: publicSnapshot(s.executionConfig),
		summaryMetrics: summaryOf(s),
		progress: progress(s, now),
		error: s.error,
		target: target ? { name: target.name, connectorType: target.connectorType } : null,
		scenario: scenario ? { name: scenario.name } : null,
		createdAt: s.createdAt,
		updatedAt: s.updatedAt,
	}
}
export type SessionListItem = ReturnType<typeof presentListItem>

export function presentSession(
	s: SessionRow,
	target: TargetRow | null,
	scenario: ScenarioRow | null,
	now: Date,
) {
	return {
		id: s.id,
		targetId: s.targetId,
		scenarioId: s.scenarioId,
		status: s.status,
		startedAt: s.startedAt,
		completedAt: s.completedAt,
		executionConfig: publicSnapshot(s.executionConfig),
		logPath: s.logPath,
		summaryMetrics: summaryOf(s),
		progress: progress(s, now),
		error: s.error,
		workerId: s.workerId,
		heartbeatAt: s.heartbeatAt,
		target: target
			? {
					id: target.id,
					name: target.name,
					description: target.description,
					connectorType: target.connectorType,
					endpoint: target.endpoint,
					authType: target.authType,
					isActive: target.isActive,
				}
			: null,
		scenario: scenario
			? {
					id: scenario.id,
					name: scenario.name,
					description: scenario.description,
					category: scenario.category,
					repetitions: scenario.repetitions,
					concurrency: scenario.concurrency,
					verbosityLevel: scenario.verbosityLevel,
					isActive: scenario.isActive,
				}
			: null,
		createdAt: s.createdAt,
		updatedAt: s.updatedAt,
	}
}
export type SessionDetail = ReturnType<typeof presentSession>

/** First send to final reply (docs/architecture.md §5): the last attempt's offset plus its time. */
function totalTimeMs(m: MessageRow): number | null {
	const last = m.attempts?.[m.attempts.length - 1]
	return last ? Math.round((last.offsetMs + last.responseTimeMs) * 1000) / 1000 : m.responseTimeMs
}

export function presentMessage(m: MessageRow) {
	return {
		id: m.id,
		seq: m.seq,
		conversationIndex: m.conversationIndex,
		turnIndex: m.turnIndex,
		stepId: m.stepId,
		request: m.requestContent,
		response: m.responseContent,
		scheduledAt: m.scheduledAt ?? null,
		sentAt: m.sentAt,
		receivedAt: m.receivedAt,
		ttftMs: m.ttftMs,
		itlMs: m.itlMs,
		responseTimeMs: m.responseTimeMs,
		httpStatus: m.httpStatus,
		success: m.success,
		errorType: m.errorType,
		errorMessage: m.errorMessage,
		retries: m.retries,
		promptTokens: m.promptTokens,
		completionTokens: m.completionTokens,
		totalTokens: m.totalTokens,
		cachedTokens: m.cachedTokens,
		tokensEstimated: m.tokensEstimated,
		costUsd: m.costUsd,
		repetitionScore: m.repetitionScore,
		attempts: m.attempts ?? null,
		totalTimeMs: totalTimeMs(m),
	}
}
export type SessionMessage = ReturnType<typeof presentMessage>

type EventCommon = Pick<SessionMessage, 'seq' | 'conversationIndex' | 'turnIndex' | 'stepId'> & {
	/** When the load model made the message due (ISO); null on rows from before load models. */
	scheduledAt: string | null
	timestamp: string
	content: string
}
/** What was sent: the `sent` event of a recorded message. */
type SentEventData = EventCommon & { direction: 'sent' }
/** What came back (or the error): the `received` event of a recorded message. */
type ReceivedEventData = EventCommon & { direction: 'received' } & Pick<
		SessionMessage,
		| 'success'
		| 'httpStatus'
		| 'responseTimeMs'
		| 'ttftMs'
		| 'promptTokens'
		| 'completionTokens'
		| 'totalTokens'
		| 'tokensEstimated'
		| 'costUsd'
		| 'errorType'
		| 'errorMessage'
		| 'retries'
		| 'attempts'
		| 'totalTimeMs'
	>
/** One of the reference's two SSE `message` events per recorded message (ids: events.ts). */
export type SseMessageEvent = {
	id: number
	type: 'message'
	data: SentEventData | ReceivedEventData
}
