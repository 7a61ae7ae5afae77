/** What a view needs of a validation detail (src/http/errors.ts `ErrorDetail` has this shape). */
export type FieldError = { path: (string | number)[]; message: string }
/** The reference's error envelope, without `success`. */
export type ErrorBody = { error: string; message?: string; details?: FieldError[] }

type ErrorProps = { status: number; error: ErrorBody }

/** An error as htmx swaps it in (and as a plain form post shows it). */
export function ErrorFragment({ status, error }: ErrorProps) {
	return (
		<div
			class="rounded-md border border-red-300 bg-red-50 p-4 text-sm text-red-800"
			role="alert"
			data-status={status}
		>
			<p class="font-semibold" safe>
				{error.error}
			</p>
			{error.message ? <p safe>{error.message}</p> : ''}
			{error.details?.length ? (
				<ul class="mt-2 list-disc pl-5">
					{error.details.map((d) => (
						<li>
							<code safe>{d.path.join('.') || '(body)'}</code>: <span safe>{d.message}</span>
						</li>
					))}
				</ul>
			) : (
				''
			)}
		</div>
	)
}
