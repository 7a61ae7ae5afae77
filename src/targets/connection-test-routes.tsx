import { Elysia, t } from 'elysia'
import { ConnectionTestView } from '../../views/connection-test'
import type { Deps } from '../deps'
import { testTargetConnection } from './connection-test'

const ConnectionTestBody = t.Object({
	message: t.Optional(t.String({ minLength: 1, maxLength: 10_000 })),
	timeoutMs: t.Optional(t.Integer({ minimum: 100, maximum: 120_000 })),
})

/** `POST /api/targets/:id/test`: one real exchange with the target; the result is recorded on it. */
export function connectionTestRoutes(deps: Deps) {
	return new Elysia().post(
		'/api/targets/:id/test',
		async ({ params, body }) => ({
			success: true,
			data: await testTargetConnection(deps, params.id, body ?? {}),
		}),
		{
			params: t.Object({ id: t.String({ maxLength: 100 }) }),
			body: t.Optional(ConnectionTestBody),
			view: (r: { data: Awaited<ReturnType<typeof testTargetConnection>> }) => (
				<ConnectionTestView result={r.data} />
			),
		},
	)
}
