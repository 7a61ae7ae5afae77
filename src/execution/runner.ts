import type { Connector } from '../connectors/types'
import type { Deps } from '../deps'
import { flowFromMessages, runConversation } from '../engine/interpreter'
import type { ExecutionSnapshot } from '../sessions/snapshot'
import { arrivalOffsets, concurrencyAt, isOpenModel, loadDurationSec, maxInFlightOf } from './load'
import type { SessionRecorder } from './recorder'

/** Why a run stopped before its last conversation; set once, first reason wins. */
export type StopCause =
	| { kind: 'cancelled'; reason: string }
	| { kind: 'shutdown'; reason: string }
	| { kind: 'budget'; reason: string }
	| { kind: 'failed'; reason: string }
	| { kind: 'lost'; reason: string }

const DEFAULT_TIMEOUT_MS = 120_000

export class RunStop extends Error {
	constructor(readonly cause: StopCause) {
		super(cause.reason)
	}
}

interface RunResult {
	cause: StopCause | null
	conversationsRun: number
	/** Conversations taken (run, or whose open failed) and due starts dropped at the cap. */
	started: number
	dropped: number
}

/** How often ramping concurrency re-reads its target (k6 re-evaluates VUs continuously). */
const RAMP_TICK_MS = 50

/**
 * Runs the session's conversations, each with its own connector conversation and context, as its
 * load model says (docs/architecture.md §4): by default `repetitions` with at most `concurrency`
 * at once (k6's closed model); `closed` with a duration, until the time is up; `arrival` and rate
 * `stages` on a schedule (open model); concurrency `stages` ramping the lanes. Stops early when
 * `signal` aborts (its reason a RunStop) or when a conversation aborts on error (the session
 * then fails).
 */
export async function runConversations(
	deps: Pick<Deps, 'clock' | 'log'>,
	input: {
		sessionId: string
		snapshot: ExecutionSnapshot
		connector: Connector
		recorder: SessionRecorder
		/** Aborts requests in flight. */
		controller: AbortController
		/** A graceful stop: start nothing new; what is in flight finishes under `controller`. */
		stopSignal?: AbortSignal
		/** A shard's conversation numbers, disjoint from the other shards' (docs/architecture.md §4). */
		conversationIndexOf?: (local: number) => number
	},
): Promise<RunResult> {
	const { snapshot, connector, recorder, controller } = input
	const hard = controller.signal
	// Lanes start nothing once either aborts (docs/architecture.md §4).
	const signal = input.stopSignal ? AbortSignal.any([hard, input.stopSignal]) : hard
	const flow = snapshot.scenario
		? snapshot.scenario.flowConfig
		: flowFromMessages(snapshot.customMessages ?? [])
	const errorHandling = snapshot.scenario?.errorHandling ?? undefined
	const stop = (cause: StopCause) => {
		if (!hard.aborted) controller.abort(new RunStop(cause))
	}
	// Every request of the session, numbered in the order it starts (send order, docs/architecture.md §5).
	let requests = 0
	const nextRequest = () => ++requests
	// Every message has a timeout (docs/architecture.md §4): the session's, else the target's, else two minutes.
	const pcTimeout = (snapshot.target.protocolConfig as { timeoutMs?: unknown } | null)?.timeoutMs
	const timeoutMs =
		snapshot.timeoutMs ??
		(typeof pcTimeout === 'number' && pcTimeout > 0 ? pcTimeout : DEFAULT_TIMEOUT_MS)
	let run = 0
	let started = 0
	let dropped = 0
	/** One conversation, index `index`, due at `scheduledAt` (docs/architecture.md §4). */
	const indexOf = input.conversationIndexOf
	const converse = async (local: number, scheduledAt: Date) => {
		const index = indexOf ? indexOf(local) : local
		let conversation
		try {
			conversation = await connector.open(signal)
		} catch (e) {
			if (!signal.aborted)
				stop({ kind: 'failed', reason: `Could not open a conversation: ${message(e)}` })
			return false
		}
		run++
		try {
			const result = await runConversation({
				flow,
				send: async (text, { history, signal: s }) => {
					recorder.sending(index, text)
					try {
						return await conversation.send(text, { history, signal: s, timeoutMs })
					} finally {
						recorder.answered(index)
					}
				},
				recorder,
				clock: deps.clock,
				signal: hard,
				stopSignal: input.stopSignal,
				nextRequest,
				conversationIndex: index,
				scheduledAt,
				sessionId: input.sessionId,
				variables: snapshot.messageTemplates ?? {},
				verbosityLevel: snapshot.verbosityLevel,
				delayBetweenMs: snapshot.delayBetweenMs,
				errorHandling,
			})
			if (result.aborted && !signal.aborted)
				stop({ kind: 'failed', reason: result.reason ?? 'Aborted on error' })
		} catch (e) {
			if (!signal.aborted) stop({ kind: 'failed', reason: message(e) })
		} finally {
			recorder.endConversation(index, !signal.aborted)
			// A conversation whose connection already failed may fail to close too: expected.
			await conversation
				.close()
				.catch((error) =>
					deps.log.debug('conversation close failed', { sessionId: input.sessionId, error }),
				)
		}
		return true
	}
	const load = snapshot.load
	const t0 = deps.clock.perf()
	const wall0 = deps.clock.now().getTime()
	const at = (offsetMs: number) => new Date(wall0 + offsetMs)
	const elapsed = () => deps.clock.perf() - t0
	const durationMs = (loadDurationSec(load) ?? Infinity) * 1000
	/** A closed lane: conversations back to back while `more()` says so; each due when taken. */
	const lane = async (more: () => boolean) => {
		while (!signal.aborted && more()) {
			const index = started++
			if (!(await converse(index, at(elapsed())))) return
		}
	}
	if (isOpenModel(load)) {
		// Open model: starts on the schedule whatever is in flight; at the cap a due start is
		// dropped and counted (k6 dropped_iterations), never delayed.
		const cap = maxInFlightOf(load!)
		const active = new Set<Promise<unknown>>()
		const seed = load!.type === 'arrival' ? (load!.seed ?? 0) : 0
		for (const offset of arrivalOffsets(load!, seed)) {
			const wait = offset - elapsed()
			// Rejects only when a stop aborts the wait; the check below ends the loop then.
			if (wait > 0) await deps.clock.sleep(wait, signal).catch(() => {})
			if (signal.aborted) break
			if (active.size >= cap) {
				dropped++
				recorder.dropped()
				continue
			}
			const p = converse(started++, at(offset)).finally(() => active.delete(p))
			active.add(p)
		}
		await Promise.all(active)
	} else if (load?.type === 'stages') {
		// Ramping concurrency (k6 ramping-vus): lane i runs while the target is above i; a lane
		// past the target finishes its conversation and leaves (graceful ramp-down).
		const lanes: Promise<void>[] = []
		const running = new Set<number>()
		const wanted = () => Math.round(concurrencyAt(load, elapsed() / 1000))
		while (!signal.aborted && elapsed() < durationMs) {
			const want = wanted()
			for (let i = 0; i < want; i++) {
				if (running.has(i)) continue
				running.add(i)
				lanes.push(
					lane(() => elapsed() < durationMs && i < wanted()).finally(() => running.delete(i)),
				)
			}
			// Rejects only when a stop aborts the wait, which ends the loop.
			await deps.clock.sleep(RAMP_TICK_MS, signal).catch(() => {})
		}
		await Promise.all(lanes)
	} else {
		const timed = load?.type === 'closed' && load.durationSec !== undefined
		// A duration runs lanes until the time is up; else `repetitions` in all.
		const more = timed ? () => elapsed() < durationMs : () => started < snapshot.repetitions
		const lanes = Math.max(
			1,
			timed ? snapshot.concurrency : Math.min(snapshot.concurrency, snapshot.repetitions),
		)
		await Promise.all(Array.from({ length: lanes }, () => lane(more)))
	}
	const reason = signal.aborted ? signal.reason : null
	return {
		cause:
			reason instanceof RunStop
				? reason.cause
				: reason
					? { kind: 'cancelled', reason: message(reason) }
					: null,
		conversationsRun: run,
		started,
		dropped,
	}
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e))
