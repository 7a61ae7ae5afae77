import type { Envelope } from '../../src/http/model'
import type { PickerOption } from '../ui/form'
import { Layout, PageHeader } from '../ui/layout'
import { LoadFields, NumberField } from './execute-load'

/** The Execute form the home, scenario and new-session pages share, and what executing answers. */

/**
 * The Execute form (target, scenario or custom messages, overrides). Exported for the home
 * page and the scenario page: `<ExecuteForm targets={…} scenarios={…} scenarioId="…" />`.
 */
export function ExecuteForm(props: {
	targets: PickerOption[]
	scenarios: PickerOption[]
	targetId?: string
	scenarioId?: string
}) {
	return (
		<form
			id="execute-form"
			method="post"
			action="/api/execute"
			hx-post="/api/execute"
			hx-target="#execute-errors"
			hx-swap="innerHTML"
			class="card @container space-y-3"
		>
			<h2 class="text-base font-semibold">Execute</h2>
			{/* Columns follow the form's own width (a container query), so it fits a narrow side column too. */}
			<div class="grid gap-3 @lg:grid-cols-2">
				<label>
					<span class="label">Target</span>
					<select name="targetId" class="input" required>
						{props.targets.map((t) => (
							<option value={t.id} selected={props.targetId === t.id} safe>
								{t.name}
							</option>
						))}
					</select>
				</label>
				<label>
					<span class="label">Scenario</span>
					<select name="scenarioId" class="input">
						<option value="">Custom messages (below)</option>
						{props.scenarios.map((s) => (
							<option value={s.id} selected={props.scenarioId === s.id} safe>
								{s.name}
							</option>
						))}
					</select>
				</label>
			</div>
			<label class="block">
				<span class="label">Custom messages (one per line, used without a scenario)</span>
				<textarea
					name="executionConfig.customMessages"
					rows="3"
					class="input"
					placeholder="Hello!"
				></textarea>
			</label>
			<div class="grid grid-cols-2 gap-3 @2xl:grid-cols-4">
				<NumberField label="Repetitions" field="repetitions" min="1" max="1000" />
				<NumberField label="Concurrency" field="concurrency" min="1" max="10" />
				<NumberField label="Delay between (ms)" field="delayBetweenMs" min="0" max="60000" />
				<label>
					<span class="label">Verbosity</span>
					<select name="executionConfig.verbosityLevel" class="input">
						<option value="">Scenario default</option>
						<option value="normal">normal</option>
						<option value="verbose">verbose</option>
						<option value="extreme">extreme</option>
					</select>
				</label>
				<NumberField label="Max tokens" field="maxTokens" min="1" />
				<NumberField label="Max cost (USD)" field="maxCostUsd" min="0" step="any" />
				<NumberField label="Timeout per message (ms)" field="timeoutMs" min="100" max="600000" />
			</div>
			<LoadFields />
			<div id="execute-errors"></div>
			<div id="execute-estimate-slot"></div>
			<div class="flex gap-2">
				<button class="btn" type="submit">
					Execute
				</button>
				{/* Without JavaScript the estimate is a page of its own (formaction); with htmx it lands above. */}
				<button
					class="btn-secondary"
					type="submit"
					formaction="/api/execute/estimate"
					hx-post="/api/execute/estimate"
					hx-target="#execute-estimate-slot"
					hx-swap="innerHTML"
				>
					Estimate
				</button>
			</div>
		</form>
	)
}

/** POST /api/execute or restart for htmx callers that are not forms. */
export const ExecuteAccepted = (
	r: Envelope<{ sessionId: string; status: string; message: string }>,
) => (
	<p class="text-sm text-slate-700">
		<span safe>{r.data.message}</span>:{' '}
		<a class="font-mono text-indigo-700 underline" href={`/sessions/${r.data.sessionId}`} safe>
			{r.data.sessionId}
		</a>
	</p>
)

export function NewSessionPage(props: {
	targets: PickerOption[]
	scenarios: PickerOption[]
	targetId?: string
	scenarioId?: string
}) {
	return (
		<Layout title="New session" active="/sessions">
			<PageHeader title="New session" />
			{props.targets.length ? (
				<ExecuteForm {...props} />
			) : (
				<div class="card text-sm">
					No active target yet.{' '}
					<a class="text-indigo-700 underline" href="/targets">
						Add a target
					</a>{' '}
					first.
				</div>
			)}
		</Layout>
	)
}
