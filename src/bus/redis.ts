import IORedis from 'ioredis'
import type { Logger } from '../log'
import { logConnectionErrors } from '../redis-errors'
import type { Bus, BusHandler } from './types'

/** Redis pub/sub: one publishing and one subscribing connection per process, multiplexed. */
export function createRedisBus(redisUrl: string, opts: { log: Logger; prefix?: string }): Bus {
	const { log } = opts
	const PREFIX = `${opts.prefix ?? 'krawall'}:bus:`
	const pub = new IORedis(redisUrl, { maxRetriesPerRequest: 1 })
	const sub = new IORedis(redisUrl, { maxRetriesPerRequest: null })
	let closing = false
	logConnectionErrors(pub, log, { connection: 'bus.publish' }, () => closing)
	logConnectionErrors(sub, log, { connection: 'bus.subscribe' }, () => closing)
	const channels = new Map<string, Set<BusHandler>>()
	sub.on('message', (raw: string, payload: string) => {
		const handlers = channels.get(raw.slice(PREFIX.length))
		if (!handlers?.size) return
		let message: unknown
		try {
			message = JSON.parse(payload)
		} catch {
			return
		}
		for (const h of handlers) {
			try {
				h(message)
			} catch {
				// A failing subscriber must not break the others.
			}
		}
	})
	return {
		kind: 'redis',
		async publish(channel, message) {
			await pub.publish(PREFIX + channel, JSON.stringify(message))
		},
		async publishJson(channel, json) {
			await pub.publish(PREFIX + channel, json)
		},
		async subscribe(channel, handler) {
			let set = channels.get(channel)
			if (!set) {
				channels.set(channel, (set = new Set()))
				await sub.subscribe(PREFIX + channel)
			}
			set.add(handler)
			return async () => {
				set!.delete(handler)
				if (!set!.size && channels.get(channel) === set) {
					channels.delete(channel)
					// The connection's error listener reports an outage; a stale subscription only costs traffic.
					await sub
						.unsubscribe(PREFIX + channel)
						.catch((error) => log.debug('bus unsubscribe failed', { channel, error }))
				}
			}
		},
		async ping() {
			await pub.ping()
		},
		async close() {
			closing = true
			channels.clear()
			sub.disconnect()
			pub.disconnect()
		},
	}
}
