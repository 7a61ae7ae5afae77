import { BooleanInputs } from '../ui/form'
import type { FieldError } from '../ui/error'
import type { PickerOption } from '../ui/form'
import { Errors, isObj, str, type Obj, type Path } from './editor-parts'

/** The editor's scenario settings: name, counts, verbosity, default target, error handling. */

function Field({
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
		<label class="block">
			<span class="label" safe>
				{label}
			</span>
			{children}
			<Errors errors={errors} path={path} />
		</label>
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
