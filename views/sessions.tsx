import type { Progress, SseMessageEvent } from '../src/sessions/events'
import { messageEvents } from '../src/sessions/events'
import type { SessionDetail, SessionListItem, SessionMessage } from '../src/sessions/present'
import type { SessionSeries } from '../src/metrics/series'
import { DataTable, FilterSelect, PageLinks } from './components'
import { Layout, PageHeader } from './layout'
import { SessionCharts } from './session-charts'

const BADGE: Record<string, string> = {
	PENDING: 'bg-slate-100 text-slate-700',
	QUEUED: 'bg-amber-100 text-amber-800',
	RUNNING: 'bg-blue-100 text-blue-800',
	COMPLETED: 'bg-emerald-100 text-emerald-800',
	FAILED: 'bg-red-100 text-red-800',
	CANCELLED: 'bg-slate-200 text-slate-700',
}
const ACTIVE = ['PENDING', 'QUEUED', 'RUNNING']

export function StatusBadge({ status }: { status: string }) {
	return (
		<span
			class={`badge ${BADGE[status] ?? 'bg-slate-100 text-slate-700'}`}
			data-status={status}
			safe
		>
			{status}
		</span>
	)
}

const fmtDate = (d: Date | string | null | undefined) =>
	d ? new Date(d).toISOString().replace('T', ' ').slice(0, 19) : '—'
const fmtMs = (v: unknown) => (typeof v === 'number' ? `${v.toFixed(v < 10 ? 2 : 0)} ms` : '—')
const fmtUsd = (v: unknown) =>
	typeof v === 'number' ? `$${v < 0.01 && v > 0 ? v.toFixed(6) : v.toFixed(4)}` : '—'
const fmtInt = (v: unknown) => (typeof v === 'number' ? v.toLocaleString('en-US') : '—')

export function ProgressBar({ progress, status }: { progress: Progress; status: string }) {
	const total = Math.max(1, progress.conversationsTotal)
	const pct = Math.min(100, Math.round((progress.conversationsCompleted / total) * 100))
	return (
		<div
			class="min-w-32"
			title={`${progress.conversationsCompleted} of ${progress.conversationsTotal} conversations`}
		>
			<div class="h-2 w-full overflow-hidden rounded bg-slate-200">
				<div
					class={`h-2 ${status === 'RUNNING' ? 'bg-blue-500' : 'bg-slate-400'}`}
					style={`width:${pct}%`}
				></div>
			</div>
			<div class="mt-0.5 text-xs text-slate-500" safe>
				{`${progress.conversationsCompleted}/${progress.conversationsTotal} conv · ${progress.messagesCompleted} msg`}
			</div>
		</div>
	)
}

type PageInfo = { total: number; limit: number; offset: number; hasMore: boolean }

/** The sessions table; polls itself while any listed session is active, and stops once none is. */
export function SessionTable({
	items,
	pagination,
	url,
}: {
	items: SessionListItem[]
	pagination: PageInfo
	url?: string
}) {
	const live = url && items.some((s) => ACTIVE.includes(s.status))
	const link = (offset: number) => {
		const u = new URL(url ?? '/sessions', 'http://x')
		u.searchParams.set('offset', String(offset))
		return u.pathname + u.search
	}
	return (
		<div
			id="session-table"
			class="card overflow-x-auto p-0"
			hx-get={live ? url : undefined}
			hx-trigger={live ? 'every 2s' : undefined}
			hx-select={live ? '#session-table' : undefined}
			hx-target={live ? 'this' : undefined}
			hx-swap={live ? 'outerHTML' : undefined}
		>
			<DataTable
				columns={[
					'Session',
					'Status',
					'Target',
					'Scenario',
					'Progress',
					'Tokens',
					'Cost',
					'Started',
				]}
				divided={false}
			>
				{items.length === 0 ? (
					<tr>
						<td colspan="8" class="text-center text-slate-500">
							No sessions yet.
						</td>
					</tr>
				) : (
					items.map((s) => (
						<tr data-session-id={s.id}>
							<td>
								<a class="font-mono text-indigo-700 underline" href={`/sessions/${s.id}`} safe>
									{s.id}
								</a>
							</td>
							<td>
								<StatusBadge status={s.status} />
							</td>
							<td safe>{s.target?.name ?? '—'}</td>
							<td safe>{s.scenario?.name ?? 'Custom messages'}</td>
							<td>
								<ProgressBar progress={s.progress} status={s.status} />
							</td>
							<td safe>{fmtInt(s.progress.tokensTotal)}</td>
							<td safe>{fmtUsd(s.progress.costUsd)}</td>
							<td safe>{fmtDate(s.startedAt ?? s.createdAt)}</td>
						</tr>
					))
				)}
			</DataTable>
			<div class="flex items-center justify-between border-t border-slate-200 px-3 py-2 text-sm text-slate-600">
				<span
					safe
				>{`${pagination.total} session(s) · showing ${pagination.total ? pagination.offset + 1 : 0}–${Math.min(pagination.total, pagination.offset + pagination.limit)}`}</span>
				<PageLinks pagination={pagination} href={link} />
			</div>
		</div>
	)
}

/** GET /api/sessions as an htmx fragment. */
export const SessionRows = (r: { data: SessionListItem[]; pagination: PageInfo }) => (
	<SessionTable items={r.data} pagination={r.pagination} />
)

type Option = { id: string; name: string }

export function SessionFilters(props: {
	targets: Option[]
	scenarios: Option[]
	query: Record<string, string | undefined>
}) {
	const q = props.query
	return (
		<form method="get" action="/sessions" class="mb-4 flex flex-wrap items-end gap-3">
			<FilterSelect
				label="Status"
				name="status"
				value={q.status}
				options={['QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'PENDING'].map((s) => ({
					value: s,
					label: s,
				}))}
			/>
			<FilterSelect
				label="Target"
				name="targetId"
				value={q.targetId}
				options={props.targets.map((t) => ({ value: t.id, label: t.name }))}
			/>
			<FilterSelect
				label="Scenario"
				name="scenarioId"
				value={q.scenarioId}
				options={props.scenarios.map((s) => ({ value: s.id, label: s.name }))}
			/>
			<button class="btn-secondary" type="submit">
				Filter
			</button>
		</form>
	)
}

/**
 * The Execute form (target, scenario or custom messages, overrides). Exported for the home
 * page and the scenario page: `<ExecuteForm targets={…} scenarios={…} scenarioId="…" />`.
 */
export function ExecuteForm(props: {
	targets: Option[]
	scenarios: Option[]
	targetId?: string
	scenarioId?: string
}) {
	return (
		<form
			id="execute-form"
			method="post"
			action="/api/execute"
			hx-post="/api/execute"
			hx-target="#execute-errors"
			hx-swap="innerHTML"
			class="card space-y-3"
		>
			<h2 class="text-base font-semibold">Execute</h2>
			<div class="grid gap-3 md:grid-cols-2">
				<label>
					<span class="label">Target</span>
					<select name="targetId" class="input" required>
						{props.targets.map((t) => (
							<option value={t.id} selected={props.targetId === t.id} safe>
								{t.name}
							</option>
						))}
					</select>
				</label>
				<label>
					<span class="label">Scenario</span>
					<select name="scenarioId" class="input">
						<option value="">Custom messages (below)</option>
						{props.scenarios.map((s) => (
							<option value={s.id} selected={props.scenarioId === s.id} safe>
								{s.name}
							</option>
						))}
					</select>
				</label>
			</div>
			<label class="block">
				<span class="label">Custom messages (one per line, used without a scenario)</span>
				<textarea
					name="executionConfig.customMessages"
					rows="3"
					class="input"
					placeholder="Hello!"
				></textarea>
			</label>
			<div class="grid grid-cols-2 gap-3 md:grid-cols-4">
				<label>
					<span class="label">Repetitions</span>
					<input
						type="number"
						name="executionConfig.repetitions:number"
						min="1"
						max="1000"
						class="input"
					/>
				</label>
				<label>
					<span class="label">Concurrency</span>
					<input
						type="number"
						name="executionConfig.concurrency:number"
						min="1"
						max="10"
						class="input"
					/>
				</label>
				<label>
					<span class="label">Delay between (ms)</span>
					<input
						type="number"
						name="executionConfig.delayBetweenMs:number"
						min="0"
						max="60000"
						class="input"
					/>
				</label>
				<label>
					<span class="label">Verbosity</span>
					<select name="executionConfig.verbosityLevel" class="input">
						<option value="">Scenario default</option>
						<option value="normal">normal</option>
						<option value="verbose">verbose</option>
						<option value="extreme">extreme</option>
					</select>
				</label>
				<label>
					<span class="label">Max tokens</span>
					<input type="number" name="executionConfig.maxTokens:number" min="1" class="input" />
				</label>
				<label>
					<span class="label">Max cost (USD)</span>
					<input
						type="number"
						name="executionConfig.maxCostUsd:number"
						min="0"
						step="any"
						class="input"
					/>
				</label>
				<label>
					<span class="label">Timeout per message (ms)</span>
					<input
						type="number"
						name="executionConfig.timeoutMs:number"
						min="100"
						max="600000"
						class="input"
					/>
				</label>
			</div>
			<div id="execute-errors"></div>
			<button class="btn" type="submit">
				Execute
			</button>
		</form>
	)
}

/** POST /api/execute or restart for htmx callers that are not forms. */
export const ExecuteAccepted = (r: {
	data: { sessionId: string; status: string; message: string }
}) => (
	<p class="text-sm text-slate-700">
		<span safe>{r.data.message}</span>:{' '}
		<a class="font-mono text-indigo-700 underline" href={`/sessions/${r.data.sessionId}`} safe>
			{r.data.sessionId}
		</a>
	</p>
)

export const CancelResult = (r: { data: { id: string; status: string }; message?: string }) => (
	<span>
		<StatusBadge status={r.data.status} /> <span safe>{r.message ?? ''}</span>
	</span>
)

function Tile({ label, value, hint }: { label: string; value: string; hint?: string }) {
	return (
		<div class="card">
			<div class="label" safe>
				{label}
			</div>
			<div class="text-xl font-semibold" safe>
				{value}
			</div>
			{hint ? (
				<div class="text-xs text-slate-500" safe>
					{hint}
				</div>
			) : (
				''
			)}
		</div>
	)
}

type Summary = Record<string, any> | null

export function ProgressTiles({ progress }: { progress: Progress }) {
	return (
		<div id="session-progress" class="grid grid-cols-2 gap-3 md:grid-cols-4">
			<Tile
				label="Messages"
				value={fmtInt(progress.messagesCompleted)}
				hint={`${progress.errorCount} error(s)`}
			/>
			<Tile
				label="Conversations"
				value={`${progress.conversationsCompleted}/${progress.conversationsTotal}`}
			/>
			<Tile label="Tokens" value={fmtInt(progress.tokensTotal)} />
			<Tile label="Cost" value={fmtUsd(progress.costUsd)} />
			{progress.inFlight?.length ? (
				<div class="col-span-2 space-y-1 md:col-span-4" id="in-flight">
					<div class="label">Waiting for a reply</div>
					{progress.inFlight.map((m) => (
						<div
							class="flex items-center gap-2 text-sm text-slate-600"
							data-in-flight={m.conversationIndex}
						>
							<span class="h-2 w-2 animate-pulse rounded-full bg-blue-500"></span>
							<span
								class="text-xs text-slate-400"
								safe
							>{`conversation ${m.conversationIndex}`}</span>
							<span class="truncate" safe>
								{m.content}
							</span>
						</div>
					))}
				</div>
			) : (
				''
			)}
		</div>
	)
}

function SummaryTiles({ m }: { m: Summary }) {
	if (!m) return ''
	const rl = m.rateLimit ?? {}
	return (
		<div id="session-summary" class="grid grid-cols-2 gap-3 md:grid-cols-4">
			<Tile
				label="Messages"
				value={fmtInt(m.totalMessages)}
				hint={`${fmtInt(m.conversationsCompleted)} conversation(s)`}
			/>
			<Tile
				label="Tokens"
				value={fmtInt(m.totalTokens)}
				hint={`${fmtInt(m.promptTokens)} in · ${fmtInt(m.completionTokens)} out${m.tokensEstimated ? ' (estimated)' : ''}`}
			/>
			<Tile
				label="Cost"
				value={fmtUsd(m.totalCostUsd)}
				hint={m.unpricedMessages ? `${m.unpricedMessages} message(s) unpriced` : undefined}
			/>
			<Tile
				label="Error rate"
				value={`${m.errorRate ?? 0}%`}
				hint={`${m.failedMessages ?? 0} failed`}
			/>
			<Tile
				label="p50 response"
				value={fmtMs(m.p50ResponseTimeMs)}
				hint={`avg ${fmtMs(m.avgResponseTimeMs)}`}
			/>
			<Tile
				label="p95 response"
				value={fmtMs(m.p95ResponseTimeMs)}
				hint={`p99 ${fmtMs(m.p99ResponseTimeMs)} · max ${fmtMs(m.maxResponseTimeMs)}`}
			/>
			<Tile
				label="Rate limits"
				value={rl.limitMet ? `${rl.events} × 429` : 'No limit met'}
				hint={
					rl.limitMet
						? `first after ${rl.messagesBeforeFirst} message(s)`
						: 'the target never pushed back'
				}
			/>
			<Tile
				label="Throughput"
				value={m.messagesPerSecond != null ? `${m.messagesPerSecond} msg/s` : '—'}
				hint={m.tokensPerSecond != null ? `${m.tokensPerSecond} tokens/s` : undefined}
			/>
			{m.ttft ? (
				<Tile label="TTFT p50" value={fmtMs(m.ttft.p50Ms)} hint={`p95 ${fmtMs(m.ttft.p95Ms)}`} />
			) : (
				''
			)}
			<Tile label="Stopped because" value={String(m.stopReason ?? '—')} />
		</div>
	)
}

/** Header, timing, progress or summary tiles and actions; re-fetched when the live stream completes. */
export function SessionDetailBlock({ s }: { s: SessionDetail }) {
	const active = ACTIVE.includes(s.status)
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
					<span safe>{fmtDate(s.startedAt)}</span>
				</div>
				<div>
					<span class="text-slate-500">Ended </span>
					<span safe>{fmtDate(s.completedAt)}</span>
				</div>
				{s.error ? (
					<div class="text-red-700" safe>
						{s.error}
					</div>
				) : (
					''
				)}
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

export function SessionActions({ s }: { s: SessionDetail }) {
	const active = ACTIVE.includes(s.status)
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

export const SessionDetailFragment = (r: { data: SessionDetail }) => (
	<SessionDetailBlock s={r.data} />
)

/** One side of an exchange in the chat log (also what the SSE stream sends with ?format=html). */
export function ChatBubble({ e }: { e: SseMessageEvent }) {
	const d = e.data
	if (d.direction === 'sent') {
		return (
			<div class="flex justify-end" data-event-id={e.id} data-direction="sent">
				<div class="max-w-[80%] rounded-lg bg-indigo-600 px-3 py-2 text-sm text-white">
					<div
						class="mb-0.5 text-xs text-indigo-200"
						safe
					>{`#${d.seq} · conversation ${d.conversationIndex} · turn ${d.turnIndex}`}</div>
					<div class="whitespace-pre-wrap break-words" safe>
						{d.content}
					</div>
				</div>
			</div>
		)
	}
	const failed = d.success === false
	return (
		<div class="flex justify-start" data-event-id={e.id} data-direction="received">
			<div
				class={`max-w-[80%] rounded-lg px-3 py-2 text-sm ${failed ? 'bg-red-50 text-red-900 ring-1 ring-red-200' : 'bg-white text-slate-800 ring-1 ring-slate-200'}`}
			>
				<div class="whitespace-pre-wrap break-words" safe>
					{failed ? String(d.errorMessage ?? d.errorType ?? 'failed') : d.content}
				</div>
				<div class="mt-1 text-xs text-slate-500" safe>
					{`${fmtMs(d.responseTimeMs)}${d.httpStatus ? ` · HTTP ${d.httpStatus}` : ''} · ${fmtInt(d.totalTokens)} tokens · ${fmtUsd(d.costUsd)}`}
				</div>
			</div>
		</div>
	)
}

export function ChatLog({
	messages,
	live,
	lastEventId,
}: {
	messages: SessionMessage[]
	live: boolean
	lastEventId: number
}) {
	return (
		<div class="card">
			<h2 class="mb-2 text-base font-semibold">Conversation log</h2>
			<div
				id="chat-log"
				class="max-h-[36rem] space-y-2 overflow-y-auto"
				sse-swap={live ? 'message' : undefined}
				hx-target={live ? 'this' : undefined}
				hx-swap={live ? 'beforeend' : undefined}
				data-last-event-id={lastEventId}
			>
				{messages.flatMap((m) => messageEvents(m).map((e) => <ChatBubble e={e} />))}
			</div>
			{!live && messages.length === 0 ? (
				<p class="text-sm text-slate-500">No messages recorded.</p>
			) : (
				''
			)}
		</div>
	)
}

/** `series`: the run's chart data (getSessionSeries), drawn by views/session-charts.tsx. */
export function SessionPage({
	s,
	messages,
	more,
	series,
}: {
	s: SessionDetail
	messages: SessionMessage[]
	more: boolean
	series?: SessionSeries
}) {
	const live = ACTIVE.includes(s.status)
	const last = messages.length ? 2 * messages[messages.length - 1].seq : 0
	const body = (
		<>
			<SessionDetailBlock s={s} />
			{series ? <SessionCharts series={series} /> : ''}
			<ChatLog messages={messages} live={live} lastEventId={last} />
			{more && !live ? (
				<a
					class="text-sm text-indigo-700 underline"
					href={`/api/sessions/${s.id}/messages?offset=${messages.length}&limit=1000`}
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
			<PageHeader title={`Session ${s.id}`} />
			{live ? (
				<div
					class="space-y-4"
					hx-ext="sse"
					sse-connect={`/api/sessions/${s.id}/stream?format=html&lastEventId=${last}`}
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

export function SessionsPage(props: {
	items: SessionListItem[]
	pagination: PageInfo
	url: string
	targets: Option[]
	scenarios: Option[]
	query: Record<string, string | undefined>
}) {
	return (
		<Layout title="Sessions" active="/sessions">
			<PageHeader title="Sessions">
				<a class="btn" href="/sessions/new">
					New session
				</a>
			</PageHeader>
			<SessionFilters targets={props.targets} scenarios={props.scenarios} query={props.query} />
			<SessionTable items={props.items} pagination={props.pagination} url={props.url} />
		</Layout>
	)
}

export function NewSessionPage(props: {
	targets: Option[]
	scenarios: Option[]
	targetId?: string
	scenarioId?: string
}) {
	return (
		<Layout title="New session" active="/sessions">
			<PageHeader title="New session" />
			{props.targets.length ? (
				<ExecuteForm {...props} />
			) : (
				<div class="card text-sm">
					No active target yet.{' '}
					<a class="text-indigo-700 underline" href="/targets">
						Add a target
					</a>{' '}
					first.
				</div>
			)}
		</Layout>
	)
}

export const MessagesPage = (r: { data: SessionMessage[] }) => (
	<div>{r.data.flatMap((m) => messageEvents(m).map((e) => <ChatBubble e={e} />))}</div>
)
