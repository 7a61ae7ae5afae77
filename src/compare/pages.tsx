import { Elysia } from 'elysia'
import { ComparePage } from '../../views/compare/page'
import type { Deps } from '../deps'
import { compareSessions } from './service'

/**
 * `/compare?ids=a,b` — or `?id=a&id=b`, which is what the sessions list's ticked rows and a
 * session's "compare with…" form submit. Bad ids get the error page with the API's status.
 */
export const comparePages = (deps: Deps) =>
	new Elysia().get('/compare', async ({ request }) => {
		const q = new URL(request.url).searchParams
		const ids = [q.get('ids') ?? '', ...q.getAll('id')].filter(Boolean).join(',')
		return <ComparePage c={await compareSessions(deps, ids)} />
	})
