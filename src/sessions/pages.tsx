import { Elysia, t } from 'elysia'
import { SessionPage } from '../../views/sessions/detail'
import { NewSessionPage } from '../../views/sessions/execute-form'
import { SessionsPage } from '../../views/sessions/list'
import type { Deps } from '../deps'
import { getSharedSessionSeries } from '../metrics/series'
import { getChartSeries } from '../metrics/timeseries'
import { listScenarioOptions } from '../scenarios/service'
import { listTargetOptions } from '../targets/service'
import { ListQuery } from './model'
import { messageEvents, receivedId } from './events'
import { getSession, listMessages, listSessions } from './service'

const PAGE_MESSAGES = 500
/** Recent completed sessions offered by "compare with…" on a session page. */
const COMPARE_CANDIDATES = 20

/** Active targets and scenarios for pickers (execute form, filters). */
export async function executeOptions(deps: Pick<Deps, 'db'>) {
	const [ts, ss] = await Promise.all([
		listTargetOptions(deps, { activeOnly: true }),
		listScenarioOptions(deps, { activeOnly: true }),
	])
	return { targets: ts, scenarios: ss }
}

export const sessionPages = (deps: Deps) =>
	new Elysia()
		.get(
			'/sessions',
			async ({ query, request }) => {
				const [r, opts] = await Promise.all([listSessions(deps, query), executeOptions(deps)])
				const url = new URL(request.url)
				return (
					<SessionsPage
						items={r.items}
						pagination={{
							total: r.total,
							limit: r.limit,
							offset: r.offset,
							hasMore: r.offset + r.limit < r.total,
						}}
						url={url.pathname + url.search}
						targets={opts.targets}
						scenarios={opts.scenarios}
						query={query}
					/>
				)
			},
			{
				query: ListQuery,
				// Empty filter fields from the form mean "any".
				transform({ query }) {
					for (const k of Object.keys(query))
						if ((query as Record<string, unknown>)[k] === '')
							delete (query as Record<string, unknown>)[k]
				},
			},
		)
		.get(
			'/sessions/new',
			async ({ query }) => {
				const opts = await executeOptions(deps)
				return <NewSessionPage {...opts} targetId={query.targetId} scenarioId={query.scenarioId} />
			},
			{ query: t.Object({ targetId: t.Optional(t.String()), scenarioId: t.Optional(t.String()) }) },
		)
		.get(
			'/sessions/:id',
			async ({ params }) => {
				const s = await getSession(deps, params.id)
				const [m, series, timeseries, others] = await Promise.all([
					listMessages(deps, params.id, { limit: PAGE_MESSAGES }),
					getSharedSessionSeries(deps, params.id),
					getChartSeries(deps, params.id),
					listSessions(deps, { status: 'COMPLETED', limit: COMPARE_CANDIDATES + 1 }),
				])
				const last = m.items.at(-1)
				return (
					<SessionPage
						s={s}
						events={m.items.flatMap(messageEvents)}
						lastEventId={last ? receivedId(last.seq) : 0}
						shown={m.items.length}
						more={m.total > m.items.length}
						series={series}
						timeseries={timeseries}
						compareWith={others.items
							.filter((o) => o.id !== s.id && o.summaryMetrics)
							.slice(0, COMPARE_CANDIDATES)
							.map((o) => ({
								id: o.id,
								label: `${o.id} · ${o.target?.name ?? '—'} · ${o.scenario?.name ?? 'custom messages'}`,
							}))}
					/>
				)
			},
			{ params: t.Object({ id: t.String({ minLength: 1, maxLength: 64 }) }) },
		)
