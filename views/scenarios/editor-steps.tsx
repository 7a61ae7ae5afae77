import type { FieldError } from '../ui/error'
import { Errors, isObj, keyOf, nameOf, OpButton, str, type Obj, type Path } from './editor-parts'
import { TypeBadge } from './outline'

/** The editor's flow: step lists and step cards, nested for loops and conditionals. */

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

export function StepList({
	steps,
	path,
	errors,
	label,
}: {
	steps: unknown
	path: Path
	errors: FieldError[]
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
	errors: FieldError[]
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

export function collectIds(list: unknown, out: string[] = []): string[] {
	if (!Array.isArray(list)) return out
	for (const s of list) {
		if (!isObj(s)) continue
		if (typeof s.id === 'string') out.push(s.id)
		const c = isObj(s.config) ? s.config : {}
		for (const k of ['then', 'else', 'steps']) collectIds(c[k], out)
	}
	return out
}
