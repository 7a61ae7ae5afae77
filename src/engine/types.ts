import type { ChatTurn, SendResult } from '../connectors/types'

/**
 * The flow interpreter's view of the world: a `send` function (a connector conversation in
 * production, a fake in tests), a clock, a signal and a recorder. Nothing of HTTP or the
 * database (DESIGN.md §2).
 */
export type Send = (message: string, opts: { history: ChatTurn[]; signal: AbortSignal }) => Promise<SendResult>

/** One exchanged message as the engine reports it; sessions turn these into rows. */
export interface ExchangeRecord {
	conversationIndex: number
	/** 0-based index of the message within its conversation. */
	turnIndex: number
	stepId: string | null
	/** The rendered, amplified message actually sent. */
	request: string
	sentAt: Date
	result: SendResult
	/** Attempts beyond the first (retry error handling). */
	retries: number
}

export interface Recorder {
	record(r: ExchangeRecord): void | Promise<void>
}
