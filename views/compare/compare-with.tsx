/** "Compare with…" on a session page: the other finished sessions to pick from. */
export function CompareWith({
	sessionId,
	candidates,
}: {
	sessionId: string
	candidates: { id: string; label: string }[]
}) {
	if (!candidates.length) return <></>
	return (
		<form method="get" action="/compare" class="flex items-center gap-2" id="compare-with">
			<input type="hidden" name="id" value={sessionId} />
			<label class="text-sm whitespace-nowrap text-slate-600" for="compare-with-id">
				Compare with…
			</label>
			<select id="compare-with-id" name="id" class="input min-w-0">
				{candidates.map((s) => (
					<option value={s.id} safe>
						{s.label}
					</option>
				))}
			</select>
			<button class="btn-secondary" type="submit">
				Compare
			</button>
		</form>
	)
}
