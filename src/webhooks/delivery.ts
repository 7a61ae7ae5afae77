import { newId } from '../ids'
import { and, eq } from 'drizzle-orm'
import type { Deps } from '../deps'
import { webhookDeliveries, webhooks } from '../db/schema'
import type { Job } from '../queue/types'
import { createTransport } from '../connectors/transport'
import { createOutboundGuard, OutboundRefused, outboundUrlProblem } from '../security/outbound'
import { TEST_EVENT, type DeliveryRow } from './model'
import { decryptSecret, retryPolicyOf } from './service'
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signatureHeader } from './signing'

/**
 * Delivery of one webhook event: a row in webhook_deliveries is the durable state; a
 * `webhook.deliver` job (payload `{ deliveryId }` only) performs one attempt and, on failure,
 * enqueues the next with a delay. Receivers deduplicate with `X-Krawall-Delivery`.
 */
export const DELIVER_JOB = 'webhook.deliver'
type DeliverPayload = { deliveryId: string }
const DELIVERY_TIMEOUT_MS = 10_000

type Ctx = Pick<Deps, 'db' | 'queue' | 'secrets' | 'clock' | 'log' | 'config'>

export type NewDelivery = { webhookId: string; event: string; data: Record<string, unknown> }

/** Inserts delivery rows (payload `{ id, event, createdAt, data }`) and returns them; does not enqueue. */
export async function createDeliveries(deps: Pick<Deps, 'db' | 'clock'>, items: NewDelivery[]) {
	if (!items.length) return []
	const createdAt = deps.clock.now()
	const values = items.map((it) => {
		const id = newId()
		return {
			id,
			webhookId: it.webhookId,
			event: it.event,
			payload: { id, event: it.event, createdAt: createdAt.toISOString(), data: it.data },
			createdAt,
		}
	})
	return deps.db.insert(webhookDeliveries).values(values).returning()
}

/** Job ids carry the attempt number so a re-enqueue of the same attempt (start-up recovery) is a no-op. */
const deliveryJobId = (deliveryId: string, attempt: number) => `wh-${deliveryId}-${attempt}`

export function enqueueDelivery(
	deps: Pick<Deps, 'queue'>,
	row: Pick<DeliveryRow, 'id' | 'attempts'>,
	delayMs = 0,
) {
	return deps.queue.enqueue<DeliverPayload>(
		DELIVER_JOB,
		{ deliveryId: row.id },
		{ jobId: deliveryJobId(row.id, row.attempts + 1), delayMs: Math.max(0, Math.round(delayMs)) },
	)
}

/** Seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: Date): number | undefined {
	if (!value) return undefined
	if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000
	const at = Date.parse(value)
	return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime())
}

/** Exponential backoff with "equal jitter": half the step fixed, half random, capped. */
export function backoffWithJitter(
	attempt: number,
	initialMs: number,
	maxMs: number,
	random = Math.random,
) {
	const step = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1))
	return Math.round(step / 2 + random() * (step / 2))
}

type Outcome = {
	ok: boolean
	statusCode: number | null
	error: string | null
	retryAfterMs?: number
	/** Refused by the outbound policy: retrying cannot help. */
	refused?: boolean
}

async function send(
	deps: Ctx,
	url: string,
	secret: string,
	row: DeliveryRow,
	signal: AbortSignal | undefined,
	timeoutMs: number,
): Promise<Outcome> {
	const body = JSON.stringify(row.payload)
	const t = Math.floor(deps.clock.now().getTime() / 1000)
	const timeout = AbortSignal.timeout(timeoutMs)
	// Resolved, checked and connected to the checked address; a 3xx is an answer, not followed.
	const transport = createTransport({
		guard: createOutboundGuard({ denyList: deps.config.urlDenyList }),
	})
	try {
		const res = await transport.request(new URL(url), {
			method: 'POST',
			body,
			redirect: 'none',
			signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
			headers: {
				'content-type': 'application/json',
				'user-agent': 'Krawall-Webhooks/1',
				[SIGNATURE_HEADER]: signatureHeader(secret, t, body),
				[EVENT_HEADER]: row.event,
				[DELIVERY_HEADER]: row.id,
			},
		})
		const text = await res.text().catch(() => '')
		if (res.status >= 200 && res.status < 300)
			return { ok: true, statusCode: res.status, error: null }
		return {
			ok: false,
			statusCode: res.status,
			error: `HTTP ${res.status}${text ? `: ${text.slice(0, 300)}` : ''}`,
			retryAfterMs: parseRetryAfter(res.header('retry-after') ?? null, deps.clock.now()),
		}
	} catch (e) {
		if (e instanceof OutboundRefused)
			return { ok: false, statusCode: null, error: `URL refused: ${e.message}`, refused: true }
		const timedOut = timeout.aborted
		const message = timedOut
			? `timed out after ${timeoutMs} ms`
			: e instanceof Error
				? e.message
				: String(e)
		return { ok: false, statusCode: null, error: message.slice(0, 300) }
	} finally {
		transport.close()
	}
}

/**
 * Performs the next attempt of a PENDING delivery and records it on the row. The attempt is
 * claimed with a conditional UPDATE on `attempts`, so two workers never send the same attempt.
 * Returns the updated row, or undefined when there was nothing to do.
 */
export async function attemptDelivery(
	deps: Ctx,
	deliveryId: string,
	signal?: AbortSignal,
	opts: { timeoutMs?: number } = {},
) {
	const [row] = await deps.db
		.select()
		.from(webhookDeliveries)
		.where(eq(webhookDeliveries.id, deliveryId))
	if (!row || row.status !== 'PENDING') return undefined
	const [hook] = await deps.db.select().from(webhooks).where(eq(webhooks.id, row.webhookId))
	if (!hook) return undefined
	const attempt = row.attempts + 1
	const [claimed] = await deps.db
		.update(webhookDeliveries)
		.set({ attempts: attempt, nextRetryAt: null })
		.where(
			and(
				eq(webhookDeliveries.id, row.id),
				eq(webhookDeliveries.status, 'PENDING'),
				eq(webhookDeliveries.attempts, row.attempts),
			),
		)
		.returning()
	if (!claimed) return undefined

	const finish = (set: Partial<DeliveryRow>) =>
		deps.db
			.update(webhookDeliveries)
			.set(set)
			.where(eq(webhookDeliveries.id, row.id))
			.returning()
			.then((r) => r[0])

	if (!hook.isActive && row.event !== TEST_EVENT) {
		return finish({
			status: 'FAILED',
			error: `webhook is disabled${hook.disabledReason ? `: ${hook.disabledReason}` : ''}`,
		})
	}
	const denied = outboundUrlProblem(hook.url, deps.config.urlDenyList)
	if (denied) return finish({ status: 'FAILED', error: `URL refused: ${denied}` })

	const outcome = await send(
		deps,
		hook.url,
		decryptSecret(deps, hook),
		claimed,
		signal,
		opts.timeoutMs ?? DELIVERY_TIMEOUT_MS,
	)
	const now = deps.clock.now()
	if (outcome.ok) {
		return finish({
			status: 'DELIVERED',
			statusCode: outcome.statusCode,
			error: null,
			deliveredAt: now,
		})
	}
	if (outcome.refused) return finish({ status: 'FAILED', statusCode: null, error: outcome.error })
	if (outcome.statusCode === 410) {
		const reason = `receiver answered 410 Gone on ${now.toISOString()}`
		await deps.db
			.update(webhooks)
			.set({ isActive: false, disabledReason: reason })
			.where(eq(webhooks.id, hook.id))
		deps.log.warn('webhook disabled by its receiver (410)', { webhookId: hook.id })
		return finish({ status: 'FAILED', statusCode: 410, error: outcome.error })
	}
	const policy = retryPolicyOf(hook)
	if (attempt >= policy.maxAttempts) {
		return finish({ status: 'FAILED', statusCode: outcome.statusCode, error: outcome.error })
	}
	const delayMs =
		outcome.retryAfterMs !== undefined
			? Math.min(outcome.retryAfterMs, policy.maxDelayMs)
			: backoffWithJitter(attempt, policy.initialDelayMs, policy.maxDelayMs)
	const updated = await finish({
		statusCode: outcome.statusCode,
		error: outcome.error,
		nextRetryAt: new Date(now.getTime() + delayMs),
	})
	await enqueueDelivery(deps, updated!, delayMs)
	return updated
}

export const deliverJobHandler =
	(deps: Ctx) => async (job: Job<DeliverPayload>, signal: AbortSignal) => {
		await attemptDelivery(deps, job.data.deliveryId, signal)
	}

/**
 * Start-up recovery: every PENDING delivery gets its next attempt enqueued again, due now or at
 * its `next_retry_at`. BullMQ ignores ids it already holds; the in-process queue lost them all.
 */
export async function recoverPendingDeliveries(deps: Ctx) {
	const rows = await deps.db
		.select({
			id: webhookDeliveries.id,
			attempts: webhookDeliveries.attempts,
			nextRetryAt: webhookDeliveries.nextRetryAt,
		})
		.from(webhookDeliveries)
		.where(eq(webhookDeliveries.status, 'PENDING'))
	const now = deps.clock.now().getTime()
	for (const r of rows)
		await enqueueDelivery(deps, r, r.nextRetryAt ? r.nextRetryAt.getTime() - now : 0)
	if (rows.length) deps.log.info('webhook deliveries re-enqueued', { count: rows.length })
	return rows.length
}
