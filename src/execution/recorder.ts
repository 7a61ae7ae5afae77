import { and, eq } from 'drizzle-orm'
import { appendFile, mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { TokenUsage } from '../connectors/types'
import type { Deps } from '../deps'
import { sessionMessages, sessions } from '../db/schema'
import type { ExchangeRecord, Recorder } from '../engine/types'
import { costOf, resolvePricing, templateModel } from '../pricing/cost'
import type { ResolvedPricing } from '../pricing/model'
import { publishSessionEvent, type BusEvent, type Progress } from '../sessions/events'
import { sessionLogFile } from '../sessions/log-path'
import { presentMessage } from '../sessions/present'
import { storableText as cleanText } from '../db/text'
import { RepetitionTracker } from './repetition'

type Row = typeof sessionMessages.$inferInsert

const FLUSH_EVERY_MS = 100
const FLUSH_AT_ROWS = 200
/** Past this many unflushed rows, `record` waits for the database (backpressure). */
const MAX_PENDING_ROWS = 2000
const PROGRESS_EVERY_MS = 250
const MAX_TEXT = 1_000_000
const MAX_IN_FLIGHT_SHOWN = 10

export interface SessionRecorder extends Recorder {
	readonly totals: Progress & { messages: number; promptTokens: number; completionTokens: number }
	/** A conversation's message went out / came back: shown live as "waiting for a reply". */
	sending(conversationIndex: number, content: string): void
	answered(conversationIndex: number): void
	/** Frees the conversation's state; `completed` counts it towards progress. */
	endConversation(index: number, completed: boolean): void
	/** Flushes everything recorded so far (rows, JSONL, bus events, progress). */
	flush(): Promise<void>
	/** Final flush; stops the timer. */
	close(): Promise<void>
}

interface RecorderOptions {
	sessionId: string
	workerId: string
	conversationsTotal: number
	target: { requestTemplate: unknown; pricing: unknown; presetId: string | null }
	/** Called after each record with the running totals (budgets). */
	onRecorded?: (totals: SessionRecorder['totals']) => void
}

/**
 * Turns engine records into `session_messages` rows (multi-row inserts, a few per second, not
 * one round trip per message), JSONL lines under `logs/sessions/<id>/`, bus events for live
 * viewers (published after the rows commit) and the session's progress counters.
 */
export function createSessionRecorder(
	deps: Pick<Deps, 'db' | 'bus' | 'log' | 'config' | 'clock'>,
	opts: RecorderOptions,
): SessionRecorder {
	const file = sessionLogFile(deps.config.dataDir, opts.sessionId)
	const repetition = new RepetitionTracker()
	const pricingCache = new Map<string, ResolvedPricing | undefined>()
	const tplModel = templateModel(opts.target.requestTemplate)
	let seq = 0
	let pending: Row[] = []
	let failure: unknown
	let chain: Promise<void> = mkdir(dirname(file), { recursive: true }).then(() => {})
	let lastProgress = 0
	let progressDirty = false
	const totals = {
		messages: 0,
		messagesCompleted: 0,
		errorCount: 0,
		conversationsCompleted: 0,
		conversationsTotal: opts.conversationsTotal,
		tokensTotal: 0,
		promptTokens: 0,
		completionTokens: 0,
		costUsd: 0,
	}

	const pricingFor = (usage: TokenUsage) => {
		const model = tplModel ?? usage.model ?? ''
		if (!pricingCache.has(model)) {
			pricingCache.set(
				model,
				resolvePricing({
					model: model || null,
					targetPricing: opts.target.pricing,
					presetId: opts.target.presetId,
				}),
			)
		}
		return pricingCache.get(model)
	}

	const inFlight = new Map<number, { content: string; since: string }>()
	const progress = (): Progress => ({
		messagesCompleted: totals.messagesCompleted,
		errorCount: totals.errorCount,
		conversationsCompleted: totals.conversationsCompleted,
		conversationsTotal: totals.conversationsTotal,
		tokensTotal: totals.tokensTotal,
		costUsd: Math.round(totals.costUsd * 1e9) / 1e9,
	})
	const live = (): Progress => ({
		...progress(),
		inFlight: [...inFlight]
			.slice(0, MAX_IN_FLIGHT_SHOWN)
			.map(([conversationIndex, v]) => ({ conversationIndex, ...v })),
	})

	async function writeBatch(batch: Row[], force: boolean) {
		if (batch.length) {
			await deps.db.insert(sessionMessages).values(batch)
			const presented = batch.map((r) => presentMessage(r as never))
			await appendFile(
				file,
				presented.map((m) => JSON.stringify({ sessionId: opts.sessionId, ...m })).join('\n') + '\n',
			)
			await publish({ type: 'messages', messages: presented })
		}
		const now = deps.clock.perf()
		if (progressDirty && (force || now - lastProgress >= PROGRESS_EVERY_MS)) {
			lastProgress = now
			progressDirty = false
			const p = progress()
			await deps.db
				.update(sessions)
				.set({
					messagesCompleted: p.messagesCompleted,
					// messagesTotal stays what execute planned (a run reaching 100 % at every write
					// made the home page's bar useless); the end of the run sets the recorded count.
					errorCount: p.errorCount,
					conversationsCompleted: p.conversationsCompleted,
					tokensTotal: p.tokensTotal,
					costUsd: p.costUsd,
					heartbeatAt: deps.clock.now(),
				})
				.where(and(eq(sessions.id, opts.sessionId), eq(sessions.workerId, opts.workerId)))
			await publish({ type: 'progress', progress: live() })
		}
	}

	const publish = (e: BusEvent) => publishSessionEvent(deps, opts.sessionId, e)

	function flush(force = false): Promise<void> {
		const batch = pending
		pending = []
		chain = chain
			.then(() => writeBatch(batch, force))
			.catch((e) => {
				failure ??= e
				deps.log.error('recording failed', { sessionId: opts.sessionId, error: e })
			})
		return chain
	}

	const timer = setInterval(() => {
		if (pending.length || progressDirty) void flush()
	}, FLUSH_EVERY_MS)

	return {
		totals,
		async record(r: ExchangeRecord) {
			if (failure) throw new Error('Recording failed: the database did not accept the messages')
			const res = r.result
			const usage = res.usage
			const cost =
				res.success || usage.totalTokens ? costOf(usage, pricingFor(usage)) : { costUsd: null }
			const row: Row = {
				// (session, seq) is unique already; a cuid per row costs more than the insert (SHA-3).
				id: `${opts.sessionId}-${++seq}`,
				sessionId: opts.sessionId,
				seq,
				conversationIndex: r.conversationIndex,
				turnIndex: r.turnIndex,
				stepId: r.stepId === null ? null : cleanText(r.stepId),
				requestContent: cleanText(r.request.slice(0, MAX_TEXT)),
				responseContent: res.content == null ? null : cleanText(res.content.slice(0, MAX_TEXT)),
				sentAt: r.sentAt,
				receivedAt: new Date(r.sentAt.getTime() + Math.round(res.responseTimeMs)),
				ttftMs: res.ttftMs ?? null,
				itlMs: res.itlMs ?? null,
				responseTimeMs: res.responseTimeMs,
				httpStatus: res.httpStatus ?? null,
				success: res.success,
				errorType: res.success ? null : (res.error?.type ?? 'unknown'),
				errorMessage:
					res.success || !res.error?.message ? null : cleanText(res.error.message.slice(0, 2000)),
				retries: r.retries,
				promptTokens: usage.promptTokens,
				completionTokens: usage.completionTokens,
				totalTokens: usage.totalTokens,
				cachedTokens: usage.cachedTokens,
				tokensEstimated: usage.estimated,
				costUsd: cost.costUsd,
				repetitionScore: res.success ? repetition.score(r.conversationIndex, res.content) : null,
				attempts: r.attempts,
			}
			pending.push(row)
			totals.messages++
			totals.messagesCompleted++
			if (!res.success) totals.errorCount++
			totals.tokensTotal += usage.totalTokens || 0
			totals.promptTokens += usage.promptTokens || 0
			totals.completionTokens += usage.completionTokens || 0
			totals.costUsd += cost.costUsd ?? 0
			progressDirty = true
			opts.onRecorded?.(totals)
			if (pending.length >= MAX_PENDING_ROWS) await flush()
			else if (pending.length >= FLUSH_AT_ROWS) void flush()
		},
		sending(index: number, content: string) {
			inFlight.set(index, { content: content.slice(0, 300), since: deps.clock.now().toISOString() })
			progressDirty = true
		},
		answered(index: number) {
			inFlight.delete(index)
			progressDirty = true
		},
		endConversation(index: number, completed: boolean) {
			inFlight.delete(index)
			repetition.end(index)
			if (!completed) return
			totals.conversationsCompleted++
			progressDirty = true
		},
		flush: () => flush(true),
		async close() {
			clearInterval(timer)
			await flush(true)
			if (failure) throw failure
		},
	}
}
