import { eq, or } from 'drizzle-orm'
import { scenarios, sessions, targets } from '../db/schema'
import type { Deps } from '../deps'
import type { ReportFormat } from '../reports/model'
import { recentPace, type Pace } from '../metrics/timeseries'
import { renderSessionReport } from '../reports/render'
import { sessionReportData } from '../reports/service'
import { createFromTemplate } from '../scenarios/service'
import type { ExecuteBody } from '../sessions/model'
import { isTerminal } from '../sessions/model'
import { runClock, type SessionDetail } from '../sessions/present'
import { cancelSession, executeSession, getSession } from '../sessions/service'
import { createTarget, updateTarget } from '../targets/service'
import type { CreateTargetInput, UpdateTargetInput } from '../targets/model'
import { UsageError } from './args'

/** One progress line's figures, as `GET /api/sessions/:id` reports them in `progress`. */
export type RunProgress = {
	status: string
	messagesCompleted: number
	errorCount: number
	tokensTotal: number
	costUsd: number
	conversationsCompleted: number
	conversationsTotal: number
	/** Due starts dropped at the in-flight cap so far. */
	droppedConversations: number
	/** A run that time ends: its planned seconds, and the seconds since it started (present.ts runClock). */
	durationSec: number | null
	elapsedSec: number | null
}

/**
 * Where `krawall run` runs its session: this process (the embedded engine on its own database)
 * or a running Krawall server through its API (`--server`, src/cli/server-backend.ts). The run
 * itself — resolving the target and scenario, thresholds, baseline, JUnit, report and exit code —
 * is one code path (src/cli/run.ts) over either.
 */
export interface RunBackend {
	/** The id of the target (or scenario) whose id or exact name is `key`; undefined when none. */
	findTarget(key: string): Promise<string | undefined>
	findScenario(key: string): Promise<string | undefined>
	createTarget(input: CreateTargetInput): Promise<string>
	updateTarget(id: string, input: UpdateTargetInput): Promise<void>
	scenarioFromTemplate(templateId: string, name: string): Promise<string>
	/** `POST /api/execute`: the new session's id. */
	execute(body: ExecuteBody): Promise<string>
	/** Progress until the session is terminal; the last value yielded is the terminal one. */
	follow(sessionId: string): AsyncIterable<RunProgress>
	cancel(sessionId: string): Promise<void>
	/** `GET /api/sessions/:id`; throws NotFound for an unknown id (a `--baseline` probe). */
	session(sessionId: string): Promise<SessionDetail>
	report(sessionId: string, format: ReportFormat): Promise<string>
	/** The last few seconds' pace for the progress line (src/metrics/timeseries.ts); null before any. */
	pace(sessionId: string): Promise<Pace | null>
	/** Milliseconds, for throttling progress lines. */
	now(): number
}

/** Several rows named `key` are ambiguous: CI scripts must then name the id. */
export function pickByIdOrName(
	rows: { id: string; name: string }[],
	key: string,
	kind: 'target' | 'scenario',
): string | undefined {
	const byId = rows.find((r) => r.id === key)
	if (byId) return byId.id
	const byName = rows.filter((r) => r.name === key)
	if (byName.length > 1) throw new UsageError(`more than one ${kind} is named "${key}": use its id`)
	return byName[0]?.id
}

const POLL_MS = 500

/** The in-process backend: the app's own services on this process's database and workers. */
export function localBackend(deps: Deps): RunBackend {
	const find = async (table: typeof targets | typeof scenarios, key: string) => {
		const t = table as typeof targets
		const rows = await deps.db
			.select({ id: t.id, name: t.name })
			.from(t)
			.where(or(eq(t.id, key), eq(t.name, key)))
		return pickByIdOrName(rows, key, table === targets ? 'target' : 'scenario')
	}
	return {
		findTarget: (key) => find(targets, key),
		findScenario: (key) => find(scenarios, key),
		createTarget: async (input) => (await createTarget(deps, input)).id,
		updateTarget: async (id, input) => void (await updateTarget(deps, id, input)),
		scenarioFromTemplate: async (templateId, name) =>
			((await createFromTemplate(deps, templateId, { name })) as { id: string }).id,
		execute: async (body) => (await executeSession(deps, body)).sessionId,
		async *follow(sessionId) {
			for (;;) {
				const [row] = await deps.db.select().from(sessions).where(eq(sessions.id, sessionId))
				yield { ...row, ...runClock(row, deps.clock.now()) }
				if (isTerminal(row.status)) return
				await deps.clock.sleep(POLL_MS)
			}
		},
		cancel: async (sessionId) => void (await cancelSession(deps, sessionId)),
		session: (sessionId) => getSession(deps, sessionId),
		report: async (sessionId, format) =>
			renderSessionReport(await sessionReportData(deps, sessionId), format),
		pace: (sessionId) => recentPace(deps, sessionId),
		now: () => deps.clock.now().getTime(),
	}
}
