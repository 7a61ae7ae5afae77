import type { SessionDetail, SessionMessage } from '../../src/sessions/present'
import type { ReportLoad, ReportTarget } from '../../src/reports/model'
import { DASH, formatInteger, formatMs, formatPercent, formatRate, formatUsd } from '../ui/format'

/**
 * The figures a report shows, formatted once: the HTML report (session.tsx) and the Markdown
 * one (src/reports/markdown.ts) print the same strings. `key` marks each for tests (`data-figure`).
 */
type SummaryMetrics = NonNullable<SessionDetail['summaryMetrics']>

export type Figure = { key: string; label: string; value: string }

const f = (key: string, label: string, value: string): Figure => ({ key, label, value })

export function summaryFigures(m: SummaryMetrics): Figure[] {
	return [
		f('messages', 'Messages', formatInteger(m.totalMessages)),
		f('successful', 'Successful', formatInteger(m.successfulMessages)),
		f('failed', 'Failed', formatInteger(m.failedMessages)),
		f('error-rate', 'Error rate', formatPercent(m.errorRate)),
		f('conversations', 'Conversations', formatInteger(m.conversationsCompleted)),
		f('requests', 'Requests sent (every attempt)', formatInteger(m.requestsSent)),
		f('retries', 'Retries', formatInteger(m.retries)),
		f('avg', 'Response time, average', formatMs(m.avgResponseTimeMs)),
		f('p50', 'Response time p50', formatMs(m.p50ResponseTimeMs)),
		f('p95', 'Response time p95', formatMs(m.p95ResponseTimeMs)),
		f('p99', 'Response time p99', formatMs(m.p99ResponseTimeMs)),
		f('ttft-p50', 'Time to first token p50', m.ttft ? formatMs(m.ttft.p50Ms) : DASH),
		f('ttft-p95', 'Time to first token p95', m.ttft ? formatMs(m.ttft.p95Ms) : DASH),
		f('tpot-p50', 'Time per output token p50', m.tpot ? formatMs(m.tpot.p50Ms) : DASH),
		f('duration', 'Duration', formatMs(m.durationMs)),
		f('stop-reason', 'Stop reason', m.stopReason),
	]
}

export function costFigures(m: SummaryMetrics): Figure[] {
	const priced = m.totalMessages - m.unpricedMessages
	return [
		f('prompt-tokens', 'Input (prompt) tokens', formatInteger(m.promptTokens)),
		f('completion-tokens', 'Output (completion) tokens', formatInteger(m.completionTokens)),
		f('cached-tokens', 'Cached prompt tokens', formatInteger(m.cachedTokens)),
		f('total-tokens', 'Total tokens', formatInteger(m.totalTokens)),
		f('output-per-input', 'Output per input token', formatRate(m.outputInputTokenRatio)),
		f('tokens-estimated', 'Tokens estimated', m.tokensEstimated ? 'yes' : 'no'),
		f('total-cost', 'Total cost', formatUsd(m.totalCostUsd)),
		f('cost-per-conversation', 'Cost per conversation', formatUsd(m.costPerConversationUsd)),
		f(
			'cost-per-message',
			'Cost per priced message',
			priced > 0 ? formatUsd(m.totalCostUsd / priced) : DASH,
		),
		f('unpriced', 'Unpriced messages', formatInteger(m.unpricedMessages)),
		...(m.budget
			? [
					f(
						'budget',
						'Budget',
						[
							m.budget.maxCostUsd !== null ? `${formatUsd(m.budget.maxCostUsd)} max` : '',
							m.budget.maxTokens !== null ? `${formatInteger(m.budget.maxTokens)} tokens max` : '',
							m.budget.reached ? 'reached' : 'not reached',
						]
							.filter(Boolean)
							.join(' · '),
					),
				]
			: []),
	]
}

export function rateLimitFigures(m: SummaryMetrics): Figure[] {
	const r = m.rateLimit
	return [
		f('rl-events', 'Rate-limit responses (429 / 503 + Retry-After)', formatInteger(r.events)),
		f('rl-limit-met', 'Limit met', r.limitMet ? 'yes' : 'no'),
		f('rl-first-message', 'First at message #', formatInteger(r.firstAtMessage)),
		f('rl-first-request', 'First at request #', formatInteger(r.firstAtRequest)),
		f('rl-before', 'Successful requests before it', formatInteger(r.messagesBeforeFirst)),
		f('rl-after', 'After the start', formatMs(r.firstAfterMs)),
		f('rl-rate', 'Request rate until then (req/s)', formatRate(r.requestsPerSecondBeforeFirst)),
	]
}

export function targetFigures(t: ReportTarget): Figure[] {
	return [
		f('target-name', 'Name', t.name),
		f('connector', 'Connector', t.connectorType),
		f('endpoint', 'Endpoint', t.endpoint),
		f('auth-type', 'Authentication', t.authType),
		f('model', 'Model', t.model ?? DASH),
	]
}

export function loadFigures(l: ReportLoad): Figure[] {
	const opt = (v: number | null, fmt: (v: number) => string) => (v === null ? DASH : fmt(v))
	return [
		f('repetitions', 'Repetitions (conversations)', formatInteger(l.repetitions)),
		f('concurrency', 'Concurrency', formatInteger(l.concurrency)),
		f('delay', 'Delay between messages', formatMs(l.delayBetweenMs)),
		f('verbosity', 'Verbosity', l.verbosityLevel),
		f('timeout', 'Timeout per message', opt(l.timeoutMs, formatMs)),
		f('max-tokens', 'Token budget', opt(l.maxTokens, formatInteger)),
		f('max-cost', 'Cost budget', opt(l.maxCostUsd, formatUsd)),
	]
}

/** The first characters of an exchange's text, on one line. */
export const excerpt = (s: string | null, n = 80) => {
	const one = (s ?? '').replace(/\s+/g, ' ').trim()
	return one.length > n ? `${one.slice(0, n - 1)}…` : one
}

export type ExchangeRow = {
	seq: string
	conversation: string
	turn: string
	responseTime: string
	tokens: string
	cost: string
	outcome: string
	request: string
}

export const exchangeRow = (x: SessionMessage): ExchangeRow => ({
	seq: formatInteger(x.seq),
	conversation: formatInteger(x.conversationIndex + 1),
	turn: formatInteger(x.turnIndex + 1),
	responseTime: formatMs(x.responseTimeMs),
	tokens: `${formatInteger(x.promptTokens)} in / ${formatInteger(x.completionTokens)} out`,
	cost: formatUsd(x.costUsd),
	outcome: x.success ? `ok${x.httpStatus ? ` (${x.httpStatus})` : ''}` : (x.errorType ?? 'error'),
	request: excerpt(x.request),
})
