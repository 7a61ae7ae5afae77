import { CompareWith } from '../compare/compare-with'
import type { Envelope } from '../../src/http/model'
import type { SessionDetail } from '../../src/sessions/present'
import type { ChartSeries, SessionSeries } from '../../src/metrics/model'
import { isActiveStatus, StatusBadge } from '../ui/badge'
import { formatDate } from '../ui/format'
import { Layout, PageHeader } from '../ui/layout'
import { ReportLinks } from '../reports/links'
import { SessionCharts } from './charts'
import { SummaryTiles, unpriced } from './summary'
import { ProgressTiles } from './live'
import { TimeseriesSection } from './timeseries'

/** A session's page: status and timing, progress or summary tiles, actions, charts, the log. */

export const CancelResult = (r: Envelope<{ id: string; status: string }>) => (
	<span>
		<StatusBadge status={r.data.status} /> <span safe>{r.message ?? ''}</span>
	</span>
)

type Summary = NonNullable<SessionDetail['summaryMetrics']>

/**
 * How the run went, beside its status: a session can be COMPLETED while every message failed
 * (or the target refused the credentials), which a green status alone would hide. The same
 * checks make `krawall run` exit 1 (src/cli/run.ts).
 */
export function OutcomeBadge({ m }: { m: Summary }) {
	const auth = m.errorsByType.auth_error ?? 0
	if (m.totalMessages > 0 && m.failedMessages === m.totalMessages)
		return (
			<span class="badge bg-red-600 text-white" data-outcome="all-failed">
				every message failed
			</span>
		)
	if (auth > 0)
		return (
			<span class="badge bg-red-600 text-white" data-outcome="auth-errors">
				{`${auth} auth error(s)` as 'safe'}
			</span>
		)
	if (m.failedMessages > 0)
		return (
			<span class="badge bg-amber-100 text-amber-800" data-outcome="some-failed">
				{`${m.failedMessages} of ${m.totalMessages} failed` as 'safe'}
			</span>
		)
	return ''
}

/** The failed messages by error type (`auth_error 2 · timeout 1`), most frequent first. */
export function ErrorsByType({ m }: { m: Summary }) {
	const entries = Object.entries(m.errorsByType).sort((a, b) => b[1] - a[1])
	if (!entries.length) return ''
	return (
		<div id="errors-by-type" class="flex flex-wrap items-center gap-2 text-sm">
			<span class="text-slate-500">Errors by type</span>
			{entries.map(([type, n]) => (
				<span
					class="badge bg-red-50 font-mono text-red-800 ring-1 ring-red-200"
					data-error-type={type}
					safe
				>
					{`${type} ${n}`}
				</span>
			))}
		</div>
	)
}

/** Header, timing, progress or summary tiles and actions; re-fetched when the live stream completes. */
function SessionDetailBlock({ s }: { s: SessionDetail }) {
	const active = isActiveStatus(s.status)
	return (
		<div
			id="session-detail"
			class="space-y-4"
			hx-get={active ? `/api/sessions/${s.id}` : undefined}
			hx-trigger={active ? 'sse:complete' : undefined}
			hx-target={active ? 'this' : undefined}
			hx-swap={active ? 'outerHTML' : undefined}
		>
			<div class="card flex flex-wrap items-center gap-x-8 gap-y-2 text-sm">
				<div
					id="session-status"
					sse-swap={active ? 'status' : undefined}
					hx-target={active ? 'this' : undefined}
					hx-swap={active ? 'innerHTML' : undefined}
				>
					<StatusBadge status={s.status} />
				</div>
				{s.summaryMetrics ? <OutcomeBadge m={s.summaryMetrics} /> : ''}
				<div>
					<span class="text-slate-500">Target </span>
					<a class="text-indigo-700 underline" href={`/targets/${s.targetId}`} safe>
						{s.target?.name ?? s.targetId}
					</a>
				</div>
				<div>
					<span class="text-slate-500">Scenario </span>
					{s.scenario ? (
						<a class="text-indigo-700 underline" href={`/scenarios/${s.scenario.id}`} safe>
							{s.scenario.name}
						</a>
					) : (
						'Custom messages'
					)}
				</div>
				<div>
					<span class="text-slate-500">Started </span>
					<span safe>{formatDate(s.startedAt)}</span>
				</div>
				<div>
					<span class="text-slate-500">Ended </span>
					<span safe>{formatDate(s.completedAt)}</span>
				</div>
				{s.error ? (
					<div class="text-red-700" safe>
						{s.error}
					</div>
				) : (
					''
				)}
				{s.summaryMetrics ? <ErrorsByType m={s.summaryMetrics} /> : ''}
			</div>
			{s.summaryMetrics ? (
				<SummaryTiles m={s.summaryMetrics} />
			) : (
				<div sse-swap="progress" hx-target="this" hx-swap="innerHTML">
					<ProgressTiles progress={s.progress} />
				</div>
			)}
			<SessionActions s={s} />
		</div>
	)
}

function SessionActions({ s }: { s: SessionDetail }) {
	const active = isActiveStatus(s.status)
	return (
		<div class="flex flex-wrap items-center gap-2">
			{active ? (
				<form method="post" action={`/api/sessions/${s.id}/cancel`}>
					<button class="btn-danger" type="submit" id="cancel-session">
						Cancel
					</button>
				</form>
			) : (
				''
			)}
			<form method="post" action={`/api/sessions/${s.id}/restart`}>
				<button class="btn-secondary" type="submit">
					Restart
				</button>
			</form>
			{s.status !== 'RUNNING' ? (
				<form
					method="post"
					action={`/api/sessions/${s.id}/delete`}
					hx-confirm="Delete this session, its messages and logs?"
				>
					<button class="btn-secondary" type="submit">
						Delete
					</button>
				</form>
			) : (
				''
			)}
			{s.summaryMetrics ? (
				<>
					<ReportLinks
						href={`/api/sessions/${s.id}/report`}
						id="session-report"
						class="btn-secondary"
					/>
				</>
			) : (
				''
			)}
			<a
				class="btn-secondary"
				href={`/api/metrics/export?sessionId=${s.id}&format=csv`}
				hx-boost="false"
			>
				Export CSV
			</a>
			<a
				class="btn-secondary"
				href={`/api/metrics/export?sessionId=${s.id}&format=json`}
				hx-boost="false"
			>
				Export JSON
			</a>
		</div>
	)
}

/** GET /api/sessions/:id for htmx (re-fetched when the live stream completes). */
export const SessionDetailFragment = (r: Envelope<SessionDetail>) => (
	<SessionDetailBlock s={r.data} />
)

/**
 * `htmlChatLog`: the rendered log of the recorded messages (ChatLog), `lastEventId` the id
 * of the last one, where the live stream resumes; `shown`: how many messages they are;
 * `series`: the run's chart data (getSessionSeries).
 */
export function SessionPage({
	s,
	htmlChatLog,
	lastEventId,
	shown,
	more,
	series,
	timeseries,
	compareWith = [],
}: {
	s: SessionDetail
	/** The rendered ChatLog of the recorded messages (src/sessions/pages.tsx shares it). */
	htmlChatLog: JSX.Element
	lastEventId: number
	shown: number
	more: boolean
	series?: SessionSeries
	/** The per-second buckets (getChartSeries), drawn live while the run goes. */
	timeseries?: ChartSeries
	/** Other finished sessions for "compare with…" (shown once this one has a summary). */
	compareWith?: { id: string; label: string }[]
}) {
	const live = isActiveStatus(s.status)
	const body = (
		<>
			<SessionDetailBlock s={s} />
			{timeseries ? <TimeseriesSection series={timeseries} live={live} /> : ''}
			{series ? (
				<SessionCharts
					series={series}
					unpriced={s.summaryMetrics ? unpriced(s.summaryMetrics) : undefined}
				/>
			) : (
				''
			)}
			{htmlChatLog}
			{more && !live ? (
				<a
					class="text-sm text-indigo-700 underline"
					href={`/api/sessions/${s.id}/messages?offset=${shown}&limit=1000`}
					hx-boost="false"
				>
					More messages (JSON)
				</a>
			) : (
				''
			)}
		</>
	)
	return (
		<Layout title={`Session ${s.id}`} active="/sessions">
			<PageHeader title={`Session ${s.id}`}>
				{s.summaryMetrics ? <CompareWith sessionId={s.id} candidates={compareWith} /> : ''}
			</PageHeader>
			{live ? (
				<div
					class="space-y-4"
					hx-ext="sse"
					sse-connect={`/api/sessions/${s.id}/stream?format=html&lastEventId=${lastEventId}`}
					sse-close="complete"
				>
					{body}
				</div>
			) : (
				<div class="space-y-4">{body}</div>
			)}
		</Layout>
	)
}
