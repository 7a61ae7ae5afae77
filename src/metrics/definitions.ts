import { sql } from 'drizzle-orm'
import { sessionMessages as m } from '../db/schema'

/**
 * Per-message figures computed from a row (docs/architecture.md §5), shared by the aggregates and
 * the rollup's sketches: TPOT = (response time − TTFT) ÷ (output tokens − 1) for successful
 * streamed replies with ≥ 2 output tokens; output tokens per second for successful replies.
 */
export const TPOT = sql`case when ${m.success} and ${m.ttftMs} is not null and ${m.completionTokens} > 1
	then (${m.responseTimeMs} - ${m.ttftMs}) / (${m.completionTokens} - 1) end`
export const OTPS = sql`case when ${m.success} and ${m.responseTimeMs} > 0
	then ${m.completionTokens} / (${m.responseTimeMs} / 1000) end`
