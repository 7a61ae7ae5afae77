import type { DashboardStats } from '../../src/dashboard/model'
import type { Envelope } from '../../src/http/model'
import { formatMs, formatNumber, formatPercent, formatUsd } from '../ui/format'
import { Tile } from '../ui/tile'

/** The stats cards (`/api/dashboard/stats` renders this for htmx). */
export function StatsCards({ stats }: { stats: DashboardStats }) {
	const c = stats.counts
	const m = stats.metrics
	return (
		<section
			id="stats"
			class="grid grid-cols-2 gap-3 md:grid-cols-4 xl:grid-cols-8"
			aria-label="Statistics"
			hx-get="/api/dashboard/stats"
			hx-trigger="session-ended from:body"
			hx-target="this"
			hx-swap="outerHTML"
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
			<Tile id="stat-avg" label="Avg response" value={formatMs(m.avgResponseTimeMs)} />
			<Tile id="stat-tokens" label="Tokens consumed" value={formatNumber(m.totalTokensConsumed)} />
			<Tile id="stat-cost" label="Total cost" value={formatUsd(m.totalCostUsd)} />
			<Tile
				id="stat-failed"
				label="Failed sessions"
				value={formatPercent(m.errorRate * 100, 1)}
				hint={`${formatNumber(Math.round(m.errorRate * c.totalSessions))} of ${formatNumber(c.totalSessions)} with status FAILED (completed runs with errors not counted)`}
			/>
		</section>
	)
}

/** GET /api/dashboard/stats for htmx. */
export const StatsFragment = (r: Envelope<DashboardStats>) => <StatsCards stats={r.data} />
