/**
 * Publish/subscribe for live events (session messages, cancels): in memory when embedded,
 * Redis pub/sub when scaled out, so a viewer on one server sees a worker's messages from
 * another process. Delivery is best-effort and at most once; the database is the record.
 */
export type BusHandler = (message: unknown) => void

export interface Bus {
	readonly kind: 'memory' | 'redis'
	publish(channel: string, message: unknown): Promise<void>
	/**
	 * `publish` of a message already serialised (one JSON text): the recorder writes the same text
	 * to the JSONL log, so a batch is stringified once (issue 13, the hot path).
	 */
	publishJson(channel: string, json: string): Promise<void>
	/** Resolves once the subscription is active; the returned function unsubscribes. */
	subscribe(channel: string, handler: BusHandler): Promise<() => Promise<void>>
	ping(): Promise<void>
	close(): Promise<void>
}
