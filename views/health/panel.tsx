import type { Health } from '../../src/health/model'

const dot = (status: string) =>
	status === 'healthy'
		? 'bg-emerald-500'
		: status === 'disabled'
			? 'bg-slate-300'
			: status === 'degraded'
				? 'bg-amber-500'
				: 'bg-red-500'

/** Self-refreshing health widget; the same data as `GET /api/health`. */
export function HealthPanel(health: Health) {
	const services = Object.entries(health.services) as [
		string,
		{ status: string; responseTimeMs?: number; error?: string | null },
	][]
	return (
		<div
			id="health"
			class="flex flex-wrap items-center gap-3 text-xs text-slate-600"
			hx-get="/api/health"
			hx-trigger="every 30s"
			hx-target="this"
			hx-swap="outerHTML"
		>
			{services.map(([name, s]) => (
				<span class="inline-flex items-center gap-1" title={s.error ?? undefined}>
					<span class={`inline-block h-2 w-2 rounded-full ${dot(s.status)}`}></span>
					<span safe>{name}</span>
					<span class="text-slate-400" safe>
						{s.status === 'disabled'
							? 'disabled'
							: s.responseTimeMs !== undefined
								? `${s.responseTimeMs} ms`
								: s.status}
					</span>
				</span>
			))}
		</div>
	)
}
