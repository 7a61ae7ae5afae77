import { sql } from 'drizzle-orm'
import type { Deps } from '../deps'
import type { Thresholds } from './model'

/** The figures thresholds are compared with, computed exactly from session_messages (the source of truth). */
type SessionFigures = {
	messages: number
	errors: number
	errorRatePercent: number
	avgResponseTimeMs: number | null
	p95ResponseTimeMs: number | null
	costPerSessionUsd: number
	totalTokens: number
}

export async function sessionFigures(
	deps: Pick<Deps, 'database'>,
	sessionId: string,
): Promise<SessionFigures> {
	const [r] = await deps.database.rows<Record<string, unknown>>(sql`
		select count(*)::int as messages,
			count(*) filter (where not success)::int as errors,
			avg(response_time_ms)::float8 as avg_ms,
			percentile_cont(0.95) within group (order by response_time_ms)::float8 as p95_ms,
			coalesce(sum(cost_usd), 0)::float8 as cost,
			coalesce(sum(total_tokens), 0)::int8 as tokens
		from session_messages where session_id = ${sessionId}`)
	const messages = Number(r?.messages ?? 0)
	const errors = Number(r?.errors ?? 0)
	const num = (v: unknown) => (v === null || v === undefined ? null : Number(v))
	return {
		messages,
		errors,
		errorRatePercent: messages ? (errors / messages) * 100 : 0,
		avgResponseTimeMs: num(r?.avg_ms),
		p95ResponseTimeMs: num(r?.p95_ms),
		costPerSessionUsd: Number(r?.cost ?? 0),
		totalTokens: Number(r?.tokens ?? 0),
	}
}

type Crossing = { metric: keyof Thresholds; threshold: number; value: number }

/** Each configured threshold the figures exceed (strictly above); a missing figure never crosses. */
export function crossedThresholds(
	thresholds: Thresholds | null | undefined,
	figures: SessionFigures,
): Crossing[] {
	const out: Crossing[] = []
	for (const [metric, threshold] of Object.entries(thresholds ?? {}) as [
		keyof Thresholds,
		number | undefined,
	][]) {
		if (typeof threshold !== 'number') continue
		const value = figures[metric]
		if (typeof value === 'number' && value > threshold) out.push({ metric, threshold, value })
	}
	return out
}
