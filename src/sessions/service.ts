import { newId } from '../ids'
import { and, count, desc, eq, getTableColumns, gt, inArray, ne, type SQL } from 'drizzle-orm'
import { rm } from 'node:fs/promises'
import type { Deps } from '../deps'
import { versioned } from '../db/versioned'
import { scenarios, sessionMessages, sessions, sessionShards, targets } from '../db/schema'
import { flowFromMessages } from '../engine/interpreter'
import { plannedMessages, validateFlow } from '../engine/flow-validation'
import { Conflict, detail, Invalid, NotFound, Unavailable } from '../http/errors'
import { resolvePricing, templateModel } from '../pricing/cost'
import { cancelChannel, publishSessionEvent } from './events'
import { sessionLogDir, sessionLogPath } from './log-path'
import {
	isTerminal,
	SESSION_RUN_JOB,
	type ExecuteBody,
	type ListQuery,
	type LoadInput,
	type SessionRunJob,
} from './model'
import { presentListItem, presentMessage, presentSession } from './present'
import type { ExecutionSnapshot, LoadModel, ScenarioSnapshot, TargetSnapshot } from './snapshot'
import { loadModelOf } from './load-input'
import { plannedConversations } from '../execution/load'
import { settleShards } from '../execution/shard'
import { assertStorableText } from '../db/text'
import { isPlausibleId } from './text'
import { notifySessionEnded } from './notify'

type Ctx = Pick<Deps, 'db' | 'database' | 'queue' | 'bus' | 'clock' | 'log' | 'config'>

const splitLines = (s: string) =>
	s
		.split(/\r?\n/)
		.map((l) => l.trim())
		.filter(Boolean)

/** Freezes the target as it is now; its auth stays the encrypted envelope it is stored as. */
const targetSnapshot = (t: typeof targets.$inferSelect): TargetSnapshot => ({
	id: t.id,
	name: t.name,
	connectorType: t.connectorType,
	endpoint: t.endpoint,
	authType: t.authType,
	authConfig: t.authConfig,
	requestTemplate: t.requestTemplate,
	responseTemplate: t.responseTemplate,
	protocolConfig: t.protocolConfig ?? null,
	pricing: t.pricing ?? null,
	presetId: t.presetId ?? null,
})

const scenarioSnapshot = (s: typeof scenarios.$inferSelect): ScenarioSnapshot => ({
	id: s.id,
	name: s.name,
	category: s.category,
	flowConfig: s.flowConfig,
	errorHandling: s.errorHandling ?? null,
	messageTemplates: s.messageTemplates ?? {},
})

async function enqueueRun(deps: Pick<Deps, 'queue'>, sessionId: string) {
	const data: SessionRunJob = { sessionId }
	await deps.queue.enqueue(SESSION_RUN_JOB, data, { jobId: sessionId })
}

/** The flow a snapshot runs (as src/execution/runner.ts reads it). */
const snapshotFlow = (s: ExecutionSnapshot) =>
	s.scenario ? s.scenario.flowConfig : flowFromMessages(s.customMessages ?? [])

/** Inserts a QUEUED session with a frozen snapshot and enqueues its run (jobId = session id). */
async function queueSession(
	deps: Ctx,
	values: {
		targetId: string
		scenarioId: string | null
		snapshot: ExecutionSnapshot
		conversations: number
		batchId?: string | null
		scheduleId?: string | null
	},
) {
	const id = newId()
	await deps.db.insert(sessions).values({
		id,
		targetId: values.targetId,
		scenarioId: values.scenarioId,
		batchId: values.batchId ?? null,
		scheduleId: values.scheduleId ?? null,
		status: 'QUEUED',
		executionConfig: values.snapshot,
		logPath: sessionLogPath(id),
		conversationsTotal: values.conversations,
		// Planned when the flow has a fixed length, else 0 ("unknown": progress counts conversations).
		messagesTotal: (plannedMessages(snapshotFlow(values.snapshot)) ?? 0) * values.conversations,
	})
	try {
		await enqueueRun(deps, id)
	} catch (e) {
		await deps.db
			.update(sessions)
			.set({
				status: 'FAILED',
				error: 'Could not queue the session',
				completedAt: deps.clock.now(),
			})
			.where(eq(sessions.id, id))
		deps.log.error('enqueue failed', { sessionId: id, error: e })
		throw new Unavailable('Queue unavailable', 'The session could not be queued; try again later')
	}
	return { sessionId: id, status: 'QUEUED' as const, message: 'Session queued for execution' }
}

/**
 * POST /api/execute, and scheduled runs: validates, freezes the executionConfig snapshot,
 * creates the session QUEUED and enqueues `session.run` with `{ sessionId }`.
 */
export async function executeSession(
	deps: Ctx,
	input: ExecuteBody,
	links: { batchId?: string; scheduleId?: string } = {},
) {
	return queuePrepared(deps, await prepareExecution(deps, input), links)
}

export type PreparedExecution = Awaited<ReturnType<typeof prepareExecution>>

/** Creates and enqueues the session of an execution `prepareExecution` validated. */
export const queuePrepared = (
	deps: Ctx,
	p: PreparedExecution,
	links: { batchId?: string; scheduleId?: string } = {},
) => queueSession(deps, { ...p, ...links })

/**
 * Everything POST /api/execute checks, and the frozen snapshot, with nothing written: a batch
 * prepares all its targets before it creates any session (docs/architecture.md §4).
 */
export async function prepareExecution(deps: Ctx, input: ExecuteBody) {
	assertStorableText(input)
	const ec = input.executionConfig ?? {}
	const customMessages =
		typeof ec.customMessages === 'string' ? splitLines(ec.customMessages) : ec.customMessages
	if (!input.scenarioId && !customMessages?.length) {
		throw new Invalid('Either scenarioId or executionConfig.customMessages is required')
	}
	if (customMessages?.length && !input.scenarioId) {
		// Unknown {{variables}} are an error now, not an empty string at run time (docs/architecture.md §4).
		const problems = validateFlow(flowFromMessages(customMessages), {
			messageTemplates: ec.messageTemplates ?? {},
			path: [],
		})
		if (problems.length) {
			throw new Invalid(
				problems.map((d) => ({
					...d,
					path: ['executionConfig', 'customMessages', ...d.path.slice(0, 1)],
				})),
			)
		}
	}
	const [target] = isPlausibleId(input.targetId)
		? await deps.db.select().from(targets).where(eq(targets.id, input.targetId))
		: []
	if (!target) throw new NotFound('Target not found')
	if (!target.isActive)
		throw new Conflict('Target is inactive', 'Activate the target before executing against it.')
	assertCostBudgetPriced(target, ec)
	let scenario: typeof scenarios.$inferSelect | undefined
	if (input.scenarioId) {
		;[scenario] = isPlausibleId(input.scenarioId)
			? await deps.db.select().from(scenarios).where(eq(scenarios.id, input.scenarioId))
			: []
		if (!scenario) throw new NotFound('Scenario not found')
		if (!scenario.isActive)
			throw new Conflict('Scenario is inactive', 'Activate the scenario before executing it.')
	}
	const repetitions = ec.repetitions ?? scenario?.repetitions ?? 1
	const concurrency = ec.concurrency ?? scenario?.concurrency ?? 1
	const snapshot: ExecutionSnapshot = {
		repetitions,
		concurrency,
		delayBetweenMs: ec.delayBetweenMs ?? scenario?.delayBetweenMs ?? 0,
		// A text column: the scenario schema admits only these three values.
		verbosityLevel: (ec.verbosityLevel ??
			scenario?.verbosityLevel ??
			'normal') as ExecutionSnapshot['verbosityLevel'],
		messageTemplates: { ...(scenario?.messageTemplates ?? {}), ...(ec.messageTemplates ?? {}) },
		...(customMessages?.length ? { customMessages } : {}),
		...(ec.maxTokens !== undefined ? { maxTokens: ec.maxTokens } : {}),
		...(ec.maxCostUsd !== undefined ? { maxCostUsd: ec.maxCostUsd } : {}),
		...(ec.gracefulStopMs !== undefined ? { gracefulStopMs: ec.gracefulStopMs } : {}),
		...(ec.timeoutMs !== undefined ? { timeoutMs: ec.timeoutMs } : {}),
		...(ec.load
			? {
					load: frozenLoad(ec.load, deps.config.maxLoadDurationSec, { repetitions, concurrency }),
				}
			: {}),
		target: targetSnapshot(target),
		scenario: scenario ? scenarioSnapshot(scenario) : null,
	}
	return {
		targetId: target.id,
		scenarioId: scenario?.id ?? null,
		snapshot,
		conversations: plannedConversations(snapshot),
	}
}

/** The load model as frozen; a Poisson schedule gets its seed now, so a restart replays it. */
function frozenLoad(
	input: LoadInput,
	maxDurationSec: number,
	run: { repetitions: number; concurrency: number },
): LoadModel {
	const load = loadModelOf(input, maxDurationSec, run)
	if (load.type === 'arrival' && load.distribution === 'poisson' && load.seed === undefined)
		return { ...load, seed: Math.floor(Math.random() * 2 ** 32) }
	return load
}

/**
 * A cost budget needs a price: unpriced messages add nothing to the cost total, so `maxCostUsd`
 * alone on an unpriced model would never stop the run (docs/architecture.md §4). A token budget
 * beside it is a limit that works, so it is accepted then.
 */
function assertCostBudgetPriced(
	target: typeof targets.$inferSelect,
	ec: NonNullable<ExecuteBody['executionConfig']>,
) {
	if (ec.maxCostUsd === undefined || ec.maxTokens !== undefined) return
	const model = templateModel(target.requestTemplate)
	const pricing = resolvePricing({
		model: model ?? null,
		targetPricing: target.pricing,
		presetId: target.presetId,
	})
	if (pricing) return
	const which = model
		? `model "${model}" has no known price`
		: 'target names no model in its request template, so no price is known'
	throw new Invalid([
		detail(
			['executionConfig', 'maxCostUsd'],
			`maxCostUsd cannot be enforced: the ${which}. Set the target's pricing (inputPerMTok, outputPerMTok), or give maxTokens as well.`,
			'custom',
		),
	])
}

/** POST /api/sessions/:id/restart: a new session with the same frozen snapshot. */
export async function restartSession(deps: Ctx, id: string) {
	const s = await sessionRow(deps, id)
	const queued = await queueSession(deps, {
		targetId: s.targetId,
		scenarioId: s.scenarioId,
		snapshot: s.executionConfig,
		conversations: plannedConversations({
			repetitions: s.executionConfig.repetitions ?? 1,
			load: s.executionConfig.load,
		}),
	})
	return { ...queued, restartedFrom: s.id }
}

/**
 * Removes a session's job that has not started. Failing is harmless (a job that runs later finds
 * the session no longer QUEUED and does nothing), but worth a line.
 */
const removeQueuedRun = (deps: Pick<Deps, 'queue' | 'log'>, id: string) =>
	deps.queue
		.cancel(SESSION_RUN_JOB, id)
		.catch((error) => deps.log.warn('could not remove the queued run', { sessionId: id, error }))

async function sessionRow(deps: Pick<Deps, 'db'>, id: string) {
	const [s] = isPlausibleId(id)
		? await deps.db.select().from(sessions).where(eq(sessions.id, id))
		: []
	if (!s) throw new NotFound('Session not found')
	return s
}

/** A session's status (one primary-key row): what the shared page is keyed by. */
export async function sessionStatus(deps: Pick<Deps, 'db'>, id: string) {
	const [s] = isPlausibleId(id)
		? await deps.db.select({ status: sessions.status }).from(sessions).where(eq(sessions.id, id))
		: []
	if (!s) throw new NotFound('Session not found')
	return s.status
}

/**
 * A listed session's columns: all but its sketches (~12 KB each, read only by `/api/metrics`),
 * which a page of 50 would otherwise read back and decompress for nothing.
 */
const { rollupSketches: _sketches, ...listColumns } = getTableColumns(sessions)

export function listSessions(deps: Pick<Deps, 'db' | 'database' | 'clock'>, q: ListQuery) {
	// Kept while sessions, targets and scenarios are unchanged, for the second the running ones'
	// clocks are shown at (src/db/versioned.ts).
	const now = new Date(Math.floor(deps.clock.now().getTime() / 1000) * 1000)
	return versioned(
		deps.database,
		['sessions', 'targets', 'scenarios'],
		`list:${now.getTime()}:${JSON.stringify(q)}`,
		() => sessionsPage(deps, q, now),
	)
}

async function sessionsPage(deps: Pick<Deps, 'db'>, q: ListQuery, now: Date) {
	const limit = q.limit ?? 50
	const offset = q.offset ?? 0
	// An id no row can have matches nothing (and never reaches Postgres with a NUL in it).
	if (
		(q.targetId && !isPlausibleId(q.targetId)) ||
		(q.scenarioId && !isPlausibleId(q.scenarioId))
	) {
		return { items: [], total: 0, limit, offset }
	}
	const conds: SQL[] = []
	if (q.targetId) conds.push(eq(sessions.targetId, q.targetId))
	if (q.scenarioId) conds.push(eq(sessions.scenarioId, q.scenarioId))
	if (q.status) conds.push(eq(sessions.status, q.status))
	const where = conds.length ? and(...conds) : undefined
	const [rows, [{ total }]] = await Promise.all([
		deps.db
			.select({
				session: listColumns,
				target: { name: targets.name, connectorType: targets.connectorType },
				scenario: { name: scenarios.name },
			})
			.from(sessions)
			.leftJoin(targets, eq(targets.id, sessions.targetId))
			.leftJoin(scenarios, eq(scenarios.id, sessions.scenarioId))
			.where(where)
			.orderBy(desc(sessions.createdAt), desc(sessions.id))
			.limit(limit)
			.offset(offset),
		deps.db.select({ total: count() }).from(sessions).where(where),
	])
	const items = rows.map((r) =>
		presentListItem(r.session, r.target, r.scenario?.name != null ? r.scenario : null, now),
	)
	return { items, total, limit, offset }
}

export async function getSession(deps: Pick<Deps, 'db' | 'clock'>, id: string) {
	if (!isPlausibleId(id)) throw new NotFound('Session not found')
	const [row] = await deps.db
		.select({ session: sessions, target: targets, scenario: scenarios })
		.from(sessions)
		.leftJoin(targets, eq(targets.id, sessions.targetId))
		.leftJoin(scenarios, eq(scenarios.id, sessions.scenarioId))
		.where(eq(sessions.id, id))
	if (!row) throw new NotFound('Session not found')
	return presentSession(row.session, row.target, row.scenario, deps.clock.now())
}

export async function listMessages(
	deps: Pick<Deps, 'db'>,
	id: string,
	q: { limit?: number; offset?: number; afterSeq?: number },
) {
	await sessionRow(deps, id)
	const limit = q.limit ?? 100
	const offset = q.offset ?? 0
	const [rows, [{ total }]] = await Promise.all([
		deps.db
			.select()
			.from(sessionMessages)
			.where(eq(sessionMessages.sessionId, id))
			.orderBy(sessionMessages.seq)
			.limit(limit)
			.offset(offset),
		deps.db
			.select({ total: count() })
			.from(sessionMessages)
			.where(eq(sessionMessages.sessionId, id)),
	])
	return { items: rows.map(presentMessage), total, limit, offset }
}

const LOG_PAGE = 1000

/**
 * GET /api/sessions/:id/log: the session's JSONL log (`logPath`'s `messages.jsonl`) built from the
 * database rows, one JSON line per message in `seq` order — the same in every mode, whichever
 * worker ran the session (docs/architecture.md §4). Streamed a page of rows at a time.
 */
export async function sessionLogStream(deps: Pick<Deps, 'db'>, id: string) {
	await sessionRow(deps, id)
	let after = 0
	const enc = new TextEncoder()
	return new ReadableStream<Uint8Array>({
		async pull(ctrl) {
			const rows = await deps.db
				.select()
				.from(sessionMessages)
				.where(and(eq(sessionMessages.sessionId, id), gt(sessionMessages.seq, after)))
				.orderBy(sessionMessages.seq)
				.limit(LOG_PAGE)
			if (!rows.length) return ctrl.close()
			after = rows[rows.length - 1].seq
			ctrl.enqueue(
				enc.encode(
					rows.map((r) => JSON.stringify({ sessionId: id, ...presentMessage(r) })).join('\n') +
						'\n',
				),
			)
		},
	})
}

const CANCEL_WAIT_MS = 3000

/**
 * POST /api/sessions/:id/cancel (docs/architecture.md §4). A queued session is cancelled here without
 * running; a running one is cancelled by its worker, told over the bus. When that worker has
 * stopped heartbeating, nobody else will, so the session is cancelled here.
 */
export async function cancelSession(deps: Ctx, id: string) {
	const s = await sessionRow(deps, id)
	if (isTerminal(s.status)) {
		throw new Conflict('Session is not active', `The session is already ${s.status}.`)
	}
	const now = deps.clock.now()
	const [queued] = await deps.db
		.update(sessions)
		.set({ status: 'CANCELLED', completedAt: now, error: 'Cancelled before it started' })
		.where(and(eq(sessions.id, id), inArray(sessions.status, ['PENDING', 'QUEUED'])))
		.returning({ id: sessions.id })
	if (queued) {
		await removeQueuedRun(deps, id)
		await publishSessionEvent(deps, id, {
			type: 'complete',
			status: 'CANCELLED',
			error: 'Cancelled before it started',
		})
		await notifySessionEnded(deps, id, 'CANCELLED')
		return { id, status: 'CANCELLED', message: 'Session cancelled' }
	}
	// A sharded run (docs/architecture.md §4): shards no worker has taken yet never will; when none
	// is running, that ends the session here. Running shards get the cancel message below.
	const waiting = await deps.db
		.update(sessionShards)
		.set({ status: 'CANCELLED', stopReason: 'cancelled', completedAt: now })
		.where(and(eq(sessionShards.sessionId, id), eq(sessionShards.status, 'QUEUED')))
		.returning({ id: sessionShards.id })
	if (waiting.length) await settleShards(deps, id)
	await deps.bus.publish(cancelChannel(id), { type: 'cancel', at: now.toISOString() })
	const deadline = deps.clock.perf() + CANCEL_WAIT_MS
	for (;;) {
		const cur = await sessionRow(deps, id)
		if (isTerminal(cur.status)) return { id, status: cur.status, message: 'Session cancelled' }
		const beat = cur.heartbeatAt?.getTime() ?? 0
		if (now.getTime() - beat > deps.config.workerStallMs) {
			const [forced] = await deps.db
				.update(sessions)
				.set({
					status: 'CANCELLED',
					completedAt: deps.clock.now(),
					error: 'Cancelled (its worker had stopped responding)',
				})
				.where(and(eq(sessions.id, id), eq(sessions.status, 'RUNNING')))
				.returning({ id: sessions.id })
			if (forced) {
				await publishSessionEvent(deps, id, { type: 'complete', status: 'CANCELLED' })
				await notifySessionEnded(deps, id, 'CANCELLED')
				return { id, status: 'CANCELLED', message: 'Session cancelled' }
			}
			continue
		}
		if (deps.clock.perf() > deadline)
			return { id, status: cur.status, message: 'Cancellation requested' }
		await deps.clock.sleep(100)
		// Again: a worker that claimed the session a moment ago may not have been listening yet.
		// A failure here is retried on the next turn (and the bus's own listener reports an outage).
		await deps.bus
			.publish(cancelChannel(id), { type: 'cancel', at: now.toISOString() })
			.catch((error) => deps.log.debug('cancel re-publish failed', { sessionId: id, error }))
	}
}

/** DELETE /api/sessions/:id: refused while RUNNING; removes its queued job, messages and log files. */
export async function deleteSession(deps: Ctx, id: string) {
	const s = await sessionRow(deps, id)
	if (s.status === 'RUNNING') {
		throw new Conflict(
			'Cannot delete a running session',
			'Cancel the session first, then delete it.',
		)
	}
	if (s.status === 'QUEUED' || s.status === 'PENDING') await removeQueuedRun(deps, id)
	const [gone] = await deps.db
		.delete(sessions)
		.where(and(eq(sessions.id, id), ne(sessions.status, 'RUNNING')))
		.returning({ id: sessions.id })
	if (!gone)
		throw new Conflict(
			'Cannot delete a running session',
			'Cancel the session first, then delete it.',
		)
	await rm(sessionLogDir(deps.config.dataDir, id), { recursive: true, force: true }).catch((e) =>
		deps.log.warn('could not remove session logs', { sessionId: id, error: e }),
	)
	return { id }
}
