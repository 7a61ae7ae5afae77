import type { sessions } from '../db/schema'

type SessionRow = typeof sessions.$inferSelect
type Counters = Pick<
	SessionRow,
	'messagesTotal' | 'messagesCompleted' | 'errorCount' | 'tokensTotal' | 'costUsd'
>
type Named = Pick<
	SessionRow,
	| 'id'
	| 'targetId'
	| 'scenarioId'
	| 'status'
	| 'startedAt'
	| 'completedAt'
	| 'createdAt'
	| 'summaryMetrics'
> & { targetName: string; scenarioName: string | null }

/** A session with its target's and scenario's names and live counters (the live panel). */
export type SessionWithNames = Named &
	Counters &
	Pick<SessionRow, 'conversationsTotal' | 'conversationsCompleted' | 'droppedConversations'> & {
		/** The run's clock (src/sessions/present.ts runClock): planned seconds of a run that time ends. */
		durationSec: number | null
		elapsedSec: number | null
	}

/** One of the stats' `recentSessions`, newest first. */
export type RecentSession = Named & { progress: Counters }

/** `GET /api/dashboard/stats` (the reference), plus total cost and message count. */
export type DashboardStats = {
	counts: { targets: number; scenarios: number; activeSessions: number; totalSessions: number }
	metrics: {
		avgResponseTimeMs: number | null
		totalTokensConsumed: number
		/** Failed sessions as a fraction of all sessions (0–1). */
		errorRate: number
		sessionsLast24h: number
		totalCostUsd: number
		totalMessages: number
	}
	recentSessions: RecentSession[]
}

/** A session's figures for the home charts (the last sessions that exchanged messages). */
export type SessionPoint = {
	id: string
	createdAt: Date
	targetName: string
	avgResponseTimeMs: number | null
	p95ResponseTimeMs: number | null
	totalTokens: number
	messages: number
}

/** Cost of one UTC day (`YYYY-MM-DD`), by message time. */
export type DayCost = { day: string; costUsd: number; messages: number }
