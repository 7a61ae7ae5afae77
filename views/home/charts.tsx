import type { DayCost, SessionPoint } from '../../src/dashboard/model'
import { BarChart } from '../ui/charts/bar'
import { LineChart } from '../ui/charts/line'
import { formatMs, formatUsd } from '../ui/format'

/** The command center's charts: response time and tokens of the last sessions, cost per day. */
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
				integerX
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
