import type { Preset } from '../../src/presets/model'
import type { UrlPreview } from '../../src/targets/model'
import type { TargetFormValues } from '../../src/targets/present'
import { Layout, PageHeader } from '../ui/layout'
import { TargetForm } from './form'

/** New target (preset picker, then the pre-filled form) and edit target pages. */

function PresetCards({ presets }: { presets: Preset[] }) {
	return (
		<div class="grid gap-4 sm:grid-cols-2 lg:grid-cols-4" id="preset-cards">
			{presets.map((p) => (
				<a
					href={`/targets/new?preset=${encodeURIComponent(p.id)}`}
					class="card block hover:border-indigo-400 hover:shadow"
					data-preset={p.id}
				>
					<h2 class="font-semibold" safe>
						{p.name}
					</h2>
					<p class="mt-1 text-xs text-slate-600" safe>
						{p.description}
					</p>
					<p class="mt-2 flex gap-1 text-xs">
						<span class="badge bg-slate-100 text-slate-700">{p.connectorType}</span>
						<span class="badge bg-slate-100 text-slate-700">{p.authType}</span>
					</p>
				</a>
			))}
		</div>
	)
}

export function NewTargetPage(props: {
	presets: Preset[]
	preset?: Preset
	values?: TargetFormValues
	urlPreview?: UrlPreview
}) {
	return (
		<Layout title="New target" active="/targets">
			<PageHeader title={props.preset ? `New target: ${props.preset.name}` : 'New target'}>
				<a class="btn-secondary" href="/targets">
					Back to targets
				</a>
			</PageHeader>
			{props.preset && props.values ? (
				<>
					<p class="mb-4 text-sm text-slate-600">
						Pre-filled from the preset.{' '}
						<a class="text-indigo-700 underline" href="/targets/new">
							Choose another preset
						</a>
					</p>
					<TargetForm
						action="/api/targets"
						submitLabel="Create target"
						values={props.values}
						preset={props.preset}
						sampleResponse={props.preset.exampleResponse}
						urlPreview={props.urlPreview ?? { problem: 'Enter the endpoint' }}
					/>
				</>
			) : (
				<>
					<p class="mb-4 text-sm text-slate-600">
						Choose a provider preset; every field stays editable.
					</p>
					<PresetCards presets={props.presets} />
				</>
			)}
		</Layout>
	)
}

export function EditTargetPage(props: {
	id: string
	values: TargetFormValues
	preset?: Preset
	urlPreview: UrlPreview
}) {
	return (
		<Layout title={`Edit ${props.values.name}`} active="/targets">
			<PageHeader title={`Edit ${props.values.name}`}>
				<a class="btn-secondary" href={`/targets/${props.id}`}>
					Cancel
				</a>
			</PageHeader>
			<TargetForm
				action={`/api/targets/${props.id}`}
				submitLabel="Save changes"
				values={props.values}
				preset={props.preset}
				sampleResponse={props.preset?.exampleResponse}
				urlPreview={props.urlPreview}
			/>
		</Layout>
	)
}
