import { Elysia, t } from 'elysia'
import { SessionPage } from '../../views/sessions/detail'
import { ChatLog } from '../../views/sessions/live'
import { NewSessionPage } from '../../views/sessions/execute-form'
import { SessionsPage } from '../../views/sessions/list'
import type { Deps } from '../deps'
import { versioned } from '../db/versioned'
import { getSharedSessionSeries } from '../metrics/series'
import { getChartSeries } from '../metrics/timeseries'
import { listScenarioOptions } from '../scenarios/service'
import { listTargetOptions } from '../targets/service'
import { ListQuery } from './model'
import { messageEvents, receivedId } from './events'
import { isActiveStatus } from '../../views/ui/badge'
import type { SessionMessage } from './present'
import { getSession, listMessages, listSessions, sessionStatus } from './service'

const PAGE_MESSAGES = 500
/** Recent completed sessions offered by "compare with…" on a session page. */
const COMPARE_CANDIDATES = 20

/**
 * The page's message list, shared by the viewers that load one session's page together (issue 13,
 * "200 live viewers"): each page read 500 rows and rendered 1,000 bubbles for itself. A list serves
 * the pages loaded within PAGE_LOG_SHARE_MS of its read while the session is in the same state: the
 * live stream resumes after its last message, so a slightly older list only moves rows from the
 * page to the stream; once ended, the rows no longer change. The rendered log is kept with it.
 */
type PageLog = { items: SessionMessage[]; total: number; html: Map<boolean, string> }
const pageLogs = new Map<string, { at: number; ended: boolean; log: Promise<PageLog> }>()
const PAGE_LOG_SHARE_MS = 1000
const PAGE_LOGS_MAX = 32
function pageLog(deps: Deps, id: string, ended: boolean, now: number): Promise<PageLog> {
	// Lists older than the window are dropped (oldest first), so what is kept is bounded by the
	// pages loaded in the last second, whatever the size of the messages.
	for (const [key, e] of pageLogs) {
		if (now - e.at < PAGE_LOG_SHARE_MS) break
		pageLogs.delete(key)
	}
	const cached = pageLogs.get(id)
	// A list read while the session ran never serves the page of the ended session.
	if (cached && cached.ended === ended) return cached.log
	const log = listMessages(deps, id, { limit: PAGE_MESSAGES }).then((m) => ({
		items: m.items,
		total: m.total,
		html: new Map<boolean, string>(),
	}))
	const entry = { at: now, ended, log }
	pageLogs.delete(id)
	pageLogs.set(id, entry)
	if (pageLogs.size > PAGE_LOGS_MAX) pageLogs.delete(pageLogs.keys().next().value!)
	// A failed read is nobody's list: the next page reads again.
	void log.catch(() => pageLogs.get(id) === entry && pageLogs.delete(id))
	return log
}

/** The session page, rendered (the bytes every viewer of the page in the same second gets). */
async function renderSessionPage(deps: Deps, id: string) {
	const s = await getSession(deps, id)
	const ended = !isActiveStatus(s.status)
	const [m, series, timeseries, others] = await Promise.all([
		pageLog(deps, id, ended, performance.now()),
		getSharedSessionSeries(deps, id),
		getChartSeries(deps, id),
		listSessions(deps, { status: 'COMPLETED', limit: COMPARE_CANDIDATES + 1 }),
	])
	const last = m.items.at(-1)
	const lastEventId = last ? receivedId(last.seq) : 0
	let log = m.html.get(!ended)
	if (log === undefined)
		m.html.set(
			!ended,
			(log = String(
				<ChatLog events={m.items.flatMap(messageEvents)} live={!ended} lastEventId={lastEventId} />,
			)),
		)
	const page = (
		<SessionPage
			s={s}
			htmlChatLog={log}
			lastEventId={lastEventId}
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
	return { status: s.status, bytes: enc.encode(String(page)) }
}

/**
 * The whole page, shared like its list (issue 13, "200 live viewers": each viewer read the session,
 * its charts' seconds and the compare candidates and rendered the page for itself). Every request
 * reads the session's status (one primary-key row); a page rendered within PAGE_LOG_SHARE_MS for
 * the same status serves it, so a page never shows a running session that has ended (nor the
 * reverse). A page whose render found another status than the one it was keyed by is nobody's.
 * Pages older than the window are dropped, at most PAGE_LOGS_MAX kept.
 */
type PageEntry = { at: number; status: string; bytes: Promise<Uint8Array<ArrayBuffer>> }
const sharedPages = new Map<string, PageEntry>()
const enc = new TextEncoder()
export function sharedPage(
	id: string,
	status: string,
	now: number,
	render: () => Promise<{ status: string; bytes: Uint8Array<ArrayBuffer> }>,
): Promise<Uint8Array<ArrayBuffer>> {
	for (const [key, e] of sharedPages) {
		if (now - e.at < PAGE_LOG_SHARE_MS) break
		sharedPages.delete(key)
	}
	const hit = sharedPages.get(id)
	if (hit && hit.status === status && now - hit.at < PAGE_LOG_SHARE_MS) return hit.bytes
	const rendered = render()
	const entry: PageEntry = { at: now, status, bytes: rendered.then((r) => r.bytes) }
	sharedPages.delete(id)
	sharedPages.set(id, entry)
	if (sharedPages.size > PAGE_LOGS_MAX) sharedPages.delete(sharedPages.keys().next().value!)
	const drop = () => sharedPages.get(id) === entry && sharedPages.delete(id)
	// A failed render is nobody's page; one that saw the session in another state is not this one's.
	void rendered.then((r) => r.status !== status && drop(), drop)
	return entry.bytes
}

/** Active targets and scenarios for pickers (execute form, filters). */
export function executeOptions(deps: Pick<Deps, 'db' | 'database'>) {
	return versioned(deps.database, ['targets', 'scenarios'], 'execute-options', async () => {
		const [ts, ss] = await Promise.all([
			listTargetOptions(deps, { activeOnly: true }),
			listScenarioOptions(deps, { activeOnly: true }),
		])
		return { targets: ts, scenarios: ss }
	})
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
				const status = await sessionStatus(deps, params.id)
				const page = await sharedPage(params.id, status, performance.now(), () =>
					renderSessionPage(deps, params.id),
				)
				return new Response(page, { headers: { 'content-type': 'text/html; charset=utf8' } })
			},
			{ params: t.Object({ id: t.String({ minLength: 1, maxLength: 64 }) }) },
		)
