import { eq, sql } from 'drizzle-orm'
import type { Deps } from '../deps'
import { sessionMessages as m } from '../db/schema'
import { aggregateSession } from './aggregate'
import type { Aggregate, Amplification } from './model'

/**
 * A session's figures from its messages (the export's summary, the charts' facts): the
 * aggregate plus the cost-amplification figures. Growth per turn is the least-squares slope
 * (`regr_slope`) over all messages, so one slow conversation does not dominate it.
 */
export async function sessionSummary(
	deps: Pick<Deps, 'db'>,
	sessionId: string,
): Promise<{ aggregate: Aggregate; amplification: Amplification }> {
	const [aggregate, [growth]] = await Promise.all([
		aggregateSession(deps.db, sessionId),
		deps.db
			.select({
				cost: sql<number | null>`regr_slope(${m.costUsd}, ${m.turnIndex})::float8`,
				prompt: sql<number | null>`regr_slope(${m.promptTokens}, ${m.turnIndex})::float8`,
				conversations: sql<number>`count(distinct ${m.conversationIndex})::int`,
			})
			.from(m)
			.where(eq(m.sessionId, sessionId)),
	])
	const n = (v: unknown) =>
		v === null || v === undefined ? null : Number(Number(v).toPrecision(10))
	const conversations = Number(growth?.conversations ?? 0)
	return {
		aggregate,
		amplification: {
			outputPerInputToken: aggregate.outputPerInputToken,
			costGrowthPerTurnUsd: n(growth?.cost),
			promptTokenGrowthPerTurn: n(growth?.prompt),
			conversations,
			// The aggregate's definition: cost of the conversations that ran ÷ their number.
			avgCostPerConversationUsd: aggregate.costPerConversationUsd,
		},
	}
}
