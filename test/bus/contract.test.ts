import { afterEach, describe, expect, test } from 'bun:test'
import { createMemoryBus } from '../../src/bus/memory'
import { createRedisBus } from '../../src/bus/redis'
import type { Bus } from '../../src/bus/types'
import { createLogger } from '../../src/log'
import { testRedisUrl, uniquePrefix } from '../helpers/deps'

const redisUrl = testRedisUrl()
/** Two handles on one bus: in memory that is one object; on Redis, two processes' worth of connections. */
const implementations: [string, () => [Bus, Bus]][] = [
	[
		'memory',
		() => {
			const b = createMemoryBus()
			return [b, b]
		},
	],
]
if (redisUrl) {
	implementations.push([
		'redis',
		() => {
			const prefix = uniquePrefix()
			const log = createLogger('silent')
			return [createRedisBus(redisUrl, { log, prefix }), createRedisBus(redisUrl, { log, prefix })]
		},
	])
}

const waitFor = async (cond: () => boolean, timeoutMs = 5000) => {
	const end = Date.now() + timeoutMs
	while (!cond()) {
		if (Date.now() > end) throw new Error('condition not met in time')
		await Bun.sleep(5)
	}
}

for (const [name, make] of implementations) {
	describe(`Bus contract: ${name}`, () => {
		let buses: [Bus, Bus]
		afterEach(async () => {
			await Promise.all(buses.map((b) => b.close()))
		})

		test('delivers published messages in order to every subscriber of the channel', async () => {
			buses = make()
			const [publisher, subscriber] = buses
			const a: unknown[] = []
			const b: unknown[] = []
			const other: unknown[] = []
			await subscriber.subscribe('session:1', (m) => a.push(m))
			await subscriber.subscribe('session:1', (m) => b.push(m))
			await subscriber.subscribe('session:2', (m) => other.push(m))
			for (let i = 0; i < 20; i++) await publisher.publish('session:1', { i, nested: { ok: true } })
			await waitFor(() => a.length === 20 && b.length === 20)
			expect(a.map((m: any) => m.i)).toEqual([...Array(20).keys()])
			expect(b).toEqual(a)
			expect(other).toEqual([])
		})

		test('unsubscribe stops delivery', async () => {
			buses = make()
			const [publisher, subscriber] = buses
			const got: unknown[] = []
			const off = await subscriber.subscribe('c', (m) => got.push(m))
			await publisher.publish('c', 1)
			await waitFor(() => got.length === 1)
			await off()
			await publisher.publish('c', 2)
			await Bun.sleep(100)
			expect(got).toEqual([1])
		})

		test('a throwing subscriber does not stop the others', async () => {
			buses = make()
			const [publisher, subscriber] = buses
			const got: unknown[] = []
			await subscriber.subscribe('c', () => {
				throw new Error('bad subscriber')
			})
			await subscriber.subscribe('c', (m) => got.push(m))
			await publisher.publish('c', 'x')
			await waitFor(() => got.length === 1)
			expect(got).toEqual(['x'])
		})

		test('publishJson delivers the parsed text, a copy per publish, in order with publish', async () => {
			buses = make()
			const [publisher, subscriber] = buses
			const got: any[] = []
			await subscriber.subscribe('c', (m) => got.push(m))
			const text = JSON.stringify({ type: 'messages', messages: [{ seq: 1, at: new Date(0) }] })
			await publisher.publishJson('c', text)
			await publisher.publish('c', { type: 'progress' })
			await publisher.publishJson('c', text)
			await waitFor(() => got.length === 3)
			expect(got).toEqual([JSON.parse(text), { type: 'progress' }, JSON.parse(text)])
			// No subscriber can change what another one (or the next publish) receives.
			expect(got[0]).not.toBe(got[2])
			got[0].messages[0].seq = 99
			expect(got[2].messages[0].seq).toBe(1)
		})

		test('ping answers', async () => {
			buses = make()
			await buses[0].ping()
		})
	})
}
