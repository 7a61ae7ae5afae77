import { sql, type SQL } from 'drizzle-orm'
import { statement } from '../db/statement'
import type { Deps } from '../deps'
import type { LoadModel } from '../sessions/snapshot'
import type { LoadGeneratorHealth, SummaryMetrics } from './summary-metrics'

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v))
const r3 = (v: number | null) =>
	v === null || !Number.isFinite(v) ? null : Math.round(v * 1000) / 1000

/** The session's figures from its own rows (one session_id-filtered scan; src/db/statement.ts). */
const SUMMARY = statement('krawall_session_summary', ['sessionId'], ({ sessionId }) => {
	// The last attempt's offset from the first send plus its own time: what the user waited.
	const waited = sql`coalesce((attempts->-1->>'offsetMs')::float8 + (attempts->-1->>'responseTimeMs')::float8, response_time_ms)`
	// docs/architecture.md §5: TPOT as vLLM's benchmark defines it, per token (usage counts, not
	// chunks), and output tokens per second of each reply; successful replies only.
	const tpot = sql`case when success and ttft_ms is not null and completion_tokens > 1
	then (response_time_ms - ttft_ms) / (completion_tokens - 1) end`
	const otps = sql`case when success and response_time_ms > 0
	then completion_tokens / (response_time_ms / 1000) end`
	// docs/architecture.md §5: from when the message was due to its final reply (wrk2), and how
	// late each conversation's first send was (the first attempt's, retries aside).
	const fromScheduled = sql`extract(epoch from (received_at - scheduled_at)) * 1000`
	const startLag = sql`case when turn_index = 0 and scheduled_at is not null then
	extract(epoch from (coalesce((attempts->0->>'sentAt')::timestamptz, sent_at) - scheduled_at)) * 1000 end`
	const dist = (name: string, v: SQL) => {
		const as = (k: string) => sql.raw(`${name}_${k}`)
		return sql`count(${v})::int as ${as('n')}, avg(${v}) as ${as('avg')},
		percentile_cont(0.5) within group (order by ${v}) as ${as('p50')},
		percentile_cont(0.95) within group (order by ${v}) as ${as('p95')},
		percentile_cont(0.99) within group (order by ${v}) as ${as('p99')},`
	}
	return sql`
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
			${dist('tpot', tpot)}
			${dist('itl', sql`itl_ms`)}
			${dist('otps', otps)}
			${dist('sched', fromScheduled)}
			max(${fromScheduled}) as sched_max,
			${dist('lag', startLag)}
			max(${startLag}) as lag_max,
			count(distinct conversation_index)::int as conversations,
			coalesce(sum(prompt_tokens), 0)::bigint as prompt,
			coalesce(sum(completion_tokens), 0)::bigint as completion,
			coalesce(sum(total_tokens), 0)::bigint as tokens,
			coalesce(sum(cached_tokens), 0)::bigint as cached,
			coalesce(bool_or(tokens_estimated) filter (where success), false) as estimated,
			coalesce(sum(cost_usd), 0) as cost,
			(count(*) filter (where cost_usd is null and success))::int as unpriced,
			coalesce(sum(retries), 0)::int as retries,
			avg(${waited}) as tt_avg,
			max(${waited}) as tt_max,
			percentile_cont(0.5) within group (order by ${waited}) as tt_p50,
			percentile_cont(0.95) within group (order by ${waited}) as tt_p95,
			percentile_cont(0.99) within group (order by ${waited}) as tt_p99,
			avg(repetition_score) as rep_avg,
			max(repetition_score) as rep_max
		from session_messages where session_id = ${sessionId}`
})

const ERRORS_BY_TYPE = statement(
	'krawall_session_errors_by_type',
	['sessionId'],
	({ sessionId }) => sql`
		select coalesce(error_type, 'unknown') as error_type, count(*)::int as n
		from session_messages where session_id = ${sessionId} and not success
		group by 1 order by 2 desc`,
)

export async function computeSummary(
	deps: Pick<Deps, 'database'>,
	sessionId: string,
	ctx: {
		startedAt: Date | null
		completedAt: Date
		repetitions: number
		conversationsCompleted: number
		stopReason: string
		budget?: { maxTokens?: number; maxCostUsd?: number; gracefulStopMs: number }
		loadGenerator?: LoadGeneratorHealth | null
		load?: LoadModel | null
		droppedConversations?: number
		conversationsStarted?: number | null
	},
): Promise<SummaryMetrics> {
	// At once: on Postgres three connections of the pool (one round trip, not three); PGlite runs
	// them one after the other as ever.
	const [[a], rl, byType] = await Promise.all([
		SUMMARY(deps.database.db, { sessionId }),
		rateLimitOf(deps, sessionId, ctx.startedAt),
		ERRORS_BY_TYPE<{ error_type: string; n: number }>(deps.database.db, { sessionId }),
	])
	const total = Number(a.total)
	const ok = Number(a.ok)
	const failed = total - ok
	const prompt = Number(a.prompt)
	const completion = Number(a.completion)
	const tokens = Number(a.tokens)
	const cost = Number(a.cost)
	const durationMs = ctx.startedAt ? ctx.completedAt.getTime() - ctx.startedAt.getTime() : null
	const secs = durationMs && durationMs > 0 ? durationMs / 1000 : null
	const ttftN = Number(a.ttft_n)
	const conversations = Number(a.conversations)
	const spread = (name: string) => {
		const samples = Number(a[`${name}_n`])
		if (!samples) return null
		const at = (k: string) => r3(num(a[`${name}_${k}`]))!
		return { avg: at('avg'), p50: at('p50'), p95: at('p95'), p99: at('p99'), samples }
	}
	const ms = (d: ReturnType<typeof spread>) =>
		d && { avgMs: d.avg, p50Ms: d.p50, p95Ms: d.p95, p99Ms: d.p99, samples: d.samples }
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
		tpot: ms(spread('tpot')),
		itl: ms(spread('itl')),
		messageOutputTokensPerSecond: spread('otps'),
		promptTokens: prompt,
		completionTokens: completion,
		totalTokens: tokens,
		cachedTokens: Number(a.cached),
		tokensEstimated: Boolean(a.estimated),
		tokensPerSecond: secs ? r3(tokens / secs) : null,
		outputTokensPerSecond: secs ? r3(completion / secs) : null,
		messagesPerSecond: secs ? r3(total / secs) : null,
		outputInputTokenRatio: prompt ? r3(completion / prompt) : null,
		totalCostUsd: Math.round(cost * 1e9) / 1e9,
		unpricedMessages: Number(a.unpriced),
		// One definition wherever it is shown (docs/architecture.md §5): the cost of the
		// conversations that ran (recorded a message) ÷ their number.
		costPerConversationUsd: conversations ? Math.round((cost / conversations) * 1e9) / 1e9 : null,
		rateLimit: rl.rateLimit,
		requestsSent: rl.requests,
		retries: Number(a.retries),
		responseTimeBasis: 'lastAttempt',
		totalTime: total
			? {
					avgMs: r3(num(a.tt_avg))!,
					p50Ms: r3(num(a.tt_p50))!,
					p95Ms: r3(num(a.tt_p95))!,
					p99Ms: r3(num(a.tt_p99))!,
					maxMs: r3(num(a.tt_max))!,
				}
			: null,
		scheduledLatency: (() => {
			const d = ms(spread('sched'))
			return d && { ...d, maxMs: r3(num(a.sched_max))! }
		})(),
		startLag: (() => {
			const d = spread('lag')
			return d && { p50Ms: d.p50, p99Ms: d.p99, maxMs: r3(num(a.lag_max))!, samples: d.samples }
		})(),
		droppedConversations: ctx.droppedConversations ?? 0,
		load: ctx.load
			? {
					model: ctx.load,
					startedConversations: ctx.conversationsStarted ?? null,
					droppedConversations: ctx.droppedConversations ?? 0,
				}
			: null,
		budget: ctx.budget ? budgetOf(ctx.budget, tokens, cost, ctx.stopReason) : null,
		repetitions: ctx.repetitions,
		conversationsCompleted: ctx.conversationsCompleted,
		avgRepetitionScore: r3(num(a.rep_avg)),
		maxRepetitionScore: r3(num(a.rep_max)),
		durationMs,
		stopReason: ctx.stopReason,
		loadGenerator: ctx.loadGenerator ?? null,
	}
}

const RATE_LIMIT = statement(
	'krawall_session_rate_limit',
	['sessionId'],
	({ sessionId }) => sql`
		with att as (
			select m.seq, e.ord, (e.x->>'request')::int as req, (e.x->>'status')::int as status,
				e.x->>'errorType' as et, (e.x->>'success')::boolean as ok, (e.x ? 'retryAfterMs') as has_ra,
				(e.x->>'sentAt')::timestamptz as at
			from session_messages m
			cross join lateral jsonb_array_elements(coalesce(m.attempts, jsonb_build_array(jsonb_build_object(
				'status', m.http_status, 'errorType', m.error_type, 'success', m.success, 'sentAt', m.sent_at
			)))) with ordinality as e(x, ord)
			where m.session_id = ${sessionId}
		),
		lim as (select * from att where status = 429 or et = 'rate_limited' or (status = 503 and has_ra)),
		f as (select * from lim order by req nulls last, seq, ord limit 1)
		select
			(select count(*) from att)::int as requests,
			(select count(*) from lim)::int as events,
			f.seq, f.req, f.at,
			(select count(*) from att where ok and coalesce(att.req < f.req, att.seq < f.seq))::int as ok_before,
			(select count(*) from att where coalesce(att.req < f.req, att.seq < f.seq))::int as sent_before
		from (select 1) one left join f on true`,
)

/**
 * Rate-limit events over every attempt (docs/architecture.md §5): 429s, and 503s that carry a
 * Retry-After. The first is the lowest request number (send order, exact at any concurrency);
 * rows from before attempts were recorded count as one attempt each, in `seq` order.
 */
async function rateLimitOf(
	deps: Pick<Deps, 'database'>,
	sessionId: string,
	startedAt: Date | null,
): Promise<{ rateLimit: SummaryMetrics['rateLimit']; requests: number }> {
	const [r] = await RATE_LIMIT(deps.database.db, { sessionId })
	const events = Number(r.events)
	const at = r.at ? new Date(r.at as string) : null
	const elapsedMs = at && startedAt ? Math.max(0, at.getTime() - startedAt.getTime()) : null
	const sentBefore = Number(r.sent_before)
	return {
		requests: Number(r.requests),
		rateLimit: {
			events,
			limitMet: events > 0,
			firstAtMessage: num(r.seq),
			firstAtRequest: events ? (num(r.req) ?? sentBefore + 1) : null,
			messagesBeforeFirst: events ? Number(r.ok_before) : null,
			firstAt: at ? at.toISOString() : null,
			firstAfterMs: elapsedMs,
			requestsPerSecondBeforeFirst:
				events && elapsedMs ? r3(sentBefore / (elapsedMs / 1000)) : null,
		},
	}
}

/** What a budget allowed, what was spent (everything recorded, in-flight replies included) and by how much it went over. */
function budgetOf(
	b: { maxTokens?: number; maxCostUsd?: number; gracefulStopMs: number },
	tokens: number,
	cost: number,
	stopReason: string,
): NonNullable<SummaryMetrics['budget']> {
	const spentCostUsd = Math.round(cost * 1e9) / 1e9
	return {
		maxTokens: b.maxTokens ?? null,
		maxCostUsd: b.maxCostUsd ?? null,
		gracefulStopMs: b.gracefulStopMs,
		reached: /^(Token|Cost) budget reached/.test(stopReason),
		spentTokens: tokens,
		spentCostUsd,
		overshootTokens: b.maxTokens ? Math.max(0, tokens - b.maxTokens) : null,
		overshootCostUsd: b.maxCostUsd
			? Math.round(Math.max(0, cost - b.maxCostUsd) * 1e9) / 1e9
			: null,
	}
}
