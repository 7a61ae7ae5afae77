import type { Connector } from '../connectors/types'
import type { Deps } from '../deps'
import { flowFromMessages, runConversation } from '../engine/interpreter'
import type { ExecutionSnapshot } from '../sessions/snapshot'
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
}

/**
 * Runs `repetitions` conversations with at most `concurrency` at once (like k6's virtual users),
 * each with its own connector conversation and context. Stops early when `signal` aborts (its
 * reason a RunStop) or when a conversation aborts on error (the session then fails).
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
	let next = 0
	let run = 0
	const lane = async () => {
		while (!signal.aborted && next < snapshot.repetitions) {
			const index = next++
			let conversation
			try {
				conversation = await connector.open(signal)
			} catch (e) {
				if (!signal.aborted)
					stop({ kind: 'failed', reason: `Could not open a conversation: ${message(e)}` })
				return
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
		}
	}
	const lanes = Math.max(1, Math.min(snapshot.concurrency, snapshot.repetitions))
	await Promise.all(Array.from({ length: lanes }, lane))
	const reason = signal.aborted ? signal.reason : null
	return {
		cause:
			reason instanceof RunStop
				? reason.cause
				: reason
					? { kind: 'cancelled', reason: message(reason) }
					: null,
		conversationsRun: run,
	}
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e))
