/**
 * A figure with its label and an optional hint: the tiles of the command center, the metrics
 * aggregate and a session's progress and summary. `data-value` marks the figure for tests.
 */
export function Tile({
	label,
	value,
	hint,
	id,
}: {
	label: string
	value: string
	hint?: string
	id?: string
}) {
	return (
		<div class="card py-3" id={id}>
			<div class="text-xs font-medium tracking-wide text-slate-500 uppercase" safe>
				{label}
			</div>
			<div class="mt-1 text-2xl font-semibold tabular-nums" data-value safe>
				{value}
			</div>
			{hint ? (
				<div class="mt-0.5 text-xs text-slate-500" safe>
					{hint}
				</div>
			) : (
				''
			)}
		</div>
	)
}
