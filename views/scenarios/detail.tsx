import type { Envelope } from '../../src/http/model'
import type { ScenarioDetails } from '../../src/scenarios/model'
import { ActiveBadge } from '../ui/badge'
import { formatDate } from '../ui/format'
import { Layout, PageHeader } from '../ui/layout'
import { BatchForm } from '../batches/form'
import { ExecuteForm } from '../sessions/execute-form'
import { CategoryBadge, FlowOutline } from './outline'

/** A scenario's page: its flow outline and settings, and the form that runs it against a target. */

function ScenarioDetailsPanel({ scenario: s }: { scenario: ScenarioDetails }) {
	const eh = s.errorHandling
	return (
		<div id="scenario-details" class="grid gap-6 lg:grid-cols-3">
			<div class="card lg:col-span-2">
				<h2 class="mb-3 text-sm font-semibold text-slate-700">Flow ({s.stepCount} steps)</h2>
				<FlowOutline steps={s.flowConfig} />
			</div>
			<div class="card space-y-2 text-sm">
				<h2 class="text-sm font-semibold text-slate-700">Settings</h2>
				<dl class="grid grid-cols-2 gap-x-3 gap-y-1">
					<dt class="text-slate-500">Category</dt>
					<dd>
						<CategoryBadge category={s.category} />
					</dd>
					<dt class="text-slate-500">Repetitions</dt>
					<dd>{s.repetitions}</dd>
					<dt class="text-slate-500">Concurrency</dt>
					<dd>{s.concurrency}</dd>
					<dt class="text-slate-500">Delay between</dt>
					<dd>{s.delayBetweenMs} ms</dd>
					<dt class="text-slate-500">Verbosity</dt>
					<dd safe>{s.verbosityLevel}</dd>
					<dt class="text-slate-500">On error</dt>
					<dd>
						{eh
							? `${eh.onError}${eh.onError === 'retry' ? ` (max ${eh.maxRetries ?? 3})` : ''}`
							: 'skip'}
					</dd>
					<dt class="text-slate-500">Target</dt>
					<dd>
						{s.target ? (
							<a class="text-indigo-700 hover:underline" href={`/targets/${s.target.id}`} safe>
								{s.target.name}
							</a>
						) : (
							'—'
						)}
					</dd>
					<dt class="text-slate-500">Sessions</dt>
					<dd>{s.sessionCount}</dd>
					<dt class="text-slate-500">State</dt>
					<dd>
						<ActiveBadge active={s.isActive} />
					</dd>
					<dt class="text-slate-500">Updated</dt>
					<dd safe>{formatDate(s.updatedAt)}</dd>
				</dl>
				{Object.keys(s.messageTemplates ?? {}).length ? (
					<>
						<h3 class="pt-2 text-xs font-semibold text-slate-500 uppercase">Template variables</h3>
						<pre class="max-h-48 overflow-auto rounded bg-slate-50 p-2 text-xs" safe>
							{JSON.stringify(s.messageTemplates, null, 2)}
						</pre>
					</>
				) : (
					''
				)}
			</div>
		</div>
	)
}

/** GET /api/scenarios/:id for htmx. */
export const ScenarioDetailsFragment = (r: Envelope<ScenarioDetails>) => (
	<ScenarioDetailsPanel scenario={r.data} />
)

type ExecuteOptions = Parameters<typeof ExecuteForm>[0]

/** The scenario, its flow outline, and the form that runs it against a target. */
export function ScenarioPage({
	scenario,
	execute,
}: {
	scenario: ScenarioDetails
	execute?: ExecuteOptions
}) {
	return (
		<Layout title={scenario.name} active="/scenarios">
			<PageHeader title={scenario.name}>
				<a class="btn" href={`/scenarios/${scenario.id}/edit`}>
					Edit
				</a>
				<a
					class="btn-secondary"
					href={`/api/scenarios/${scenario.id}/export`}
					hx-boost="false"
					download=""
				>
					Export YAML
				</a>
				<form
					method="post"
					action={`/api/scenarios/${scenario.id}/delete`}
					hx-post={`/api/scenarios/${scenario.id}/delete`}
					hx-target="#delete-result"
					hx-swap="innerHTML"
					hx-confirm="Delete this scenario?"
				>
					<button class="btn-danger" type="submit">
						Delete
					</button>
				</form>
			</PageHeader>
			{scenario.description ? (
				<p class="mb-4 text-sm text-slate-600" safe>
					{scenario.description}
				</p>
			) : (
				''
			)}
			<div id="delete-result" class="mb-4"></div>
			<ScenarioDetailsPanel scenario={scenario} />
			{execute && scenario.isActive ? (
				<div class="mt-6">
					<ExecuteForm
						{...execute}
						scenarioId={scenario.id}
						targetId={execute.targetId ?? scenario.target?.id}
					/>
					<div class="mt-6">
						<BatchForm scenarioId={scenario.id} targets={execute.targets} />
					</div>
				</div>
			) : (
				''
			)}
		</Layout>
	)
}
