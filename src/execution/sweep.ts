import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Deps } from '../deps'
import { SESSION_RUN_JOB } from '../sessions/model'
import { recoverStale, staleSince } from './lifecycle'
import { activeRecorders, replaySpool, shortError, spoolDir } from './recorder'
import { recoverStaleAssessments } from '../assessments/service'

type Ctx = Pick<Deps, 'db' | 'database' | 'bus' | 'queue' | 'clock' | 'log' | 'config' | 'workerId'>

/**
 * The periodic sweep every server and worker runs (docs/architecture.md §4), not only at start-up:
 * 1. rows a recorder spooled during a database outage are written (idempotent on (session_id, seq));
 * 2. a RUNNING session whose heartbeat is older than twice the stall interval is failed "worker lost";
 * 3. a QUEUED session gets its job again — Redis restarted without persistence.
 * 2 and 3 are start-up recovery's own step (`recoverStale`, src/execution/lifecycle.ts).
 * 4. a RUNNING assessment whose heartbeat is as old is failed "worker lost" too
 *    (src/assessments/service.ts, recoverStaleAssessments).
 */
export async function sweepSessions(deps: Ctx) {
	const replayed = await replaySpools(deps)
	const { failed, requeued } = await recoverStale(deps, staleSince(deps), (sessionId) =>
		deps.queue.enqueue(SESSION_RUN_JOB, { sessionId }, { jobId: sessionId }),
	)
	const assessmentsFailed = await recoverStaleAssessments(deps, staleSince(deps))
	return { replayed, failed, queued: requeued, assessmentsFailed }
}

/** Spool files of sessions no recorder of this process still holds (theirs write them themselves). */
async function replaySpools(deps: Ctx) {
	const dir = spoolDir(deps.config.dataDir)
	const files = await readdir(dir).catch(() => [] as string[])
	let rows = 0
	for (const f of files) {
		if (!f.endsWith('.jsonl')) continue
		const sessionId = f.slice(0, -'.jsonl'.length)
		if (activeRecorders.has(sessionId)) continue
		// One file the database refuses must not keep the others (or the rest of the sweep) back.
		rows += await replaySpool(deps, join(dir, f)).catch((error) => {
			deps.log.warn('spooled messages not written', { sessionId, error: shortError(error) })
			return 0
		})
	}
	if (rows) deps.log.info('spooled messages written', { rows })
	return rows
}

/** Runs the sweep every `sweepMs`; one at a time; errors are logged (the database may be away). */
export function startSweep(deps: Ctx) {
	let running = false
	const tick = async () => {
		if (running) return
		running = true
		try {
			await sweepSessions(deps)
		} catch (error) {
			deps.log.warn('session sweep failed', { error: shortError(error) })
		} finally {
			running = false
		}
	}
	const timer = setInterval(() => void tick(), deps.config.sweepMs)
	timer.unref?.()
	return { stop: () => clearInterval(timer), tick }
}
