import { and, count, desc, eq } from 'drizzle-orm'
import type { Deps } from '../deps'
import { webhookDeliveries, webhooks } from '../db/schema'
import { Invalid, NotFound, detail } from '../http/errors'
import { outboundUrlProblem } from '../security/outbound'
import {
	DEFAULT_RETRY_POLICY,
	type CreateWebhook,
	type DeliveryQuery,
	type RetryPolicy,
	type UpdateWebhook,
	type WebhookView,
} from './model'
import { generateSecret, isMasked, maskSecret } from './signing'

type Ctx = Pick<Deps, 'db' | 'secrets' | 'config'>
type WebhookRow = typeof webhooks.$inferSelect

export const retryPolicyOf = (row: Pick<WebhookRow, 'retryPolicy'>): RetryPolicy => ({
	...DEFAULT_RETRY_POLICY,
	...row.retryPolicy,
})

export const decryptSecret = (deps: Pick<Deps, 'secrets'>, row: Pick<WebhookRow, 'secret'>) =>
	deps.secrets.decrypt<string>(row.secret)

function present(deps: Ctx, row: WebhookRow, plainSecret?: string): WebhookView {
	return {
		id: row.id,
		name: row.name,
		url: row.url,
		events: row.events,
		secret: plainSecret ?? maskSecret(decryptSecret(deps, row)),
		isActive: row.isActive,
		disabledReason: row.disabledReason,
		retryPolicy: retryPolicyOf(row),
		thresholds: row.thresholds ?? {},
		createdAt: row.createdAt,
		updatedAt: row.updatedAt,
	}
}

function checkUrl(deps: Ctx, url: string) {
	const problem = outboundUrlProblem(url, deps.config.urlDenyList)
	if (problem)
		throw new Invalid([
			{ ...detail(['url'], `URL ${problem}`, 'invalid_string'), received: 'string' },
		])
}

async function load(deps: Ctx, id: string): Promise<WebhookRow> {
	const [row] = await deps.db.select().from(webhooks).where(eq(webhooks.id, id))
	if (!row) throw new NotFound('Webhook not found')
	return row
}

export async function listWebhooks(deps: Ctx): Promise<WebhookView[]> {
	const [rows, last] = await Promise.all([
		deps.db.select().from(webhooks).orderBy(desc(webhooks.createdAt)),
		deps.db
			.selectDistinctOn([webhookDeliveries.webhookId], {
				webhookId: webhookDeliveries.webhookId,
				status: webhookDeliveries.status,
				event: webhookDeliveries.event,
				createdAt: webhookDeliveries.createdAt,
			})
			.from(webhookDeliveries)
			.orderBy(webhookDeliveries.webhookId, desc(webhookDeliveries.createdAt)),
	])
	const byHook = new Map(
		last.map((l) => [l.webhookId, { status: l.status, event: l.event, createdAt: l.createdAt }]),
	)
	return rows.map((r) => ({ ...present(deps, r), lastDelivery: byHook.get(r.id) ?? null }))
}

export async function getWebhook(deps: Ctx, id: string): Promise<WebhookView> {
	return present(deps, await load(deps, id))
}

/** Creates a webhook; the response carries the plain secret this once. */
export async function createWebhook(deps: Ctx, input: CreateWebhook): Promise<WebhookView> {
	checkUrl(deps, input.url)
	const secret = input.secret && !isMasked(input.secret) ? input.secret : generateSecret()
	const [row] = await deps.db
		.insert(webhooks)
		.values({
			name: input.name ?? null,
			url: input.url,
			events: input.events,
			secret: deps.secrets.encrypt(secret),
			isActive: input.isActive ?? true,
			retryPolicy: input.retryPolicy ?? null,
			thresholds: input.thresholds ?? null,
		})
		.returning()
	return present(deps, row!, secret)
}

/**
 * `replace` (PUT, and the dashboard's edit form) resets what the body leaves out; otherwise
 * (PATCH) only named fields change. A missing or masked secret keeps the stored one either way.
 */
export async function updateWebhook(
	deps: Ctx,
	id: string,
	input: UpdateWebhook,
	mode: 'patch' | 'replace' = 'patch',
): Promise<WebhookView> {
	const current = await load(deps, id)
	if (input.url !== undefined) checkUrl(deps, input.url)
	const replace = mode === 'replace'
	const set: Partial<typeof webhooks.$inferInsert> = {}
	if (input.name !== undefined || replace) set.name = input.name ?? null
	if (input.url !== undefined) set.url = input.url
	if (input.events !== undefined) set.events = input.events
	if (input.secret !== undefined && !isMasked(input.secret))
		set.secret = deps.secrets.encrypt(input.secret)
	if (input.isActive !== undefined || replace) {
		set.isActive = input.isActive ?? true
		if (set.isActive) set.disabledReason = null
	}
	if (input.retryPolicy !== undefined || replace) set.retryPolicy = input.retryPolicy ?? null
	if (input.thresholds !== undefined || replace) set.thresholds = input.thresholds ?? null
	if (!Object.keys(set).length) return present(deps, current)
	const [row] = await deps.db.update(webhooks).set(set).where(eq(webhooks.id, id)).returning()
	return present(deps, row!)
}

export async function deleteWebhook(deps: Ctx, id: string): Promise<void> {
	const rows = await deps.db
		.delete(webhooks)
		.where(eq(webhooks.id, id))
		.returning({ id: webhooks.id })
	if (!rows.length) throw new NotFound('Webhook not found')
}

export async function listDeliveries(deps: Ctx, id: string, query: DeliveryQuery) {
	await load(deps, id)
	const limit = query.limit ?? 50
	const offset = query.offset ?? 0
	const where = and(
		eq(webhookDeliveries.webhookId, id),
		query.status ? eq(webhookDeliveries.status, query.status) : undefined,
	)
	const [rows, [{ total }]] = await Promise.all([
		deps.db
			.select()
			.from(webhookDeliveries)
			.where(where)
			.orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
			.limit(limit)
			.offset(offset),
		deps.db.select({ total: count() }).from(webhookDeliveries).where(where),
	])
	return { rows, total: Number(total), limit, offset }
}
