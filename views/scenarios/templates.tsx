import type { Listed } from '../../src/http/model'
import type { TemplateListItem } from '../../src/scenarios/model'
import { Layout, PageHeader } from '../ui/layout'
import { CategoryBadge, FlowOutline } from './outline'

/** The scenario library: template cards and the new-scenario page that shows them. */

function TemplateCards({ templates }: { templates: TemplateListItem[] }) {
	return (
		<div id="template-cards" class="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
			{templates.map((t) => (
				<form
					class="card flex flex-col gap-2"
					method="post"
					action={`/api/scenarios/from-template/${t.id}`}
					data-template-id={t.id}
				>
					<div class="flex items-center justify-between gap-2">
						<h3 class="font-semibold text-slate-800" safe>
							{t.name}
						</h3>
						<CategoryBadge category={t.category} />
					</div>
					<p class="flex-1 text-sm text-slate-600" safe>
						{t.description}
					</p>
					<p class="text-xs text-slate-500">
						{t.stepCount} steps · {t.repetitions} × {t.concurrency} concurrent ·{' '}
						<span>{t.verbosityLevel}</span>
					</p>
					<details class="text-xs">
						<summary class="cursor-pointer text-slate-500">Preview flow</summary>
						<div class="mt-2">
							<FlowOutline steps={t.flowConfig} />
						</div>
					</details>
					<button class="btn self-start" type="submit">
						Use this template
					</button>
				</form>
			))}
		</div>
	)
}

/** GET /api/scenarios/templates for htmx. */
export const TemplateList = (r: Listed<TemplateListItem>) => <TemplateCards templates={r.data} />

export function NewScenarioPage({ templates }: { templates: TemplateListItem[] }) {
	return (
		<Layout title="New scenario" active="/scenarios">
			<PageHeader title="New scenario">
				<a class="btn-secondary" href="/scenarios/new/blank">
					Start blank
				</a>
			</PageHeader>
			<p class="mb-4 text-sm text-slate-600">
				Start from a ready scenario and adapt it in the editor, start blank, or import YAML from the
				scenario list.
			</p>
			<TemplateCards templates={templates} />
		</Layout>
	)
}
