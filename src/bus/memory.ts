import type { Bus, BusHandler } from './types'

export function createMemoryBus(): Bus {
	const channels = new Map<string, Set<BusHandler>>()
	/** Serialised like Redis does, so no subscriber can mutate what the publisher holds. */
	const deliver = (channel: string, json: () => string) => {
		const handlers = channels.get(channel)
		// Nobody listening (the usual case during a run): nothing to copy.
		if (!handlers?.size) return
		const copy = JSON.parse(json())
		for (const h of handlers) {
			try {
				h(copy)
			} catch {
				// A failing subscriber must not break the publisher.
			}
		}
	}
	return {
		kind: 'memory',
		async publish(channel, message) {
			deliver(channel, () => JSON.stringify(message))
		},
		async publishJson(channel, json) {
			deliver(channel, () => json)
		},
		async subscribe(channel, handler) {
			let set = channels.get(channel)
			if (!set) channels.set(channel, (set = new Set()))
			set.add(handler)
			return async () => {
				set!.delete(handler)
				if (!set!.size) channels.delete(channel)
			}
		},
		async ping() {},
		async close() {
			channels.clear()
		},
	}
}
