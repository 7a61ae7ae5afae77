import type { Logger } from './log'

type Emitter = { on(event: 'error', listener: (e: Error) => void): unknown }
type Connection = Emitter & { on(event: 'ready', listener: () => void): unknown }

const CONNECTION_ERROR =
	/ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|EPIPE|Connection is closed|Stream isn't writeable/i

/** A lost or refused connection, as ioredis reports it (and BullMQ forwards it). */
export const isConnectionError = (e: unknown) =>
	CONNECTION_ERROR.test(`${(e as { code?: string })?.code ?? ''} ${(e as Error)?.message ?? ''}`)

/**
 * Logs the 'error' events of the Redis connections the bus and the queue open. They must be
 * listened to (an unheard 'error' event crashes the process), but while Redis is away ioredis
 * repeats one on every reconnect attempt: the first is a warning, the repeats are debug until the
 * connection is ready again. Once `closing()` is true (shutdown), errors are expected: debug.
 */
export function logConnectionErrors(
	conn: Connection,
	log: Logger,
	fields: Record<string, unknown>,
	closing: () => boolean,
) {
	let down = false
	conn.on('error', (error) => {
		if (closing() || down) return log.debug('redis connection error', { ...fields, error })
		down = true
		log.warn('redis connection error', { ...fields, error })
	})
	conn.on('ready', () => {
		if (down) log.info('redis connection ready', fields)
		down = false
	})
}

/**
 * Logs the 'error' events of a BullMQ queue or worker. Connection errors are debug (the
 * connection's own listener reports the outage once); anything else (a lock that could not be
 * renewed, a failed script) is a warning, unless it comes during shutdown.
 */
export function logClientErrors(
	client: Emitter,
	log: Logger,
	fields: Record<string, unknown>,
	closing: () => boolean,
) {
	client.on('error', (error) => {
		if (closing() || isConnectionError(error)) log.debug('queue error', { ...fields, error })
		else log.warn('queue error', { ...fields, error })
	})
}
