import type { FieldError } from '../ui/error'
import { BooleanInputs, Field, type PickerOption } from '../ui/form'
import { Errors, isObj, str, type Obj, type Path } from './editor-parts'

/** The editor's scenario settings: name, counts, verbosity, default target, error handling. */

/** The run's counts, with the bounds of the API's schema and the value a new scenario starts with. */
const RUN_NUMBERS = [
	{ field: 'repetitions', label: 'Repetitions', min: '1', max: '1000', fallback: 1 },
	{ field: 'concurrency', label: 'Concurrency', min: '1', max: '100', fallback: 1 },
	{
		field: 'delayBetweenMs',
		label: 'Delay between messages (ms)',
		min: '0',
		max: '60000',
		fallback: 0,
	},
]

/** Retry settings of the error handling; the placeholders are the engine's defaults. */
const RETRY_NUMBERS = [
	{ field: 'maxRetries', label: 'Max retries', min: '0', max: '10', placeholder: '3' },
	{ field: 'delayMs', label: 'Delay (ms)', min: '0', placeholder: '1000' },
	{ field: 'backoffMultiplier', label: 'Backoff ×', min: '1', step: '0.1', placeholder: '2' },
	{ field: 'maxDelayMs', label: 'Max delay (ms)', min: '0', placeholder: '30000' },
]

/** A number setting; its name is its path (`errorHandling.delayMs:number`, src/http/form.ts). */
function NumberSetting(props: {
	label: string
	path: Path
	errors: FieldError[]
	min: string
	max?: string
	step?: string
	value: unknown
	placeholder?: string
}) {
	return (
		<Setting label={props.label} path={props.path} errors={props.errors}>
			<input
				class="input"
				type="number"
				min={props.min}
				max={props.max}
				step={props.step}
				name={`${props.path.join('.')}:number`}
				value={str(props.value)}
				placeholder={props.placeholder}
			/>
		</Setting>
	)
}

/** A labelled setting with its validation errors under it. */
function Setting({
	label,
	path,
	errors,
	children,
}: {
	label: string
	path: Path
	errors: FieldError[]
	children: JSX.Element
}) {
	return (
		<Field label={label}>
			{children}
			<Errors errors={errors} path={path} />
		</Field>
	)
}

export function Settings({
	d,
	errors,
	targets,
	categories,
}: {
	d: Obj
	errors: FieldError[]
	targets: PickerOption[]
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
			<Setting label="Name" path={['name']} errors={errors}>
				<input class="input" name="name" value={str(d.name)} required maxlength="100" />
			</Setting>
			<Setting label="Category" path={['category']} errors={errors}>
				<input
					class="input"
					name="category:string"
					value={str(d.category)}
					list="scenario-categories"
					maxlength="50"
				/>
			</Setting>
			<div class="md:col-span-2">
				<Setting label="Description" path={['description']} errors={errors}>
					<textarea class="input" name="description:string" rows="2" safe>
						{str(d.description)}
					</textarea>
				</Setting>
			</div>
			<div class="grid grid-cols-3 gap-3 md:col-span-2">
				{RUN_NUMBERS.map((f) => (
					<NumberSetting {...f} path={[f.field]} errors={errors} value={d[f.field] ?? f.fallback} />
				))}
			</div>
			<Setting label="Verbosity" path={['verbosityLevel']} errors={errors}>
				<select class="input" name="verbosityLevel">
					{['normal', 'verbose', 'extreme'].map((v) => (
						<option value={v} selected={verbosity === v} safe>
							{v}
						</option>
					))}
				</select>
			</Setting>
			<Setting label="Default target" path={['targetId']} errors={errors}>
				<select class="input" name="targetId:json">
					<option value="null">— none —</option>
					{targets.map((t) => (
						<option value={JSON.stringify(t.id)} selected={d.targetId === t.id} safe>
							{t.name}
						</option>
					))}
				</select>
			</Setting>
			<div class="md:col-span-2">
				<Setting
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
				</Setting>
			</div>
			<fieldset class="grid grid-cols-2 gap-3 md:col-span-2 md:grid-cols-6">
				<legend class="label">Error handling</legend>
				<Setting label="On error" path={['errorHandling', 'onError']} errors={errors}>
					<select class="input" name="errorHandling.onError">
						{['skip', 'abort', 'retry'].map((v) => (
							<option value={v} selected={(str(eh.onError) || 'skip') === v} safe>
								{v}
							</option>
						))}
					</select>
				</Setting>
				{RETRY_NUMBERS.map((f) => (
					<NumberSetting
						{...f}
						path={['errorHandling', f.field]}
						errors={errors}
						value={eh[f.field]}
					/>
				))}
				<Setting label="Per status (JSON)" path={['errorHandling', 'statusCodes']} errors={errors}>
					<input
						class="input font-mono text-xs"
						name="errorHandling.statusCodes:json"
						value={statusCodes}
						placeholder='{"429":"retry"}'
					/>
				</Setting>
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
