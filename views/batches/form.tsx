import type { PickerOption } from '../ui/form'

/**
 * "Run against several targets" on a scenario page: tick 2–20 targets, one session each, then the
 * batch page compares them. A plain form post (303 to /batches/:id); errors get the error page.
 */
export function BatchForm({
	scenarioId,
	targets,
}: {
	scenarioId: string
	targets: PickerOption[]
}) {
	if (targets.length < 2) return ''
	return (
		<form
			id="batch-form"
			method="post"
			action="/api/batches"
			hx-boost="false"
			class="card space-y-3"
		>
			<h2 class="text-base font-semibold">Run against several targets</h2>
			<p class="text-sm text-slate-600">
				One session per target, then their comparison: which provider is cheapest for this
				conversation?
			</p>
			<input type="hidden" name="scenarioId" value={scenarioId} />
			<fieldset class="grid gap-1 sm:grid-cols-2">
				<legend class="label">Targets (2–20)</legend>
				{targets.map((t) => (
					<label class="flex items-center gap-2 text-sm">
						<input type="checkbox" name="targetIds[]" value={t.id} />
						<span safe>{t.name}</span>
					</label>
				))}
			</fieldset>
			<button class="btn" type="submit">
				Run batch
			</button>
		</form>
	)
}
