import type { Deps } from '../deps'
import { TEST_EVENT } from './model'
import { attemptDelivery, createDeliveries } from './delivery'
import { getWebhook } from './service'

/**
 * `POST /api/webhooks/:id/test`: a `webhook.test` delivery whose first attempt runs inline so the
 * caller sees the outcome at once; later attempts (if it fails) go through the queue as usual.
 * Sent even when the webhook is disabled, so a receiver can be checked before enabling it.
 */
export async function sendTestEvent(
	deps: Pick<Deps, 'db' | 'queue' | 'secrets' | 'clock' | 'log' | 'config'>,
	id: string,
) {
	const hook = await getWebhook(deps, id)
	const [row] = await createDeliveries(deps, [
		{
			webhookId: hook.id,
			event: TEST_EVENT,
			data: {
				message: 'Test event from Krawall',
				webhook: { id: hook.id, name: hook.name, events: hook.events },
			},
		},
	])
	return (await attemptDelivery(deps, row!.id)) ?? row!
}
