import { eq } from 'drizzle-orm'
import { scenarios, sessions, targets } from '../db/schema'
import type { Deps } from '../deps'
import { AppError } from '../http/errors'
import { findPreset } from '../presets/presets'
import { createFromTemplate } from '../scenarios/service'
import type { SummaryMetrics } from '../execution/summary-metrics'
import { isTerminal } from '../sessions/model'
import { cancelSession, executeSession, getSession } from '../sessions/service'
import { createTarget, updateTarget } from '../targets/service'
import { evaluateRegressions } from '../compare/regression'
import type { ThresholdOutcome } from '../compare/junit-run'
import { UsageError } from './args'
import { loadBaseline, renderComparison, writeJUnit, type Baseline } from './baseline'
import type { RunOptions } from './run-args'

type Out = { out: (s: string) => void; err: (s: string) => void }

/** Resolves an id or an exact name; names make CI scripts readable. */
async function findByIdOrName<T extends typeof targets | typeof scenarios>(
	deps: Pick<Deps, 'db'>,
	table: T,
	key: string,
) {
	const byId = await deps.db
		.select({ id: table.id })
		.from(table as typeof targets)
		.where(eq(table.id, key))
	if (byId[0]) return byId[0].id
	const byName = await deps.db
		.select({ id: table.id })
		.from(table as typeof targets)
		.where(eq(table.name, key))
	if (byName.length > 1)
		throw new UsageError(
			`more than one ${table === targets ? 'target' : 'scenario'} is named "${key}": use its id`,
		)
	return byName[0]?.id
}

async function resolveTarget(
	deps: Deps,
	o: RunOptions,
	env: Record<string, string | undefined>,
): Promise<string> {
	if (o.target) {
		const id = await findByIdOrName(deps, targets, o.target)
		if (!id) throw new UsageError(`no target with id or name "${o.target}"`)
		return id
	}
	const preset = findPreset(o.preset!)
	if (!preset) throw new UsageError(`unknown preset "${o.preset}"`)
	let secret: string | undefined
	if (o.apiKeyEnv) {
		secret = env[o.apiKeyEnv]
		if (!secret) throw new UsageError(`${o.apiKeyEnv} is not set`)
	}
	const key = preset.authFields.find((f) => f.type === 'password')?.key
	const authConfig: Record<string, string> = { ...(preset.authConfigDefaults ?? {}) }
	if (key && secret) authConfig[key] = secret
	const name = `cli: ${preset.id} ${o.endpoint}`.slice(0, 100)
	const fields = {
		endpoint: o.endpoint!,
		authType: preset.authType,
		authConfig,
		requestTemplate: preset.requestTemplate,
		responseTemplate: preset.responseTemplate,
		protocolConfig: preset.protocolConfig,
		connectorType: preset.connectorType,
		isActive: true,
	}
	const existing = await findByIdOrName(deps, targets, name)
	if (existing) {
		await updateTarget(deps, existing, fields as never)
		return existing
	}
	const created = await createTarget(deps, {
		...fields,
		name,
		presetId: preset.id,
		pricing: preset.pricing,
	} as never)
	return created.id
}

async function resolveScenario(deps: Deps, o: RunOptions): Promise<string | undefined> {
	if (o.scenario) {
		const id = await findByIdOrName(deps, scenarios, o.scenario)
		if (!id) throw new UsageError(`no scenario with id or name "${o.scenario}"`)
		return id
	}
	if (o.template) {
		const created = await createFromTemplate(deps, o.template)
		return (created as { id: string }).id
	}
	return undefined
}

const fmt = (n: number | null | undefined, digits = 0) =>
	n === null || n === undefined
		? '–'
		: n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
const usd = (n: number | null | undefined) =>
	n === null || n === undefined ? '–' : `$${n.toFixed(n === 0 ? 2 : n < 0.01 ? 6 : n < 1 ? 4 : 2)}`

/** The thresholds a CI job sets, each with its verdict; a failure's message is one readable line. */
function checkThresholds(o: RunOptions, s: SummaryMetrics): ThresholdOutcome[] {
	const out: ThresholdOutcome[] = []
	const check = (name: string, passed: boolean, failed: string, ok: string) =>
		out.push({ name, passed, message: passed ? ok : failed })
	if (o.failOnErrorRate !== undefined) {
		check(
			`error rate ≤ ${o.failOnErrorRate} %`,
			s.errorRate <= o.failOnErrorRate,
			`error rate ${fmt(s.errorRate, 2)} % exceeds ${o.failOnErrorRate} %`,
			`error rate ${fmt(s.errorRate, 2)} %`,
		)
	}
	if (o.failOnP95Ms !== undefined) {
		check(
			`p95 ≤ ${o.failOnP95Ms} ms`,
			(s.p95ResponseTimeMs ?? 0) <= o.failOnP95Ms,
			`p95 response time ${fmt(s.p95ResponseTimeMs, 1)} ms exceeds ${o.failOnP95Ms} ms`,
			`p95 response time ${fmt(s.p95ResponseTimeMs, 1)} ms`,
		)
	}
	if (o.failOnCostUsd !== undefined) {
		check(
			`cost ≤ ${usd(o.failOnCostUsd)}`,
			s.totalCostUsd <= o.failOnCostUsd,
			`cost ${usd(s.totalCostUsd)} exceeds ${usd(o.failOnCostUsd)}`,
			`cost ${usd(s.totalCostUsd)}`,
		)
	}
	if (o.expectRateLimit) {
		check(
			'rate limit met',
			s.rateLimit.limitMet,
			`no rate limit met: the target answered all ${s.totalMessages} messages without a 429`,
			`first 429 after ${s.rateLimit.messagesBeforeFirst} message(s)`,
		)
	}
	return out
}

function renderSummary(s: SummaryMetrics, status: string): string {
	const rl = s.rateLimit.limitMet
		? `first 429 after ${s.rateLimit.messagesBeforeFirst} message(s); ${s.rateLimit.events} in all`
		: 'none met'
	const rows: [string, string][] = [
		['status', status + (s.stopReason && s.stopReason !== 'completed' ? ` (${s.stopReason})` : '')],
		[
			'messages',
			`${fmt(s.totalMessages)} (${fmt(s.failedMessages)} failed, ${fmt(s.errorRate, 2)} %)`,
		],
		[
			'response time',
			`avg ${fmt(s.avgResponseTimeMs, 1)} · p50 ${fmt(s.p50ResponseTimeMs, 1)} · p95 ${fmt(s.p95ResponseTimeMs, 1)} · p99 ${fmt(s.p99ResponseTimeMs, 1)} ms`,
		],
		[
			'time to first token',
			s.ttft ? `avg ${fmt(s.ttft.avgMs, 1)} · p95 ${fmt(s.ttft.p95Ms, 1)} ms` : '– (not streamed)',
		],
		[
			'tokens',
			`${fmt(s.totalTokens)} (${fmt(s.promptTokens)} in, ${fmt(s.completionTokens)} out${s.tokensEstimated ? ', estimated' : ''})`,
		],
		['output per input token', fmt(s.outputInputTokenRatio, 2)],
		[
			'cost',
			`${usd(s.totalCostUsd)}${s.unpricedMessages ? ` (${s.unpricedMessages} message(s) unpriced)` : ''}`,
		],
		['throughput', `${fmt(s.messagesPerSecond, 2)} msg/s · ${fmt(s.tokensPerSecond, 0)} tokens/s`],
		['rate limit', rl],
		['duration', `${fmt((s.durationMs ?? 0) / 1000, 1)} s`],
	]
	const width = Math.max(...rows.map(([k]) => k.length))
	return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n')
}

/**
 * Runs one session to its end and reports it. The session is created exactly as
 * `POST /api/execute` creates it and runs on the normal workers (the embedded one here).
 */
export async function runHeadless(
	deps: Deps,
	o: RunOptions,
	io: Out,
	env: Record<string, string | undefined> = {},
	signal?: AbortSignal,
): Promise<number> {
	let sessionId: string
	let baseline: Baseline | undefined
	try {
		if (o.baseline) baseline = await loadBaseline(deps, o.baseline)
		const targetId = await resolveTarget(deps, o, env)
		const scenarioId = await resolveScenario(deps, o)
		const executionConfig = Object.fromEntries(
			Object.entries({
				customMessages: o.messages.length ? o.messages : undefined,
				repetitions: o.repetitions,
				concurrency: o.concurrency,
				delayBetweenMs: o.delayMs,
				verbosityLevel: o.verbosity,
				maxTokens: o.maxTokens,
				maxCostUsd: o.maxCostUsd,
				timeoutMs: o.timeoutMs,
			}).filter(([, v]) => v !== undefined),
		)
		;({ sessionId } = await executeSession(deps, { targetId, scenarioId, executionConfig }))
	} catch (e) {
		if (e instanceof AppError) {
			const details = e.details?.map((d) => `\n  ${d.path.join('.')}: ${d.message}`).join('') ?? ''
			io.err(`krawall run: ${e.error}${e.detailMessage ? `: ${e.detailMessage}` : ''}${details}\n`)
			return 2
		}
		throw e
	}
	io.err(`session ${sessionId} queued\n`)
	let cancelled = false
	signal?.addEventListener('abort', () => {
		cancelled = true
		io.err('cancelling…\n')
		void cancelSession(deps, sessionId).catch((e) =>
			io.err(`could not cancel: ${e instanceof Error ? e.message : String(e)}\n`),
		)
	})
	let last = ''
	for (;;) {
		const [row] = await deps.db.select().from(sessions).where(eq(sessions.id, sessionId))
		const line = `[${row.status}] ${row.messagesCompleted} messages · ${row.errorCount} errors · ${row.tokensTotal} tokens · ${usd(row.costUsd)} · ${row.conversationsCompleted}/${row.conversationsTotal} conversations`
		if (line !== last) io.err(line + '\n')
		last = line
		if (isTerminal(row.status)) break
		await deps.clock.sleep(cancelled ? 100 : 500)
	}
	const session = await getSession(deps, sessionId)
	const summary = session.summaryMetrics
	const thresholds = summary ? checkThresholds(o, summary) : []
	const verdict =
		baseline && summary
			? evaluateRegressions(baseline.summary, summary, o.failOnRegression)
			: undefined
	if (o.junit) {
		writeJUnit(o.junit, {
			sessionId,
			name: `${session.scenario?.name ?? 'custom messages'} → ${session.target?.name ?? 'target'}`,
			startedAt: session.startedAt,
			durationMs: summary?.durationMs ?? null,
			status: session.status,
			thresholds,
			verdict,
			baseline,
		})
	}
	if (o.json) {
		const regression = verdict && { baseline: baseline!.sessionId ?? baseline!.ref, ...verdict }
		io.out(JSON.stringify(regression ? { ...session, regression } : session, null, 2) + '\n')
	}
	if (!summary) {
		io.err(`session ${session.status}${session.error ? `: ${session.error}` : ''}\n`)
		return 1
	}
	if (!o.json) io.out(`\nsession ${sessionId}\n${renderSummary(summary, session.status)}\n`)
	if (baseline && !o.json) io.out(`\n${renderComparison(baseline, summary)}\n`)
	if (session.status !== 'COMPLETED') {
		io.err(`session ${session.status}${session.error ? `: ${session.error}` : ''}\n`)
		return 1
	}
	const failures = thresholds.filter((t) => !t.passed)
	for (const f of failures) io.err(`threshold failed: ${f.message}\n`)
	const regressed = verdict?.checks.filter((c) => c.status !== 'pass') ?? []
	for (const r of regressed) io.err(`regression: ${r.message}\n`)
	return failures.length || regressed.length ? 3 : 0
}
