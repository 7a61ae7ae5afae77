import type { Deps } from '../deps'
import { AppError } from '../http/errors'
import { findPreset } from '../presets/presets'
import type { SummaryMetrics } from '../execution/summary-metrics'
import { evaluateRegressions } from '../compare/regression'
import type { ThresholdOutcome } from '../compare/junit-run'
import type { CreateTargetInput } from '../targets/model'
import { UsageError } from './args'
import { isTerminal } from '../sessions/model'
import { localBackend, type RunBackend, type RunProgress } from './backend'
import { loadBaseline, renderComparison, writeJUnit, type Baseline } from './baseline'
import type { RunOptions } from './run-args'
import { serverBackend, ServerError } from './server-backend'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

/** Where the run writes; `tty` when stderr is a terminal (progress then updates one line in place). */
type Out = { out: (s: string) => void; err: (s: string) => void; tty?: boolean }

/** The target of a run: an id or exact name, else the "cli: <preset> <endpoint>" target, created or updated. */
export async function resolveTarget(
	b: RunBackend,
	o: Pick<RunOptions, 'target' | 'preset' | 'endpoint' | 'apiKeyEnv'>,
	env: Record<string, string | undefined>,
): Promise<string> {
	if (o.target) {
		const id = await b.findTarget(o.target)
		if (!id) throw new UsageError(`no target with id or name "${o.target}"`)
		return id
	}
	const preset = findPreset(o.preset!)
	if (!preset) throw new UsageError(`unknown preset "${o.preset}"`)
	const key = preset.authFields.find((f) => f.type === 'password')?.key
	if (key && !o.apiKeyEnv)
		throw new UsageError(
			`the ${preset.id} preset needs an API key: pass --api-key-env NAME (the variable holding the key)`,
		)
	let secret: string | undefined
	if (o.apiKeyEnv) {
		secret = env[o.apiKeyEnv]
		if (!secret)
			throw new UsageError(
				`${o.apiKeyEnv} is not set: export the key in it, or pass --api-key-env NAME (the variable holding the key)`,
			)
	}
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
	} as Omit<CreateTargetInput, 'name'>
	const existing = await b.findTarget(name)
	if (existing) {
		await b.updateTarget(existing, fields)
		return existing
	}
	return b.createTarget({ ...fields, name, presetId: preset.id, pricing: preset.pricing })
}

async function resolveScenario(b: RunBackend, o: RunOptions): Promise<string | undefined> {
	if (o.scenario) {
		const id = await b.findScenario(o.scenario)
		if (!id) throw new UsageError(`no scenario with id or name "${o.scenario}"`)
		return id
	}
	if (o.template) {
		// One stored copy per template, reused by every later run (like the "cli: …" targets).
		const name = `cli: template ${o.template}`.slice(0, 100)
		return (await b.findScenario(name)) ?? (await b.scenarioFromTemplate(o.template, name))
	}
	return undefined
}

const fmt = (n: number | null | undefined, digits = 0) =>
	n === null || n === undefined
		? '–'
		: n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
const usd = (n: number | null | undefined) =>
	n === null || n === undefined ? '–' : `$${n.toFixed(n === 0 ? 2 : n < 0.01 ? 6 : n < 1 ? 4 : 2)}`

/** One threshold's verdict: shown as a ✓/✗ line and carried in `--json` (`thresholds`). */
export type ThresholdVerdict = {
	name: string
	limit: number | boolean
	actual: number | boolean | null
	passed: boolean
	/** Built in (every message failed, auth errors): exit 1 unless --allow-errors. */
	builtIn: boolean
	text: string
}

/** The thresholds a CI job sets, plus the built-in failure checks unless `--allow-errors`. */
export function evaluateThresholds(o: RunOptions, s: SummaryMetrics): ThresholdVerdict[] {
	const v: ThresholdVerdict[] = []
	if (!o.allowErrors) {
		const allFailed = s.totalMessages > 0 && s.failedMessages === s.totalMessages
		v.push({
			name: 'notEveryMessageFailed',
			limit: true,
			actual: !allFailed,
			passed: !allFailed,
			builtIn: true,
			text: allFailed
				? `every message failed (${fmt(s.failedMessages)} of ${fmt(s.totalMessages)}; --allow-errors to accept)`
				: `not every message failed (${fmt(s.failedMessages)} of ${fmt(s.totalMessages)} failed)`,
		})
		const auth = s.errorsByType.auth_error ?? 0
		v.push({
			name: 'noAuthErrors',
			limit: 0,
			actual: auth,
			passed: auth === 0,
			builtIn: true,
			text: auth
				? `${auth} auth error(s): the target refused the credentials (--allow-errors to accept)`
				: 'no auth errors',
		})
	}
	if (o.failOnErrorRate !== undefined) {
		const passed = s.errorRate <= o.failOnErrorRate
		v.push({
			name: 'errorRate',
			limit: o.failOnErrorRate,
			actual: s.errorRate,
			passed,
			builtIn: false,
			text: `error rate ${fmt(s.errorRate, 2)} % ${passed ? '≤' : 'exceeds'} ${o.failOnErrorRate} %`,
		})
	}
	if (o.failOnP95Ms !== undefined) {
		const passed = (s.p95ResponseTimeMs ?? 0) <= o.failOnP95Ms
		v.push({
			name: 'p95ResponseTimeMs',
			limit: o.failOnP95Ms,
			actual: s.p95ResponseTimeMs,
			passed,
			builtIn: false,
			text: `p95 response time ${fmt(s.p95ResponseTimeMs, 1)} ms ${passed ? '≤' : 'exceeds'} ${o.failOnP95Ms} ms`,
		})
	}
	if (o.failOnCostUsd !== undefined) {
		const passed = s.totalCostUsd <= o.failOnCostUsd
		v.push({
			name: 'totalCostUsd',
			limit: o.failOnCostUsd,
			actual: s.totalCostUsd,
			passed,
			builtIn: false,
			text: `cost ${usd(s.totalCostUsd)} ${passed ? '≤' : 'exceeds'} ${usd(o.failOnCostUsd)}`,
		})
	}
	if (o.expectRateLimit) {
		const passed = s.rateLimit.limitMet
		v.push({
			name: 'rateLimitMet',
			limit: true,
			actual: passed,
			passed,
			builtIn: false,
			text: passed
				? `rate limit met (${s.rateLimit.events} event(s))`
				: `no rate limit met: the target answered all ${s.totalMessages} messages without a 429`,
		})
	}
	return v
}

/** A verdict as the JUnit writer takes it (one test case per threshold). */
const toOutcome = (v: ThresholdVerdict): ThresholdOutcome => ({
	name: v.name,
	passed: v.passed,
	message: v.text,
})

const errorsLine = (byType: Record<string, number>) => {
	const entries = Object.entries(byType).sort((a, b) => b[1] - a[1])
	return entries.length ? entries.map(([t, n]) => `${t} ${fmt(n)}`).join(' · ') : 'none'
}

/** A load model's lines (docs/architecture.md §5): what it asked, drops, latency from the schedule. */
function loadRows(s: SummaryMetrics): [string, string][] {
	if (!s.load) return []
	const m = s.load.model
	const what =
		m.type === 'arrival'
			? `arrival ${fmt(m.rate, 2)}/s for ${fmt(m.durationSec, 1)} s (${m.distribution ?? 'constant'}, at most ${fmt(m.maxInFlight)} in flight)`
			: m.type === 'stages'
				? `stages ${m.stages.map((x) => `${fmt(x.durationSec, 1)}s:${x.rate ?? `${x.concurrency}c`}`).join(',')}`
				: `closed${m.durationSec ? ` for ${fmt(m.durationSec, 1)} s` : ''}`
	const pct = (d: { p50Ms: number; p95Ms: number; p99Ms: number } | null | undefined) =>
		d ? `p50 ${fmt(d.p50Ms, 1)} · p95 ${fmt(d.p95Ms, 1)} · p99 ${fmt(d.p99Ms, 1)} ms` : '–'
	return [
		[
			'load model',
			`${what} · ${fmt(s.load.startedConversations)} started, ${fmt(s.load.droppedConversations)} dropped`,
		],
		['latency from schedule', pct(s.scheduledLatency)],
		['service time', pct(s.totalTime)],
	]
}

/** The CLI's summary block (exported for tests). */
export function renderSummary(s: SummaryMetrics, status: string): string {
	// In send order, over every attempt (docs/architecture.md §5).
	const r = s.rateLimit
	const rl = r.limitMet
		? `first 429 at request ${r.firstAtRequest} (after ${r.messagesBeforeFirst} successful, ${fmt(r.firstAfterMs)} ms${r.requestsPerSecondBeforeFirst === null ? '' : `, ${fmt(r.requestsPerSecondBeforeFirst, 1)} req/s`}); ${r.events} in all`
		: 'none met'
	const rows: [string, string][] = [
		['status', status + (s.stopReason && s.stopReason !== 'completed' ? ` (${s.stopReason})` : '')],
		[
			'messages',
			`${fmt(s.totalMessages)} (${fmt(s.failedMessages)} failed, ${fmt(s.errorRate, 2)} %)`,
		],
		['errors by type', errorsLine(s.errorsByType)],
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
		...loadRows(s),
	]
	const width = Math.max(...rows.map(([k]) => k.length))
	const lg = s.loadGenerator
	// docs/architecture.md §5: the generator's own saturation makes its latencies suspect.
	const warn = lg?.suspect ? `\n  ⚠ latencies suspect: ${lg.reasons.join('; ')}` : ''
	return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n') + warn
}

const verdictLines = (verdicts: ThresholdVerdict[]) =>
	verdicts.map((v) => `  ${v.passed ? '✓' : '✗'} ${v.text}`).join('\n')

/**
 * The current pace while the run goes: the last 5 stored seconds (docs/architecture.md §5 "Time
 * series"; p95 from their merged sketches, ±1 %).
 */
async function paceText(b: RunBackend, sessionId: string) {
	const p = await b.pace(sessionId).catch(() => null)
	if (!p) return ''
	const p95 = p.p95Ms === null ? '–' : `${fmt(p.p95Ms, 1)} ms`
	return ` | now ${fmt(p.perSecond, 1)}/s · p95 ${p95} · ${fmt(p.errorsPerSecond, 1)} errors/s · ${usd(p.usdPerMinute)}/min`
}

/**
 * The progress line's conversations: done of planned; for a run that time ends, the elapsed of
 * the planned seconds too (its conversation total is 0, or a plan drops may keep it from), and the
 * due starts dropped at the in-flight cap once there are any.
 */
function conversationsText(p: RunProgress) {
	const done = p.conversationsTotal
		? `${p.conversationsCompleted}/${p.conversationsTotal} conversations`
		: `${p.conversationsCompleted} conversations`
	const time =
		p.durationSec != null
			? ` · ${fmt(Math.min(p.elapsedSec ?? 0, p.durationSec), 0)}/${fmt(p.durationSec, 0)} s`
			: ''
	const dropped = p.droppedConversations ? ` · ${p.droppedConversations} dropped` : ''
	return done + time + dropped
}

/** How often a non-terminal stderr gets a plain progress line (a terminal updates in place). */
const PLAIN_PROGRESS_MS = 5000

/**
 * Runs one session to its end and reports it. The session is created exactly as
 * `POST /api/execute` creates it and runs on the normal workers (the embedded one here).
 * `--workers` in the embedded mode is accepted as the API accepts it, and said to be one shard.
 */
export const runHeadless = (
	deps: Deps,
	o: RunOptions,
	io: Out,
	env: Record<string, string | undefined> = {},
	signal?: AbortSignal,
): Promise<number> => {
	const workers = o.load?.workers
	if (workers !== undefined && workers !== 1 && deps.queue.kind === 'memory')
		io.err(
			`note: --workers ${workers}: in the embedded mode (no REDIS_URL) the run is one shard, in this process; split runs need DATABASE_URL, REDIS_URL and krawall --worker processes\n`,
		)
	return runOn(localBackend(deps), o, io, env, signal)
}

/**
 * `krawall run --server URL`: the same run on a Krawall server through its API. The token is
 * read from the environment (KRAWALL_API_TOKEN or `--server-token-env`) and only ever sent as
 * the Authorization header.
 */
export function runOnServer(
	o: RunOptions,
	io: Out,
	env: Record<string, string | undefined> = {},
	signal?: AbortSignal,
): Promise<number> {
	const tokenVar = o.serverTokenEnv ?? 'KRAWALL_API_TOKEN'
	const token = env[tokenVar] || undefined
	if (o.serverTokenEnv && !token) {
		io.err(`krawall run: ${tokenVar} is not set: export the server's API token in it\n`)
		return Promise.resolve(2)
	}
	return runOn(serverBackend({ url: o.server!, token }), o, io, env, signal)
}

/**
 * The run on either backend (src/cli/backend.ts). A server that cannot be reached or refuses the
 * token ends it with the ServerError's own exit code, whenever it happens.
 */
export async function runOn(
	b: RunBackend,
	o: RunOptions,
	io: Out,
	env: Record<string, string | undefined> = {},
	signal?: AbortSignal,
): Promise<number> {
	try {
		return await runSession(b, o, io, env, signal)
	} catch (e) {
		if (!(e instanceof ServerError)) throw e
		io.err(`krawall run: ${e.message}\n`)
		return e.exitCode
	}
}

async function runSession(
	b: RunBackend,
	o: RunOptions,
	io: Out,
	env: Record<string, string | undefined>,
	signal?: AbortSignal,
): Promise<number> {
	let sessionId: string
	let baseline: Baseline | undefined
	try {
		if (o.baseline) baseline = await loadBaseline((id) => b.session(id), o.baseline)
		const targetId = await resolveTarget(b, o, env)
		const scenarioId = await resolveScenario(b, o)
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
				load: o.load,
			}).filter(([, v]) => v !== undefined),
		)
		sessionId = await b.execute({ targetId, scenarioId, executionConfig })
	} catch (e) {
		if (e instanceof AppError) {
			const details = e.details?.map((d) => `\n  ${d.path.join('.')}: ${d.message}`).join('') ?? ''
			io.err(`krawall run: ${e.error}${e.detailMessage ? `: ${e.detailMessage}` : ''}${details}\n`)
			return 2
		}
		throw e
	}
	io.err(`session ${sessionId} queued\n`)
	signal?.addEventListener('abort', () => {
		io.err('cancelling…\n')
		void b
			.cancel(sessionId)
			.catch((e) => io.err(`could not cancel: ${e instanceof Error ? e.message : String(e)}\n`))
	})
	// A terminal gets one line rewritten in place; a log (CI) a plain line on each status change
	// and at most every PLAIN_PROGRESS_MS otherwise, and always the final one.
	let last = ''
	let lastStatus = ''
	let lastAt = -Infinity
	for await (const row of b.follow(sessionId)) {
		const done = isTerminal(row.status)
		const line = `[${row.status}] ${row.messagesCompleted} messages · ${row.errorCount} errors · ${row.tokensTotal} tokens · ${usd(row.costUsd)} · ${conversationsText(row)}${done ? '' : await paceText(b, sessionId)}`
		const now = b.now()
		if (io.tty) {
			if (line !== last) io.err(`\r\x1b[K${line}${done ? '\n' : ''}`)
			else if (done) io.err('\n')
		} else if (
			line !== last &&
			(done || row.status !== lastStatus || now - lastAt >= PLAIN_PROGRESS_MS)
		) {
			io.err(line + '\n')
			lastAt = now
			lastStatus = row.status
		}
		last = line
	}
	const session = await b.session(sessionId)
	const summary = session.summaryMetrics
	const verdicts = summary ? evaluateThresholds(o, summary) : []
	const verdict =
		baseline && summary
			? evaluateRegressions(baseline.summary, summary, o.failOnRegression)
			: undefined
	if (o.junit) {
		writeJUnit(o.junit, {
			sessionId,
			name: `${session.scenario?.name ?? 'custom messages'} → ${session.target?.name ?? 'target'}`,
			// A Date in process, an ISO string from the server's JSON.
			startedAt: session.startedAt ? new Date(session.startedAt) : null,
			durationMs: summary?.durationMs ?? null,
			status: session.status,
			thresholds: verdicts.map(toOutcome),
			verdict,
			baseline,
		})
	}
	if (o.report && summary) await writeReport(b, sessionId, o.report, io)
	if (o.json) {
		const regression = verdict && { baseline: baseline!.sessionId ?? baseline!.ref, ...verdict }
		const out = { ...session, thresholds: verdicts, ...(regression ? { regression } : {}) }
		io.out(JSON.stringify(out, null, 2) + '\n')
	}
	if (!summary) {
		io.err(`session ${session.status}${session.error ? `: ${session.error}` : ''}\n`)
		return 1
	}
	if (!o.json) {
		const checks = verdicts.length ? `\n\n  thresholds\n${verdictLines(verdicts)}` : ''
		io.out(`\nsession ${sessionId}\n${renderSummary(summary, session.status)}${checks}\n`)
	}
	if (baseline && !o.json) io.out(`\n${renderComparison(baseline, summary)}\n`)
	if (session.status !== 'COMPLETED') {
		io.err(`session ${session.status}${session.error ? `: ${session.error}` : ''}\n`)
		return 1
	}
	const failed = verdicts.filter((v) => !v.passed)
	for (const f of failed)
		io.err(`${f.builtIn ? 'session failed' : 'threshold failed'}: ${f.text}\n`)
	const regressed = verdict?.checks.filter((c) => c.status !== 'pass') ?? []
	for (const r of regressed) io.err(`regression: ${r.message}\n`)
	if (failed.some((f) => f.builtIn)) return 1
	return failed.length || regressed.length ? 3 : 0
}

/** `--report <path>`: the API's report (docs/architecture.md §5 "Reports"), Markdown for `.md`. */
async function writeReport(b: RunBackend, sessionId: string, path: string, io: Out) {
	const format = path.toLowerCase().endsWith('.md') ? 'md' : 'html'
	const body = await b.report(sessionId, format)
	mkdirSync(dirname(path), { recursive: true })
	writeFileSync(path, body)
	io.err(`report written to ${path}\n`)
}
