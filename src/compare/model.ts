import { t, type Static } from 'elysia'
import type { SessionStatus } from '../sessions/model'
import type { MetricName, MetricUnit } from './metrics'
import type { SampleComparison } from './stats'

export type { SampleComparison }

/** `GET /api/sessions/compare?ids=a,b[,c…]`: the first id is the baseline. */
export const CompareQuery = t.Object({
	ids: t.String({
		minLength: 1,
		maxLength: 2000,
		description: 'Session ids, comma-separated; the first is the baseline (2–10)',
	}),
})
export type CompareQuery = Static<typeof CompareQuery>

export const MAX_COMPARED = 10

export type ComparedSession = {
	id: string
	status: SessionStatus
	target: { id: string; name: string } | null
	scenario: { id: string; name: string } | null
	startedAt: Date | null
	completedAt: Date | null
	/** A label for tables and legends: target · scenario. */
	label: string
}

/** One summary metric (src/compare/metrics.ts METRICS) across the sessions, in their order. */
export type CompareRow = {
	metric: MetricName
	label: string
	unit: MetricUnit
	better: 'lower' | 'higher' | null
	values: (number | null)[]
	/** Against the baseline; null for the baseline itself. */
	deltas: ({ delta: number | null; deltaPct: number | null } | null)[]
}

export type Significance = {
	sessionId: string
	/** Per-message response times of successful replies, ms. */
	responseTimeMs: SampleComparison | null
	/** Spend per conversation, USD. */
	costPerConversationUsd: SampleComparison | null
}

export type CurvePoint = { x: number; y: number | null }
export type Curve = { sessionId: string; points: CurvePoint[] }

export type Comparison = {
	baselineId: string
	sessions: ComparedSession[]
	rows: CompareRow[]
	method: { test: 'mann-whitney-u'; confidence: number; description: string }
	/** One entry per session after the baseline. */
	significance: Significance[]
	charts: {
		/** Fraction of replies at or under x ms. */
		latencyCdf: Curve[]
		/** Average cost of the message at turn x (history makes later turns dearer). */
		costPerTurn: Curve[]
		/** Average tokens (in + out) of the message at turn x. */
		tokensPerTurn: Curve[]
	}
}
