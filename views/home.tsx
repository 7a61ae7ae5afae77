import type { DashboardStats, RecentSession, SessionWithNames } from '../src/dashboard/service'
import type { Health } from '../src/health/service'
import { BarChart, LineChart, formatMs, formatNumber, formatUsd } from './charts'
import { HealthPanel } from './health'
import { Layout, PageHeader } from './layout'
import { StatusBadge, Tile, formatDate } from './metrics'
import { ExecuteForm } from './sessions'

export type SessionPoint = {
	id: string
	createdAt: Date
	targetName: string
	avgResponseTimeMs: number | null
	p95ResponseTimeMs: number | null
	totalTokens: number
	messages: number
}
export type DayCost = { day: string; costUsd: number; messages: number }

export type HomeProps = {
	health: Health
	mode: { database: string; queue: string }
	stats: DashboardStats
	live: SessionWithNames[]
	recent: SessionPoint[]
	costPerDay: DayCost[]
	/** Targets and scenarios for the quick execute form (shown when there is a target). */
	execute: { targets: { id: string; name: string }[]; scenarios: { id: string; name: string }[] }
}

/** The stats cards (`/api/dashboard/stats` renders this for htmx). */
export function StatsCards({ stats }: { stats: DashboardStats }) {
	const c = stats.counts
	const m = stats.metrics
	return (
		<section
			id="stats"
			class="grid grid-cols-2 gap-3 md:grid-cols-4 xl:grid-cols-8"
			aria-label="Statistics"
		>
			<Tile id="stat-targets" label="Targets" value={formatNumber(c.targets)} />
			<Tile id="stat-scenarios" label="Scenarios" value={formatNumber(c.scenarios)} />
			<Tile
				id="stat-active"
				label="Active sessions"
				value={formatNumber(c.activeSessions)}
				hint="running or queued"
			/>
			<Tile
				id="stat-sessions"
				label="Sessions"
				value={formatNumber(c.totalSessions)}
				hint={`${m.sessionsLast24h} in the last 24 h`}
			/>
			<Tile
				id="stat-avg"
				label="Avg response"
				value={m.avgResponseTimeMs === null ? '—' : formatMs(m.avgResponseTimeMs)}
			/>
			<Tile id="stat-tokens" label="Tokens consumed" value={formatNumber(m.totalTokensConsumed)} />
			<Tile id="stat-cost" label="Total cost" value={formatUsd(m.totalCostUsd)} />
			<Tile
				id="stat-failed"
				label="Failed sessions"
				value={`${(m.errorRate * 100).toFixed(1)}%`}
				hint="of all sessions"
			/>
		</section>
	)
}

function Progress({ s }: { s: SessionWithNames }) {
	const pct =
		s.messagesTotal > 0
			? Math.min(100, Math.round((s.messagesCompleted / s.messagesTotal) * 100))
			: null
	return (
		<div class="w-48">
			<div
				class="h-2 overflow-hidden rounded-full bg-slate-200"
				role="progressbar"
				aria-valuemin="0"
				aria-valuemax="100"
				aria-valuenow={pct === null ? undefined : String(pct)}
			>
				<div
					class={`h-2 rounded-full bg-indigo-600 ${pct === null ? 'animate-pulse' : ''}`}
					style={`width:${pct ?? 100}%`}
				></div>
			</div>
			<div class="mt-1 text-xs text-slate-500 tabular-nums" safe>
				{pct === null
					? `${s.messagesCompleted} messages`
					: `${s.messagesCompleted} / ${s.messagesTotal} messages · ${pct}%`}
			</div>
		</div>
	)
}

/**
 * Running and queued sessions with progress. While any is active the panel polls itself; once
 * none is, the server renders it without a trigger, so polling stops (CONVENTIONS 9).
 */
export function LiveSessions({ sessions }: { sessions: SessionWithNames[] }) {
	const polling = sessions.length > 0
	return (
		<section
			id="live-sessions"
			class="card"
			aria-label="Live sessions"
			hx-get={polling ? '/api/dashboard/live' : undefined}
			hx-trigger={polling ? 'every 2s' : undefined}
			hx-target={polling ? 'this' : undefined}
			hx-swap={polling ? 'outerHTML' : undefined}
			data-polling={polling ? 'true' : 'false'}
		>
			<h2 class="label">Live sessions</h2>
			{sessions.length ? (
				<ul class="divide-y divide-slate-100">
					{sessions.map((s) => (
						<li class="flex flex-wrap items-center justify-between gap-3 py-2">
							<div>
								<a
									class="font-medium text-indigo-700 hover:underline"
									href={`/sessions/${s.id}`}
									safe
								>
									{s.targetName}
								</a>
								<span class="ml-2 text-sm text-slate-500" safe>
									{s.scenarioName ?? 'custom messages'}
								</span>
								<div class="mt-0.5 flex items-center gap-2 text-xs text-slate-500">
									<StatusBadge status={s.status} />
									<span
										safe
									>{`${formatNumber(s.tokensTotal)} tokens · ${formatUsd(s.costUsd)} · ${s.errorCount} errors`}</span>
								</div>
							</div>
							<Progress s={s} />
						</li>
					))}
				</ul>
			) : (
				<p class="text-sm text-slate-500">Nothing running right now.</p>
			)}
		</section>
	)
}

function summaryOf(s: RecentSession, key: string): string {
	const v = (s.summaryMetrics as Record<string, unknown> | null)?.[key]
	return typeof v === 'number' ? String(v) : ''
}

export function RecentSessions({ sessions }: { sessions: RecentSession[] }) {
	return (
		<section id="recent-sessions" class="card overflow-x-auto" aria-label="Recent sessions">
			<div class="mb-2 flex items-center justify-between">
				<h2 class="label">Recent sessions</h2>
				<a class="text-xs text-indigo-700 hover:underline" href="/sessions">
					All sessions →
				</a>
			</div>
			{sessions.length ? (
				<table class="table">
					<thead>
						<tr>
							<th>Target</th>
							<th>Scenario</th>
							<th>Status</th>
							<th>Started</th>
							<th class="text-right">Messages</th>
							<th class="text-right">Cost</th>
						</tr>
					</thead>
					<tbody class="divide-y divide-slate-100">
						{sessions.map((s) => (
							<tr data-session-id={s.id} data-messages={summaryOf(s, 'totalMessages')}>
								<td>
									<a class="text-indigo-700 hover:underline" href={`/sessions/${s.id}`} safe>
										{s.targetName}
									</a>
								</td>
								<td safe>{s.scenarioName ?? 'custom messages'}</td>
								<td>
									<StatusBadge status={s.status} />
								</td>
								<td safe>{formatDate(s.startedAt ?? s.createdAt)}</td>
								<td class="text-right tabular-nums" safe>
									{s.progress.messagesCompleted.toLocaleString('en-US')}
								</td>
								<td class="text-right tabular-nums" safe>
									{formatUsd(s.progress.costUsd)}
								</td>
							</tr>
						))}
					</tbody>
				</table>
			) : (
				<p class="text-sm text-slate-500">
					No sessions yet.{' '}
					<a class="text-indigo-700 underline" href="/targets/new">
						Add a target
					</a>{' '}
					and run one.
				</p>
			)}
		</section>
	)
}

export function HomeCharts({
	recent,
	costPerDay,
}: {
	recent: SessionPoint[]
	costPerDay: DayCost[]
}) {
	const x = (i: number) => i + 1
	return (
		<section id="home-charts" class="grid gap-4 lg:grid-cols-3" aria-label="Charts">
			<LineChart
				width={440}
				height={260}
				title={
					recent.length
						? `Response time, last ${recent.length} sessions`
						: 'Response time per session'
				}
				xLabel="session (oldest → newest)"
				yLabel="ms"
				yFormat={formatMs}
				series={[
					{ name: 'average', points: recent.map((s, i) => ({ x: x(i), y: s.avgResponseTimeMs })) },
					{
						name: 'p95',
						dashed: true,
						points: recent.map((s, i) => ({ x: x(i), y: s.p95ResponseTimeMs })),
					},
				]}
				empty="Run a session to see response times"
			/>
			<BarChart
				width={440}
				height={260}
				title={
					recent.length
						? `Tokens per session, last ${recent.length} sessions`
						: 'Tokens per session'
				}
				xLabel="session (oldest → newest)"
				yLabel="tokens"
				bars={recent.map((s, i) => ({
					label: String(x(i)),
					value: s.totalTokens,
					hint: `${s.targetName}, ${s.messages} messages`,
				}))}
				color="#059669"
				empty="Run a session to see token use"
			/>
			<BarChart
				width={440}
				height={260}
				title="Cost per day (UTC)"
				xLabel="day"
				yLabel="USD"
				yFormat={formatUsd}
				bars={
					costPerDay.some((d) => d.messages > 0)
						? costPerDay.map((d) => ({
								label: d.day.slice(5),
								value: d.costUsd,
								hint: `${d.messages} messages`,
							}))
						: []
				}
				empty={`No messages in the last ${costPerDay.length} days`}
				color="#d97706"
			/>
		</section>
	)
}

/** The command center: stats, live sessions, a quick execute form, charts and recent sessions. */
export function HomePage(p: HomeProps) {
	return (
		<Layout title="Dashboard" active="/">
			<PageHeader title="Command center">
				<HealthPanel {...p.health} />
			</PageHeader>
			<div class="space-y-6">
				<StatsCards stats={p.stats} />
				<div class="grid gap-4 lg:grid-cols-3">
					<div class="lg:col-span-2">
						<LiveSessions sessions={p.live} />
					</div>
					<section id="quick-execute" aria-label="Quick execute">
						{p.execute.targets.length ? (
							<ExecuteForm targets={p.execute.targets} scenarios={p.execute.scenarios} />
						) : (
							<div class="card">
								<h2 class="label">Quick execute</h2>
								<p class="text-sm text-slate-600">
									<a class="text-indigo-700 underline" href="/targets/new">
										Add a target
									</a>{' '}
									to run a session from here.
								</p>
							</div>
						)}
						<p class="mt-2 text-right text-xs text-slate-400" safe>
							{`${p.mode.database} · ${p.mode.queue} queue`}
						</p>
					</section>
				</div>
				<HomeCharts recent={p.recent} costPerDay={p.costPerDay} />
				<RecentSessions sessions={p.stats.recentSessions} />
			</div>
		</Layout>
	)
}
