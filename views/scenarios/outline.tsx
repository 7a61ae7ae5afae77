import type { ScenarioDetails } from '../../src/scenarios/model'

/** Badges and the flow outline the scenario screens share (list, page, template cards, editor). */

type FlowStep = ScenarioDetails['flowConfig'][number]

export function CategoryBadge({ category }: { category: string | null }) {
	if (!category) return <span class="text-xs text-slate-400">—</span>
	return (
		<span class="badge bg-indigo-50 text-indigo-700" safe>
			{category}
		</span>
	)
}

const TYPE_STYLE: Record<string, string> = {
	message: 'bg-sky-100 text-sky-800',
	delay: 'bg-amber-100 text-amber-800',
	conditional: 'bg-fuchsia-100 text-fuchsia-800',
	loop: 'bg-emerald-100 text-emerald-800',
}

export function TypeBadge({ type }: { type: string }) {
	return (
		<span class={`badge ${TYPE_STYLE[type] ?? 'bg-slate-100 text-slate-700'}`} safe>
			{type}
		</span>
	)
}

/** The flow as a readable, nested outline. */
export function FlowOutline({ steps }: { steps: FlowStep[] }) {
	return (
		<ol class="space-y-2 border-l-2 border-slate-200 pl-4" data-outline>
			{steps.map((s) => (
				<li data-step-id={s.id} data-step-type={s.type}>
					<div class="flex flex-wrap items-baseline gap-2 text-sm">
						<TypeBadge type={s.type} />
						<code class="text-xs text-slate-500" safe>
							{s.id}
						</code>
						{s.type === 'message' ? (
							<span class="whitespace-pre-wrap text-slate-800" safe>
								{s.config.message.length > 300
									? s.config.message.slice(0, 300) + '…'
									: s.config.message}
							</span>
						) : s.type === 'delay' ? (
							<span class="text-slate-700">wait {s.config.durationMs} ms</span>
						) : s.type === 'loop' ? (
							<span class="text-slate-700">repeat {s.config.iterations}×</span>
						) : (
							<span class="text-slate-700">
								if{' '}
								<code class="rounded bg-slate-100 px-1" safe>
									{s.config.condition}
								</code>
							</span>
						)}
						{s.next ? (
							<span class="text-xs text-slate-500">
								→ then go to <code safe>{s.next}</code>
							</span>
						) : (
							''
						)}
					</div>
					{s.type === 'loop' ? (
						<div class="mt-2">
							<FlowOutline steps={s.config.steps} />
						</div>
					) : (
						''
					)}
					{s.type === 'conditional' ? (
						<div class="mt-2 space-y-2">
							<p class="text-xs font-semibold text-slate-500 uppercase">then</p>
							{s.config.then.length ? (
								<FlowOutline steps={s.config.then} />
							) : (
								<p class="text-xs text-slate-400">(nothing)</p>
							)}
							{s.config.else?.length ? (
								<>
									<p class="text-xs font-semibold text-slate-500 uppercase">else</p>
									<FlowOutline steps={s.config.else} />
								</>
							) : (
								''
							)}
						</div>
					) : (
						''
					)}
				</li>
			))}
		</ol>
	)
}
