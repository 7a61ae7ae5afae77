import type { ErrorDetail } from '../src/http/errors'
import type { EditorState } from '../src/scenarios/editor'
import { BooleanInputs } from './components'
import { Layout, PageHeader } from './layout'
import { TypeBadge } from './scenarios'

/**
 * The scenario editor: one form holding the whole draft. Every structural change (add, remove,
 * reorder, nest) is a submit button with an `op`, posted to /scenarios/editor, which answers with
 * this fragment re-rendered and the validation errors next to the fields they concern.
 */
type Path = (string | number)[]
type Obj = Record<string, any>
export interface EditorProps {
	state: EditorState
	errors: ErrorDetail[]
	scenarioId?: string
	targets: { id: string; name: string }[]
	categories: string[]
}

/** `['flowConfig', 0, 'config', 'then', 1]` → `flowConfig[0].config.then[1]` (src/http/form.ts). */
const nameOf = (path: Path) =>
	path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('')
const keyOf = (path: Path) => path.join('.')
const str = (v: unknown) =>
	v === undefined || v === null ? '' : typeof v === 'string' ? v : String(v)
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

function Errors({ errors, path }: { errors: ErrorDetail[]; path: Path }) {
	const key = keyOf(path)
	const mine = errors.filter((e) => keyOf(e.path) === key)
	if (!mine.length) return ''
	return (
		<ul class="mt-1 space-y-0.5 text-xs text-red-700" data-errors-for={key}>
			{mine.map((e) => (
				<li safe>{e.message}</li>
			))}
		</ul>
	)
}

function OpButton({
	op,
	label,
	title,
	cls = 'btn-secondary',
}: {
	op: string
	label: string
	title: string
	cls?: string
}) {
	return (
		<button
			type="submit"
			name="op"
			value={op}
			class={`${cls} px-2 py-1 text-xs`}
			title={title}
			aria-label={title}
			safe
		>
			{label}
		</button>
	)
}

function AddBar({ path }: { path: Path }) {
	const key = keyOf(path)
	return (
		<div class="flex flex-wrap items-center gap-1 pt-1" data-add-to={key}>
			<span class="text-xs text-slate-500">Add:</span>
			{(['message', 'delay', 'conditional', 'loop'] as const).map((t) => (
				<OpButton op={`add:${key}:${t}`} label={`+ ${t}`} title={`Add a ${t} step to ${key}`} />
			))}
		</div>
	)
}

function StepList({
	steps,
	path,
	errors,
	label,
}: {
	steps: unknown
	path: Path
	errors: ErrorDetail[]
	label?: string
}) {
	const list = Array.isArray(steps) ? steps : []
	return (
		<div class="space-y-2" data-list={keyOf(path)}>
			{label ? (
				<p class="text-xs font-semibold tracking-wide text-slate-500 uppercase" safe>
					{label}
				</p>
			) : (
				''
			)}
			<Errors errors={errors} path={path} />
			{list.map((s, i) => (
				<StepCard
					step={s}
					path={[...path, i]}
					errors={errors}
					first={i === 0}
					last={i === list.length - 1}
				/>
			))}
			<AddBar path={path} />
		</div>
	)
}

function StepCard({
	step,
	path,
	errors,
	first,
	last,
}: {
	step: unknown
	path: Path
	errors: ErrorDetail[]
	first: boolean
	last: boolean
}) {
	const s: Obj = isObj(step) ? step : {}
	const c: Obj = isObj(s.config) ? s.config : {}
	const n = nameOf(path)
	const key = keyOf(path)
	const type = str(s.type)
	const hasErrors = errors.some((e) => keyOf(e.path).startsWith(key + '.') || keyOf(e.path) === key)
	return (
		<div
			class={`step rounded-md border bg-white p-3 ${hasErrors ? 'border-red-300' : 'border-slate-200'}`}
			data-step-path={key}
			data-step-type={type}
		>
			<div class="flex flex-wrap items-center gap-2">
				<TypeBadge type={type || 'unknown'} />
				<input type="hidden" name={`${n}.type`} value={type} />
				<label class="flex items-center gap-1 text-xs text-slate-500">
					id
					<input
						class="input w-36 py-0.5 font-mono text-xs"
						name={`${n}.id`}
						value={str(s.id)}
						aria-label="Step id"
					/>
				</label>
				<label class="flex items-center gap-1 text-xs text-slate-500">
					next
					<input
						class="input w-36 py-0.5 font-mono text-xs"
						name={`${n}.next`}
						value={str(s.next)}
						list="step-ids"
						placeholder="(following step)"
						aria-label="Next step id"
					/>
				</label>
				<span class="ml-auto flex gap-1">
					{first ? '' : <OpButton op={`up:${key}`} label="↑" title="Move step up" />}
					{last ? '' : <OpButton op={`down:${key}`} label="↓" title="Move step down" />}
					<OpButton op={`remove:${key}`} label="✕" title="Remove step" cls="btn-danger" />
				</span>
			</div>
			<Errors errors={errors} path={path} />
			<Errors errors={errors} path={[...path, 'id']} />
			<Errors errors={errors} path={[...path, 'type']} />
			<Errors errors={errors} path={[...path, 'next']} />
			<Errors errors={errors} path={[...path, 'config']} />
			<div class="mt-2">
				{type === 'message' ? (
					<>
						<textarea
							class="input font-mono text-xs"
							name={`${n}.config.message:string`}
							rows="2"
							aria-label="Message"
							safe
						>
							{str(c.message ?? c.content)}
						</textarea>
						<Errors errors={errors} path={[...path, 'config', 'message']} />
					</>
				) : type === 'delay' ? (
					<label class="flex items-center gap-2 text-sm">
						wait
						<input
							class="input w-32"
							type="number"
							min="0"
							max="300000"
							name={`${n}.config.durationMs:number`}
							value={str(c.durationMs)}
							aria-label="Duration (ms)"
						/>
						ms
						<Errors errors={errors} path={[...path, 'config', 'durationMs']} />
					</label>
				) : type === 'loop' ? (
					<div class="space-y-2">
						<label class="flex items-center gap-2 text-sm">
							repeat
							<input
								class="input w-24"
								type="number"
								min="1"
								max="1000"
								name={`${n}.config.iterations:number`}
								value={str(c.iterations)}
								aria-label="Iterations"
							/>
							times
						</label>
						<Errors errors={errors} path={[...path, 'config', 'iterations']} />
						<div class="border-l-2 border-emerald-200 pl-3">
							<StepList
								steps={c.steps ?? c.bodySteps}
								path={[...path, 'config', 'steps']}
								errors={errors}
							/>
						</div>
					</div>
				) : type === 'conditional' ? (
					<div class="space-y-2">
						<label class="flex items-center gap-2 text-sm">
							if
							<input
								class="input font-mono text-xs"
								name={`${n}.config.condition:string`}
								value={str(c.condition)}
								placeholder="contains:text | matches:/re/i | length>N | status==429 | failed | tokens>N"
								aria-label="Condition"
							/>
						</label>
						<Errors errors={errors} path={[...path, 'config', 'condition']} />
						<div class="border-l-2 border-fuchsia-200 pl-3">
							<StepList
								steps={c.then ?? c.thenSteps}
								path={[...path, 'config', 'then']}
								errors={errors}
								label="then"
							/>
						</div>
						<div class="border-l-2 border-slate-200 pl-3">
							<StepList
								steps={c.else ?? c.elseSteps}
								path={[...path, 'config', 'else']}
								errors={errors}
								label="else"
							/>
						</div>
					</div>
				) : (
					<p class="text-xs text-slate-500">
						Unknown step type; remove it or fix it in the YAML view.
					</p>
				)}
			</div>
		</div>
	)
}

function collectIds(list: unknown, out: string[] = []): string[] {
	if (!Array.isArray(list)) return out
	for (const s of list) {
		if (!isObj(s)) continue
		if (typeof s.id === 'string') out.push(s.id)
		const c = isObj(s.config) ? s.config : {}
		for (const k of ['then', 'else', 'steps']) collectIds(c[k], out)
	}
	return out
}

function Field({
	label,
	path,
	errors,
	children,
}: {
	label: string
	path: Path
	errors: ErrorDetail[]
	children: JSX.Element
}) {
	return (
		<label class="block">
			<span class="label" safe>
				{label}
			</span>
			{children}
			<Errors errors={errors} path={path} />
		</label>
	)
}

function Settings({
	d,
	errors,
	targets,
	categories,
}: {
	d: Obj
	errors: ErrorDetail[]
	targets: EditorProps['targets']
	categories: string[]
}) {
	const eh: Obj = isObj(d.errorHandling) ? d.errorHandling : {}
	const templates = isObj(d.messageTemplates)
		? JSON.stringify(d.messageTemplates, null, 2)
		: str(d.messageTemplates)
	const statusCodes = isObj(eh.statusCodes) ? JSON.stringify(eh.statusCodes) : str(eh.statusCodes)
	const verbosity = str(d.verbosityLevel) || 'normal'
	return (
		<div class="card grid gap-4 md:grid-cols-2">
			<Field label="Name" path={['name']} errors={errors}>
				<input class="input" name="name" value={str(d.name)} required maxlength="100" />
			</Field>
			<Field label="Category" path={['category']} errors={errors}>
				<input
					class="input"
					name="category:string"
					value={str(d.category)}
					list="scenario-categories"
					maxlength="50"
				/>
			</Field>
			<div class="md:col-span-2">
				<Field label="Description" path={['description']} errors={errors}>
					<textarea class="input" name="description:string" rows="2" safe>
						{str(d.description)}
					</textarea>
				</Field>
			</div>
			<div class="grid grid-cols-3 gap-3 md:col-span-2">
				<Field label="Repetitions" path={['repetitions']} errors={errors}>
					<input
						class="input"
						type="number"
						min="1"
						max="1000"
						name="repetitions:number"
						value={str(d.repetitions ?? 1)}
					/>
				</Field>
				<Field label="Concurrency" path={['concurrency']} errors={errors}>
					<input
						class="input"
						type="number"
						min="1"
						max="100"
						name="concurrency:number"
						value={str(d.concurrency ?? 1)}
					/>
				</Field>
				<Field label="Delay between messages (ms)" path={['delayBetweenMs']} errors={errors}>
					<input
						class="input"
						type="number"
						min="0"
						max="60000"
						name="delayBetweenMs:number"
						value={str(d.delayBetweenMs ?? 0)}
					/>
				</Field>
			</div>
			<Field label="Verbosity" path={['verbosityLevel']} errors={errors}>
				<select class="input" name="verbosityLevel">
					{['normal', 'verbose', 'extreme'].map((v) => (
						<option value={v} selected={verbosity === v} safe>
							{v}
						</option>
					))}
				</select>
			</Field>
			<Field label="Default target" path={['targetId']} errors={errors}>
				<select class="input" name="targetId:json">
					<option value="null">— none —</option>
					{targets.map((t) => (
						<option value={JSON.stringify(t.id)} selected={d.targetId === t.id} safe>
							{t.name}
						</option>
					))}
				</select>
			</Field>
			<div class="md:col-span-2">
				<Field
					label="Template variables (JSON object, used as {{name}} or {{a.b}})"
					path={['messageTemplates']}
					errors={errors}
				>
					<textarea
						class="input font-mono text-xs"
						name="messageTemplates:json"
						rows="3"
						placeholder='{"topic": "DNS"}'
						safe
					>
						{templates}
					</textarea>
				</Field>
			</div>
			<fieldset class="grid grid-cols-2 gap-3 md:col-span-2 md:grid-cols-6">
				<legend class="label">Error handling</legend>
				<Field label="On error" path={['errorHandling', 'onError']} errors={errors}>
					<select class="input" name="errorHandling.onError">
						{['skip', 'abort', 'retry'].map((v) => (
							<option value={v} selected={(str(eh.onError) || 'skip') === v} safe>
								{v}
							</option>
						))}
					</select>
				</Field>
				<Field label="Max retries" path={['errorHandling', 'maxRetries']} errors={errors}>
					<input
						class="input"
						type="number"
						min="0"
						max="10"
						name="errorHandling.maxRetries:number"
						value={str(eh.maxRetries)}
						placeholder="3"
					/>
				</Field>
				<Field label="Delay (ms)" path={['errorHandling', 'delayMs']} errors={errors}>
					<input
						class="input"
						type="number"
						min="0"
						name="errorHandling.delayMs:number"
						value={str(eh.delayMs)}
						placeholder="1000"
					/>
				</Field>
				<Field label="Backoff ×" path={['errorHandling', 'backoffMultiplier']} errors={errors}>
					<input
						class="input"
						type="number"
						min="1"
						step="0.1"
						name="errorHandling.backoffMultiplier:number"
						value={str(eh.backoffMultiplier)}
						placeholder="2"
					/>
				</Field>
				<Field label="Max delay (ms)" path={['errorHandling', 'maxDelayMs']} errors={errors}>
					<input
						class="input"
						type="number"
						min="0"
						name="errorHandling.maxDelayMs:number"
						value={str(eh.maxDelayMs)}
						placeholder="30000"
					/>
				</Field>
				<Field label="Per status (JSON)" path={['errorHandling', 'statusCodes']} errors={errors}>
					<input
						class="input font-mono text-xs"
						name="errorHandling.statusCodes:json"
						value={statusCodes}
						placeholder='{"429":"retry"}'
					/>
				</Field>
			</fieldset>
			<label class="flex items-center gap-2 text-sm">
				<BooleanInputs name="isActive:boolean" checked={d.isActive !== false} /> Active
			</label>
			<datalist id="scenario-categories">
				{categories.map((c) => (
					<option value={c} />
				))}
			</datalist>
		</div>
	)
}

export function ScenarioEditor({ state, errors, scenarioId, targets, categories }: EditorProps) {
	const d = state.draft as Obj
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
