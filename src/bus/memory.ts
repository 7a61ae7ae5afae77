import type { Bus, BusHandler } from './types'

export function createMemoryBus(): Bus {
	const channels = new Map<string, Set<BusHandler>>()
	return {
		kind: 'memory',
		async publish(channel, message) {
			// Serialise like Redis does, so no subscriber can mutate what the publisher holds.
			const copy = JSON.parse(JSON.stringify(message))
			for (const h of channels.get(channel) ?? []) {
				try {
					h(copy)
				} catch {
					// A failing subscriber must not break the publisher.
				}
			}
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
