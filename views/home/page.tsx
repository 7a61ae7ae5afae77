import type {
	DashboardStats,
	DayCost,
	SessionPoint,
	SessionWithNames,
} from '../../src/dashboard/model'
import type { Health } from '../../src/health/model'
import { HealthPanel } from '../health/panel'
import { ExecuteForm } from '../sessions/execute-form'
import type { PickerOption } from '../ui/form'
import { Layout, PageHeader } from '../ui/layout'
import { HomeCharts } from './charts'
import { LiveSessions } from './live'
import { RecentSessions } from './recent'
import { StatsCards } from './stats'

type HomeProps = {
	health: Health
	mode: { database: string; queue: string }
	stats: DashboardStats
	live: SessionWithNames[]
	recent: SessionPoint[]
	costPerDay: DayCost[]
	/** Targets and scenarios for the quick execute form (shown when there is a target). */
	execute: { targets: PickerOption[]; scenarios: PickerOption[] }
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
				{/* Live sessions and Execute side by side, half each: a third was too narrow for the form at 1440 px. */}
				<div class="grid gap-4 lg:grid-cols-2">
					<div>
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
