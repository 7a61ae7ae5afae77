import type { PropsWithChildren } from '@kitajs/html'

const TONE = {
	success: 'border-emerald-300 bg-emerald-50 text-emerald-800',
	neutral: 'border-slate-300 bg-slate-50',
	warning: 'border-amber-300 bg-amber-50 text-amber-900',
}

/** What a save or delete answers htmx, shown where the form asked (`role="status"`). */
export function Notice({ tone, children }: PropsWithChildren<{ tone: keyof typeof TONE }>) {
	return (
		<div class={`rounded-md border ${TONE[tone]} p-3 text-sm`} role="status">
			{children}
		</div>
	)
}

/** "Target updated successfully: <name>", linking to what was saved. */
export function SavedNotice({
	message,
	href,
	name,
}: {
	message?: string
	href: string
	name: string
}) {
	return (
		<Notice tone="success">
			<span safe>{message ?? 'Saved'}</span>:{' '}
			<a class="underline" href={href} safe>
				{name}
			</a>
		</Notice>
	)
}
