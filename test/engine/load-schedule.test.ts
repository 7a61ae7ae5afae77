import { describe, expect, test } from 'bun:test'
import { runConversation } from '../../src/engine/interpreter'
import {
	arrivalOffsets,
	concurrencyAt,
	expectedStarts,
	plannedConversations,
	plannedStarts,
} from '../../src/execution/load'
import type { LoadModel } from '../../src/sessions/snapshot'
import { fakeClock, fakeSend, ok, recorder } from '../helpers/engine-fakes'

const arrival = (over: Partial<Extract<LoadModel, { type: 'arrival' }>> = {}): LoadModel => ({
	type: 'arrival',
	rate: 20,
	durationSec: 10,
	maxInFlight: 10,
	...over,
})

describe('load schedules (src/execution/load.ts)', () => {
	test('constant arrivals: the k-th start at k / rate, 200 in 10 s at 20/s', () => {
		const offsets = [...arrivalOffsets(arrival())]
		expect(offsets.length).toBe(200)
		expect(offsets.slice(0, 3)).toEqual([0, 50, 100])
		expect(offsets[199]).toBeCloseTo(9950, 6)
		expect(expectedStarts(arrival())).toBe(200)
		// A fraction of a start still due before the end counts (k < rate × duration).
		expect(plannedStarts(arrival({ rate: 3, durationSec: 1.5 }))).toBe(5)
	})

	test('Poisson arrivals: replayable from the seed, mean gap 1 / rate', () => {
		const a = [...arrivalOffsets(arrival({ distribution: 'poisson', durationSec: 600 }), 42)]
		const b = [...arrivalOffsets(arrival({ distribution: 'poisson', durationSec: 600 }), 42)]
		const c = [...arrivalOffsets(arrival({ distribution: 'poisson', durationSec: 600 }), 7)]
		expect(a).toEqual(b)
		expect(a).not.toEqual(c)
		// 12,000 expected in 600 s; a Poisson count's sd is √12000 ≈ 110.
		expect(Math.abs(a.length - 12_000)).toBeLessThan(550)
		const gaps = a.slice(1).map((x, i) => x - a[i])
		expect(gaps.every((g) => g >= 0)).toBe(true)
		const mean = gaps.reduce((n, g) => n + g, 0) / gaps.length
		expect(Math.abs(mean - 50)).toBeLessThan(2.5)
	})

	test('rate stages ramp linearly from 0; concurrency stages likewise', () => {
		const ramp: LoadModel = {
			type: 'stages',
			stages: [
				{ durationSec: 10, rate: 10 },
				{ durationSec: 10, rate: 10 },
				{ durationSec: 10, rate: 0 },
			],
		}
		// ∫ rate = 50 + 100 + 50 starts.
		expect(plannedStarts(ramp)).toBe(200)
		expect(expectedStarts(ramp)).toBe(200)
		const offsets = [...arrivalOffsets(ramp)]
		// Λ(t) = t²/2 on the ramp: the 50th start (k = 49) at √98 s.
		expect(offsets[49] / 1000).toBeCloseTo(Math.sqrt(98), 6)
		expect(offsets.filter((o) => o >= 10_000 && o < 20_000).length).toBe(100)
		expect(offsets.every((o, i) => i === 0 || o > offsets[i - 1])).toBe(true)
		const conc: LoadModel = {
			type: 'stages',
			stages: [
				{ durationSec: 10, concurrency: 100 },
				{ durationSec: 10, concurrency: 0 },
			],
		}
		expect(concurrencyAt(conc, 5)).toBe(50)
		expect(concurrencyAt(conc, 15)).toBe(50)
		expect(concurrencyAt(conc, 20)).toBe(0)
		expect(plannedConversations({ repetitions: 3, load: conc })).toBe(0)
		expect(plannedConversations({ repetitions: 3 })).toBe(3)
		expect(plannedConversations({ repetitions: 3, load: { type: 'closed' } })).toBe(3)
	})
})

describe('scheduled times of a conversation (src/engine/interpreter.ts)', () => {
	test('the first message is due at the conversation start; later ones when the reply and the delays made them due', async () => {
		const { clock } = fakeClock()
		const start = clock.now()
		// The generator was 30 ms late for this conversation: its first message is still due at `start`.
		await clock.sleep(30)
		const rec = recorder()
		const { send } = fakeSend(() => ok('hi', { responseTimeMs: 0 }))
		const slowSend: typeof send = async (m, o) => {
			await clock.sleep(200) // the reply takes 200 ms
			return { ...(await send(m, o)), responseTimeMs: 200 }
		}
		await runConversation({
			flow: [
				{ id: 'a', type: 'message', config: { message: 'one' } },
				{ id: 'pause', type: 'delay', config: { durationMs: 40 } },
				{ id: 'b', type: 'message', config: { message: 'two' } },
			],
			send: slowSend,
			recorder: rec,
			clock,
			signal: new AbortController().signal,
			conversationIndex: 0,
			scheduledAt: start,
			sessionId: 's',
			variables: {},
			verbosityLevel: 'normal',
			delayBetweenMs: 10,
		})
		const [a, b] = rec.records
		expect(a.scheduledAt!.getTime()).toBe(start.getTime())
		expect(a.sentAt.getTime() - start.getTime()).toBe(30)
		// Reply at 30 + 200; then the 40 ms delay step and the 10 ms delay between messages.
		expect(b.scheduledAt!.getTime() - start.getTime()).toBe(230 + 40 + 10)
		expect(b.sentAt.getTime()).toBe(b.scheduledAt!.getTime())
	})
})
