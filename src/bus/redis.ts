import IORedis from 'ioredis'
import type { Bus, BusHandler } from './types'

/** Redis pub/sub: one publishing and one subscribing connection per process, multiplexed. */
export function createRedisBus(redisUrl: string, prefix = 'krawall'): Bus {
	const PREFIX = `${prefix}:bus:`
	const pub = new IORedis(redisUrl, { maxRetriesPerRequest: 1 })
	const sub = new IORedis(redisUrl, { maxRetriesPerRequest: null })
	pub.on('error', () => {})
	sub.on('error', () => {})
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
					await sub.unsubscribe(PREFIX + channel).catch(() => {})
				}
			}
		},
		async ping() {
			await pub.ping()
		},
		async close() {
			channels.clear()
			sub.disconnect()
			pub.disconnect()
		},
	}
}
