import type { EditorState } from '../../src/scenarios/present'
import type { FieldError } from '../ui/error'
import type { PickerOption } from '../ui/form'
import { Layout, PageHeader } from '../ui/layout'
import { Errors, OpButton } from './editor-parts'
import { Settings } from './editor-settings'
import { collectIds, StepList } from './editor-steps'

/**
 * The scenario editor: one form holding the whole draft. Every structural change (add, remove,
 * reorder, nest) is a submit button with an `op`, posted to /scenarios/editor, which answers with
 * this fragment re-rendered and the validation errors next to the fields they concern.
 */
interface EditorProps {
	state: EditorState
	errors: FieldError[]
	scenarioId?: string
	targets: PickerOption[]
	categories: string[]
}

/** The editor form (POST /scenarios/editor re-renders it after every op). */
export function ScenarioEditor({ state, errors, scenarioId, targets, categories }: EditorProps) {
	const d = state.draft
	const saveTarget = scenarioId
		? { 'hx-put': `/api/scenarios/${scenarioId}` }
		: { 'hx-post': '/api/scenarios' }
	return (
		<form
			id="scenario-editor"
			class="space-y-4"
			method="post"
			action="/scenarios/editor"
			hx-post="/scenarios/editor"
			hx-target="this"
			hx-swap="outerHTML"
			data-mode={state.mode}
		>
			{scenarioId ? <input type="hidden" name="scenarioId" value={scenarioId} /> : ''}
			<div class="flex flex-wrap items-center gap-2">
				{state.mode === 'form' ? (
					<>
						<button
							type="submit"
							name="op"
							value="save"
							class="btn"
							{...saveTarget}
							hx-target="#editor-save-result"
							hx-swap="innerHTML"
						>
							Save scenario
						</button>
						<OpButton op="check" label="Check" title="Validate without saving" />
						<OpButton op="view:yaml" label="YAML view" title="Show and edit the scenario as YAML" />
					</>
				) : (
					<OpButton
						op="apply-yaml"
						label="Apply YAML and return to the form"
						title="Apply YAML"
						cls="btn"
					/>
				)}
				{scenarioId ? (
					<a
						class="btn-secondary px-2 py-1 text-xs"
						href={`/api/scenarios/${scenarioId}/export`}
						hx-boost="false"
						download=""
					>
						Export YAML
					</a>
				) : (
					''
				)}
				<span class="text-sm text-slate-500" data-error-count={String(errors.length)}>
					{errors.length
						? `${errors.length} problem${errors.length > 1 ? 's' : ''} to fix`
						: state.mode === 'form'
							? 'No problems found'
							: ''}
				</span>
			</div>
			<div id="editor-save-result"></div>
			{state.mode === 'yaml' ? (
				<div class="card space-y-2">
					{state.yamlError ? (
						<p class="text-sm text-red-700" role="alert" safe>
							{state.yamlError}
						</p>
					) : (
						''
					)}
					<textarea
						class="input font-mono text-xs"
						name="yamlSource"
						rows="28"
						aria-label="Scenario YAML"
						safe
					>
						{state.yamlText ?? ''}
					</textarea>
				</div>
			) : (
				<>
					<Errors errors={errors} path={[]} />
					<Settings d={d} errors={errors} targets={targets} categories={categories} />
					<div class="card space-y-2">
						<h2 class="text-sm font-semibold text-slate-700">Flow</h2>
						<StepList steps={d.flowConfig} path={['flowConfig']} errors={errors} />
						<datalist id="step-ids">
							{collectIds(d.flowConfig).map((id) => (
								<option value={id} />
							))}
						</datalist>
					</div>
				</>
			)}
		</form>
	)
}

export function ScenarioEditorPage(props: EditorProps & { title: string }) {
	return (
		<Layout title={props.title} active="/scenarios">
			<PageHeader title={props.title}>
				{props.scenarioId ? (
					<a class="btn-secondary" href={`/scenarios/${props.scenarioId}`}>
						Back to scenario
					</a>
				) : (
					<a class="btn-secondary" href="/scenarios">
						Cancel
					</a>
				)}
			</PageHeader>
			<ScenarioEditor {...props} />
		</Layout>
	)
}
