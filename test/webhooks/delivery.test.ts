import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { createHmac } from 'node:crypto'
import { eq } from 'drizzle-orm'
import { webhookDeliveries, webhooks } from '../../src/db/schema'
import {
	attemptDelivery,
	createDeliveries,
	recoverPendingDeliveries,
	DELIVER_JOB,
	deliverJobHandler,
	backoffWithJitter,
	parseRetryAfter,
} from '../../src/webhooks/delivery'
import { verifySignature } from '../../src/webhooks/signing'
import { startWorkers } from '../../src/worker'
import { call, createTestDeps, type TestDeps } from '../helpers/deps'
import { startReceiver, waitFor } from '../helpers/webhooks'

let deps: TestDeps
let workers: ReturnType<typeof startWorkers>
const cleanups: (() => unknown)[] = []
beforeAll(async () => {
	deps = await createTestDeps()
	workers = startWorkers(deps, { [DELIVER_JOB]: deliverJobHandler(deps) })
})
afterEach(() => {
	while (cleanups.length) cleanups.pop()!()
})
afterAll(async () => {
	await workers.close(2000)
	await deps.close()
})

async function createHook(url: string, over: Record<string, unknown> = {}) {
	const r = await call(deps.app, 'POST', '/api/webhooks', {
		url,
		events: ['session.completed'],
		retryPolicy: { maxAttempts: 4, initialDelayMs: 10, maxDelayMs: 50 },
		...over,
	})
	expect(r.status).toBe(201)
	return r.json.data as { id: string; secret: string }
}

const deliveries = (webhookId: string) =>
	deps.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, webhookId))

describe('signed delivery', () => {
	test('test event: the receiver verifies the signature with its own HMAC; headers name event and delivery', async () => {
		let secret = ''
		const rx = startReceiver(() => secret)
		cleanups.push(rx.stop)
		const hook = await createHook(rx.url)
		secret = hook.secret
		const r = await call(deps.app, 'POST', `/api/webhooks/${hook.id}/test`)
		expect(r.status).toBe(200)
		expect(r.json.message).toBe('Test event delivered')
		expect(r.json.data).toMatchObject({
			status: 'DELIVERED',
			attempts: 1,
			statusCode: 200,
			event: 'webhook.test',
		})
		expect(rx.received).toHaveLength(1)
		const got = rx.received[0]!
		expect(got.verified).toBe(true)
		expect(got.headers.get('x-krawall-event')).toBe('webhook.test')
		expect(got.headers.get('x-krawall-delivery')).toBe(r.json.data.id)
		const payload = JSON.parse(got.body)
		expect(payload).toMatchObject({
			id: r.json.data.id,
			event: 'webhook.test',
			data: { webhook: { id: hook.id } },
		})
		expect(new Date(payload.createdAt).toISOString()).toBe(payload.createdAt)
		// The shipped verifier agrees with the receiver's own check.
		expect(
			verifySignature({
				secret,
				header: got.headers.get('x-krawall-signature'),
				body: got.body,
				nowSeconds: Date.now() / 1000,
			}),
		).toBe(true)
	})

	test('a tampered body and a stale timestamp are rejected by the receiver', async () => {
		let secret = ''
		const rx = startReceiver(() => secret)
		cleanups.push(rx.stop)
		const hook = await createHook(rx.url)
		secret = hook.secret
		await call(deps.app, 'POST', `/api/webhooks/${hook.id}/test`)
		const original = rx.received[0]!
		const header = original.headers.get('x-krawall-signature')!

		const tampered = original.body.replace('Test event', 'Tost event')
		const t1 = await fetch(rx.url, {
			method: 'POST',
			body: tampered,
			headers: { 'x-krawall-signature': header },
		})
		expect(t1.status).toBe(400)
		expect(await t1.text()).toBe('bad signature')

		const old = Math.floor(Date.now() / 1000) - 3600
		const staleSig = createHmac('sha256', secret).update(`${old}.${original.body}`).digest('hex')
		const t2 = await fetch(rx.url, {
			method: 'POST',
			body: original.body,
			headers: { 'x-krawall-signature': `t=${old},v1=${staleSig}` },
		})
		expect(t2.status).toBe(400)
		expect(await t2.text()).toBe('stale timestamp')

		expect(verifySignature({ secret, header, body: tampered, nowSeconds: Date.now() / 1000 })).toBe(
			false,
		)
		expect(
			verifySignature({
				secret,
				header: `t=${old},v1=${staleSig}`,
				body: original.body,
				nowSeconds: Date.now() / 1000,
			}),
		).toBe(false)
		expect(
			verifySignature({
				secret: 'another-secret-entirely',
				header,
				body: original.body,
				nowSeconds: Date.now() / 1000,
			}),
		).toBe(false)
	})

	test('fails twice, then succeeds: exactly one successful delivery after three attempts, all recorded', async () => {
		let secret = ''
		const rx = startReceiver(
			() => secret,
			(n) => (n <= 2 ? 503 : 200),
		)
		cleanups.push(rx.stop)
		const hook = await createHook(rx.url)
		secret = hook.secret
		const r = await call(deps.app, 'POST', `/api/webhooks/${hook.id}/test`)
		expect(r.json.data).toMatchObject({ status: 'PENDING', attempts: 1, statusCode: 503 })
		expect(r.json.data.error).toContain('HTTP 503')
		expect(r.json.data.nextRetryAt).not.toBeNull()
		const done = await waitFor(async () => {
			const [d] = await deliveries(hook.id)
			return d && d.status !== 'PENDING' ? d : undefined
		}, 'delivery to finish')
		expect(done!).toMatchObject({
			status: 'DELIVERED',
			attempts: 3,
			statusCode: 200,
			error: null,
			nextRetryAt: null,
		})
		expect(done!.deliveredAt).toBeInstanceOf(Date)
		expect(rx.received.map((x) => x.verified)).toEqual([true, true, true])
		const ids = new Set(rx.received.map((x) => x.headers.get('x-krawall-delivery')))
		expect([...ids]).toEqual([done.id])
		// Each retry is signed afresh with the same secret; the body is the same payload.
		expect(new Set(rx.received.map((x) => x.body)).size).toBe(1)
	})

	test('gives up after maxAttempts with the last status and error recorded', async () => {
		const rx = startReceiver(
			() => hook.secret,
			() => 500,
		)
		cleanups.push(rx.stop)
		const hook = await createHook(rx.url, {
			retryPolicy: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 20 },
		})
		await call(deps.app, 'POST', `/api/webhooks/${hook.id}/test`)
		const done = await waitFor(async () => {
			const [d] = await deliveries(hook.id)
			return d && d.status !== 'PENDING' ? d : undefined
		}, 'delivery to fail')
		expect(done!).toMatchObject({ status: 'FAILED', attempts: 2, statusCode: 500 })
		expect(done.error).toContain('HTTP 500')
		expect(rx.received).toHaveLength(2)
	})

	test('410 Gone disables the webhook and stops retrying', async () => {
		const rx = startReceiver(
			() => hook.secret,
			() => 410,
		)
		cleanups.push(rx.stop)
		const hook = await createHook(rx.url)
		const r = await call(deps.app, 'POST', `/api/webhooks/${hook.id}/test`)
		expect(r.json.data).toMatchObject({ status: 'FAILED', attempts: 1, statusCode: 410 })
		const [row] = await deps.db.select().from(webhooks).where(eq(webhooks.id, hook.id))
		expect(row!.isActive).toBe(false)
		expect(row!.disabledReason).toContain('410')
		const page = await call(deps.app, 'GET', `/webhooks/${hook.id}`)
		expect(page.text).toContain('disabled by receiver')
		// Re-enabling clears the reason.
		const on = await call(deps.app, 'PATCH', `/api/webhooks/${hook.id}`, { isActive: true })
		expect(on.json.data).toMatchObject({ isActive: true, disabledReason: null })
	})

	test('Retry-After is honoured for the next attempt', async () => {
		const rx = startReceiver(
			() => hook.secret,
			(n) =>
				n === 1 ? new Response('slow down', { status: 429, headers: { 'retry-after': '1' } }) : 200,
		)
		cleanups.push(rx.stop)
		const hook = await createHook(rx.url, {
			retryPolicy: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 60_000 },
		})
		const before = Date.now()
		const r = await call(deps.app, 'POST', `/api/webhooks/${hook.id}/test`)
		expect(r.json.data).toMatchObject({ status: 'PENDING', statusCode: 429 })
		const next = new Date(r.json.data.nextRetryAt).getTime()
		expect(next - before).toBeGreaterThanOrEqual(1000)
		const done = await waitFor(async () => {
			const [d] = await deliveries(hook.id)
			return d?.status === 'DELIVERED' ? d : undefined
		}, 'delivery after Retry-After')
		expect(done!.attempts).toBe(2)
		expect(Date.now()).toBeGreaterThanOrEqual(next)
	})

	test('an unreachable receiver is recorded as a network error and retried', async () => {
		const rx = startReceiver(() => '')
		const url = rx.url
		rx.stop()
		const hook = await createHook(url, {
			retryPolicy: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 10 },
		})
		const r = await call(deps.app, 'POST', `/api/webhooks/${hook.id}/test`)
		expect(r.json.data).toMatchObject({ status: 'PENDING', attempts: 1, statusCode: null })
		expect(r.json.data.error).toBeTruthy()
		const done = await waitFor(async () => {
			const [d] = await deliveries(hook.id)
			return d?.status === 'FAILED' ? d : undefined
		}, 'delivery to fail')
		expect(done!.attempts).toBe(2)
	})

	test('a receiver that does not answer in time is a timed-out attempt, retried later', async () => {
		const hanging = Bun.serve({
			hostname: '127.0.0.1',
			port: 0,
			fetch: () => new Promise<Response>(() => {}),
		})
		cleanups.push(() => hanging.stop(true))
		const hook = await createHook(`http://127.0.0.1:${hanging.port}/hook`)
		const [row] = await createDeliveries(deps, [
			{ webhookId: hook.id, event: 'session.completed', data: {} },
		])
		await workers.close(1000)
		try {
			const after = await attemptDelivery(deps, row!.id, undefined, { timeoutMs: 200 })
			expect(after).toMatchObject({
				status: 'PENDING',
				attempts: 1,
				statusCode: null,
				error: 'timed out after 200 ms',
			})
			expect(after!.nextRetryAt).toBeInstanceOf(Date)
			await deps.db
				.update(webhookDeliveries)
				.set({ status: 'FAILED' })
				.where(eq(webhookDeliveries.id, row!.id))
		} finally {
			workers = startWorkers(deps, { [DELIVER_JOB]: deliverJobHandler(deps) })
		}
	})

	test('the delivery log pages through attempts (JSON and fragment)', async () => {
		const rx = startReceiver(() => hook.secret)
		cleanups.push(rx.stop)
		const hook = await createHook(rx.url)
		for (let i = 0; i < 3; i++) await call(deps.app, 'POST', `/api/webhooks/${hook.id}/test`)
		const p1 = await call(deps.app, 'GET', `/api/webhooks/${hook.id}/deliveries?limit=2`)
		expect(p1.json.pagination).toEqual({ total: 3, limit: 2, offset: 0, hasMore: true })
		expect(p1.json.data).toHaveLength(2)
		const p2 = await call(deps.app, 'GET', `/api/webhooks/${hook.id}/deliveries?limit=2&offset=2`)
		expect(p2.json.pagination.hasMore).toBe(false)
		expect(p2.json.data).toHaveLength(1)
		const failed = await call(deps.app, 'GET', `/api/webhooks/${hook.id}/deliveries?status=FAILED`)
		expect(failed.json.data).toHaveLength(0)
		const frag = await call(
			deps.app,
			'GET',
			`/api/webhooks/${hook.id}/deliveries?limit=2`,
			undefined,
			{ 'hx-request': 'true' },
		)
		expect(frag.text).toStartWith('<div id="delivery-log"')
		expect(frag.text).toContain('Older')
		expect(frag.text).toContain('DELIVERED')
	})
})

describe('restart recovery', () => {
	test('PENDING deliveries left by a dead process are re-enqueued when the workers start, and delivered', async () => {
		const rx = startReceiver(() => hook.secret)
		cleanups.push(rx.stop)
		const hook = await createHook(rx.url)
		// As a crashed process leaves them: rows, one due, one already retried once, no job in any queue.
		await workers.close(1000)
		const rows = await createDeliveries(deps, [
			{ webhookId: hook.id, event: 'session.completed', data: { n: 1 } },
			{ webhookId: hook.id, event: 'session.completed', data: { n: 2 } },
		])
		await deps.db
			.update(webhookDeliveries)
			.set({ attempts: 1, nextRetryAt: new Date(Date.now() - 1000) })
			.where(eq(webhookDeliveries.id, rows[1]!.id))
		workers = startWorkers(deps, { [DELIVER_JOB]: deliverJobHandler(deps) })
		const done = await waitFor(async () => {
			const ds = await deliveries(hook.id)
			return ds.every((d) => d.status === 'DELIVERED') ? ds : undefined
		}, 'recovered deliveries')
		expect(done.map((d) => d.attempts).sort()).toEqual([1, 2])
		expect(rx.received).toHaveLength(2)
		// Recovering again finds nothing of this webhook pending.
		await recoverPendingDeliveries(deps)
		expect((await deliveries(hook.id)).every((d) => d.status === 'DELIVERED')).toBe(true)
	})
})

describe('retry arithmetic', () => {
	test('backoff doubles per attempt, is capped, and the jitter stays within half a step', () => {
		expect(backoffWithJitter(1, 1000, 60_000, () => 0)).toBe(500)
		expect(backoffWithJitter(1, 1000, 60_000, () => 1)).toBe(1000)
		expect(backoffWithJitter(3, 1000, 60_000, () => 1)).toBe(4000)
		expect(backoffWithJitter(20, 1000, 60_000, () => 1)).toBe(60_000)
	})
	test('Retry-After as seconds or an HTTP date', () => {
		const now = new Date('2026-01-01T00:00:00Z')
		expect(parseRetryAfter('7', now)).toBe(7000)
		expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000)
		expect(parseRetryAfter('soon', now)).toBeUndefined()
		expect(parseRetryAfter(null, now)).toBeUndefined()
	})
})
