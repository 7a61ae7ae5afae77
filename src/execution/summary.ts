import { sql } from 'drizzle-orm'
import type { Deps } from '../deps'
import type { SummaryMetrics } from './summary-metrics'

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v))
const r3 = (v: number | null) =>
	v === null || !Number.isFinite(v) ? null : Math.round(v * 1000) / 1000

export async function computeSummary(
	deps: Pick<Deps, 'database'>,
	sessionId: string,
	ctx: {
		startedAt: Date | null
		completedAt: Date
		repetitions: number
		conversationsCompleted: number
		stopReason: string
	},
): Promise<SummaryMetrics> {
	const rl = sql`(http_status = 429 or error_type = 'rate_limited')`
	const [a] = await deps.database.rows<Record<string, unknown>>(sql`
		select
			count(*)::int as total,
			(count(*) filter (where success))::int as ok,
			avg(response_time_ms) as avg_rt,
			min(response_time_ms) as min_rt,
			max(response_time_ms) as max_rt,
			percentile_cont(0.5) within group (order by response_time_ms) as p50,
			percentile_cont(0.9) within group (order by response_time_ms) as p90,
			percentile_cont(0.95) within group (order by response_time_ms) as p95,
			percentile_cont(0.99) within group (order by response_time_ms) as p99,
			count(ttft_ms)::int as ttft_n,
			avg(ttft_ms) as ttft_avg,
			percentile_cont(0.5) within group (order by ttft_ms) as ttft_p50,
			percentile_cont(0.9) within group (order by ttft_ms) as ttft_p90,
			percentile_cont(0.95) within group (order by ttft_ms) as ttft_p95,
			percentile_cont(0.99) within group (order by ttft_ms) as ttft_p99,
			coalesce(sum(prompt_tokens), 0)::bigint as prompt,
			coalesce(sum(completion_tokens), 0)::bigint as completion,
			coalesce(sum(total_tokens), 0)::bigint as tokens,
			coalesce(sum(cached_tokens), 0)::bigint as cached,
			coalesce(bool_or(tokens_estimated), false) as estimated,
			coalesce(sum(cost_usd), 0) as cost,
			(count(*) filter (where cost_usd is null and success))::int as unpriced,
			coalesce(sum(retries), 0)::int as retries,
			(count(*) filter (where ${rl}))::int as rl_events,
			min(seq) filter (where ${rl}) as rl_first_seq,
			min(sent_at) filter (where ${rl}) as rl_first_at,
			avg(repetition_score) as rep_avg,
			max(repetition_score) as rep_max
		from session_messages where session_id = ${sessionId}`)
	const byType = await deps.database.rows<{ error_type: string; n: number }>(sql`
		select coalesce(error_type, 'unknown') as error_type, count(*)::int as n
		from session_messages where session_id = ${sessionId} and not success
		group by 1 order by 2 desc`)
	const total = Number(a.total)
	const ok = Number(a.ok)
	const failed = total - ok
	const prompt = Number(a.prompt)
	const completion = Number(a.completion)
	const tokens = Number(a.tokens)
	const cost = Number(a.cost)
	const durationMs = ctx.startedAt ? ctx.completedAt.getTime() - ctx.startedAt.getTime() : null
	const secs = durationMs && durationMs > 0 ? durationMs / 1000 : null
	const firstSeq = num(a.rl_first_seq)
	const ttftN = Number(a.ttft_n)
	return {
		totalMessages: total,
		successfulMessages: ok,
		failedMessages: failed,
		errorCount: failed,
		errorRate: total ? Math.round((failed / total) * 100 * 1000) / 1000 : 0,
		errorsByType: Object.fromEntries(byType.map((r) => [r.error_type, Number(r.n)])),
		avgResponseTimeMs: r3(num(a.avg_rt)),
		minResponseTimeMs: r3(num(a.min_rt)),
		maxResponseTimeMs: r3(num(a.max_rt)),
		p50ResponseTimeMs: r3(num(a.p50)),
		p90ResponseTimeMs: r3(num(a.p90)),
		p95ResponseTimeMs: r3(num(a.p95)),
		p99ResponseTimeMs: r3(num(a.p99)),
		ttft: ttftN
			? {
					avgMs: r3(num(a.ttft_avg))!,
					p50Ms: r3(num(a.ttft_p50))!,
					p90Ms: r3(num(a.ttft_p90))!,
					p95Ms: r3(num(a.ttft_p95))!,
					p99Ms: r3(num(a.ttft_p99))!,
					samples: ttftN,
				}
			: null,
		promptTokens: prompt,
		completionTokens: completion,
		totalTokens: tokens,
		cachedTokens: Number(a.cached),
		tokensEstimated: Boolean(a.estimated),
		tokensPerSecond: secs ? r3(tokens / secs) : null,
		messagesPerSecond: secs ? r3(total / secs) : null,
		outputInputTokenRatio: prompt ? r3(completion / prompt) : null,
		totalCostUsd: Math.round(cost * 1e9) / 1e9,
		unpricedMessages: Number(a.unpriced),
		costPerConversationUsd: ctx.conversationsCompleted
			? Math.round((cost / ctx.conversationsCompleted) * 1e9) / 1e9
			: null,
		rateLimit: {
			events: Number(a.rl_events),
			limitMet: Number(a.rl_events) > 0,
			firstAtMessage: firstSeq,
			messagesBeforeFirst: firstSeq === null ? null : firstSeq - 1,
			firstAt: a.rl_first_at ? new Date(a.rl_first_at as string).toISOString() : null,
		},
		retries: Number(a.retries),
		repetitions: ctx.repetitions,
		conversationsCompleted: ctx.conversationsCompleted,
		avgRepetitionScore: r3(num(a.rep_avg)),
		maxRepetitionScore: r3(num(a.rep_max)),
		durationMs,
		stopReason: ctx.stopReason,
	}
}
