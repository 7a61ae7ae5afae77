import type { UrlPreview } from '../../src/targets/model'

/** The URL the target will call, under the endpoint field; refreshed as the form changes. */
export function UrlPreviewView({ preview }: { preview: UrlPreview }) {
	return 'problem' in preview ? (
		<span class="text-amber-700" data-url-problem safe>
			{preview.problem}
		</span>
	) : (
		<span>
			Will call{' '}
			<code class="break-all rounded bg-slate-100 px-1 text-slate-800" data-url-preview safe>
				{`${preview.method} ${preview.url}`}
			</code>
		</span>
	)
}
