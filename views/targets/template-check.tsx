import type { Envelope } from '../../src/http/model'
import type { CheckResult, ValidateResult } from '../../src/templates/model'

/** The live template check beside the target form (`POST /api/templates/validate`). */

function CheckLine({ r }: { r: CheckResult }) {
	return (
		<li
			class={r.valid ? 'text-emerald-800' : 'text-red-800'}
			data-valid={String(r.valid)}
			data-field={r.field}
		>
			<span aria-hidden="true">{r.valid ? '✓' : '✗'}</span>{' '}
			<code class="text-xs" safe>
				{r.field}
			</code>
			:{' '}
			<span class="wrap-anywhere" safe>
				{r.message}
			</span>
			{r.suggestion?.length ? (
				<div class="ml-5 flex flex-wrap gap-1 text-xs text-slate-600">
					Available paths:
					{r.suggestion.map((s) => (
						<code class="mr-1 rounded bg-slate-100 px-1" safe>
							{s}
						</code>
					))}
				</div>
			) : (
				''
			)}
		</li>
	)
}

/** The result of `POST /api/templates/validate`, swapped into the target form live. */
export function TemplateCheck(r: Envelope<ValidateResult>) {
	return (
		<div class="space-y-1 text-sm" data-template-valid={String(r.data.valid)}>
			<p class="font-medium">{r.data.valid ? 'Templates look good' : 'Templates have problems'}</p>
			<ul class="space-y-1">
				{r.data.results.map((x) => (
					<CheckLine r={x} />
				))}
			</ul>
		</div>
	)
}
