import { Elysia, t, type Static } from 'elysia'
import { ConnectionTestFragment } from '../../views/targets/connection-test'
import type { Deps } from '../deps'
import { ok } from '../http/envelope'
import { negotiated } from '../http/negotiate'
import { testTargetConnection } from './connection-test'
import { documented } from '../openapi/doc'
import { okOf } from '../openapi/schemas'
import { ConnectionTestSchema } from './responses'

const ConnectionTestBody = t.Object({
	message: t.Optional(t.String({ minLength: 1, maxLength: 10_000 })),
	timeoutMs: t.Optional(t.Integer({ minimum: 100, maximum: 120_000 })),
})
type ConnectionTestInput = Static<typeof ConnectionTestBody>

/** `POST /api/targets/:id/test`: one real exchange with the target; the result is recorded on it. */
export function connectionTestRoutes(deps: Deps) {
	const test = async ({
		params,
		body,
	}: {
		params: { id: string }
		body: ConnectionTestInput | null
	}) => ok(await testTargetConnection(deps, params.id, body ?? {}))
	return new Elysia().post('/api/targets/:id/test', test, {
		params: t.Object({ id: t.String({ maxLength: 100 }) }),
		body: t.Optional(ConnectionTestBody),
		...documented({
			summary: 'Test a target: one real exchange, recorded as its last test',
			response: okOf(ConnectionTestSchema),
		}),
		...negotiated(test, { view: ConnectionTestFragment }),
	})
}
