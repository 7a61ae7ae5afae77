import { scenarios, sessionMessages, sessions, targets } from '../../src/db/schema'
import type { Db } from '../../src/db/client'
import { refreshRollup } from '../../src/metrics/rollup'
import type { SummaryMetrics } from '../../src/execution/summary-metrics'
import type { ExecutionSnapshot } from '../../src/sessions/snapshot'

/**
 * Rows inserted directly, without the services or the sessions engine (metrics, dashboard and
 * webhook tests): every number is chosen so the expected aggregates can be computed by hand.
 */

/**
 * The snapshot of a session a test inserts straight into the table. Such a session never runs,
 * so nothing reads its snapshot; the API shows it as stored (`{}`).
 */
export const unrunSnapshot = () => ({}) as ExecutionSnapshot

/** The summary of a seeded session: only the figures a test names (nothing reads the rest). */
export const seededSummary = (figures: Partial<SummaryMetrics>) => figures as SummaryMetrics

export async function seedTarget(db: Db, name = 'Target A') {
	const [t] = await db
		.insert(targets)
		.values({
			name,
			connectorType: 'HTTP_REST',
			endpoint: 'https://example.test/v1/chat',
			requestTemplate: { messagePath: 'messages.0.content', structure: { model: 'gpt-4o-mini' } },
			responseTemplate: { responsePath: 'choices.0.message.content' },
		})
		.returning()
	return t
}

export async function seedScenario(db: Db, name = 'Scenario A') {
	const [s] = await db.insert(scenarios).values({ name, flowConfig: [] }).returning()
	return s
}

type SessionInput = Partial<typeof sessions.$inferInsert> & { targetId: string }
export async function seedSession(db: Db, v: SessionInput) {
	const [s] = await db
		.insert(sessions)
		.values({ status: 'COMPLETED', executionConfig: unrunSnapshot(), ...v })
		.returning()
	return s
}

export type MsgInput = Partial<typeof sessionMessages.$inferInsert>
/** Messages for a session; `seq`, indexes and timestamps default from the position. */
export async function seedMessages(
	db: Db,
	sessionId: string,
	rows: MsgInput[],
	base = new Date('2026-01-26T20:00:00Z'),
) {
	const values = rows.map((r, i) => ({
		sessionId,
		seq: i + 1,
		conversationIndex: 0,
		turnIndex: i,
		requestContent: `message ${i + 1}`,
		responseContent: `reply ${i + 1}`,
		sentAt: new Date(base.getTime() + i * 1000),
		receivedAt: new Date(base.getTime() + i * 1000 + 500),
		success: true,
		...r,
	}))
	for (let i = 0; i < values.length; i += 1000)
		await db.insert(sessionMessages).values(values.slice(i, i + 1000))
	// What the session's end stores (src/execution/lifecycle.ts), so dashboards see the rows.
	await refreshRollup(db, sessionId)
}
