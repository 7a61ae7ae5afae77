/**
 * The Execute form's load model (docs/architecture.md §4), without JavaScript: a radio chooses
 * `executionConfig.load.type` and only the fields of the chosen model are filled (blank fields
 * are not sent; a field the model does not take is refused with a message next to the form).
 */
const STAGE_ROWS = 3

/** A number override of `executionConfig` (field names per src/http/form.ts). */
export function NumberField(props: {
	label: string
	field: string
	min: string
	max?: string
	step?: string
}) {
	return (
		<label>
			<span class="label" safe>
				{props.label}
			</span>
			<input
				type="number"
				name={`executionConfig.${props.field}:number`}
				min={props.min}
				max={props.max}
				step={props.step}
				class="input"
			/>
		</label>
	)
}

/** A field of `executionConfig.load`; any step unless told. */
const Field = (props: {
	label: string
	name: string
	min: string
	max?: string
	step?: string
}) => (
	<NumberField
		label={props.label}
		field={`load.${props.name}`}
		min={props.min}
		max={props.max}
		step={props.step ?? 'any'}
	/>
)

const MODELS: [value: string, label: string][] = [
	['', 'Fixed count: repetitions × concurrency'],
	['closed', 'Concurrency for a duration'],
	['arrival', 'Rate for a duration (new conversations per second)'],
	['stages', 'Rate stages (ramped linearly, from 0)'],
]

export function LoadFields() {
	return (
		<fieldset id="execute-load" class="space-y-2 rounded border border-slate-200 p-3">
			<legend class="label px-1">Load model</legend>
			<div class="flex flex-wrap gap-x-4 gap-y-1 text-sm">
				{MODELS.map(([value, label], i) => (
					<label class="flex items-center gap-1">
						<input type="radio" name="executionConfig.load.type" value={value} checked={i === 0} />
						<span safe>{label}</span>
					</label>
				))}
			</div>
			<div class="grid grid-cols-2 gap-3 @2xl:grid-cols-4">
				<Field label="Duration (s)" name="durationSec" min="0.001" />
				<Field label="Rate (conversations/s)" name="rate" min="0" max="10000" />
				<Field label="Max in flight" name="maxInFlight" min="1" max="10000" step="1" />
				{/* `:json`: a number arrives as one, "auto" as the string (src/http/form.ts); bad values get the API's 400 details. */}
				<label>
					<span class="label">Workers (shards)</span>
					<input
						type="text"
						name="executionConfig.load.workers:json"
						inputmode="numeric"
						pattern="[0-9]+|auto"
						placeholder="1"
						title="A whole number of shards (1–64), or auto"
						class="input"
					/>
				</label>
				<label>
					<span class="label">Arrivals</span>
					<select name="executionConfig.load.distribution" class="input">
						<option value="">constant</option>
						<option value="poisson">Poisson</option>
					</select>
				</label>
			</div>
			<p class="text-xs text-slate-500">
				Duration: concurrency or rate. Rate: rate, duration and max in flight (a due start past it
				is dropped and counted). Stages: one row per stage. Workers: the run split into that many
				shards, each taken by any <code>krawall --worker</code> (auto: one per live worker), in the
				scaled mode; in the embedded mode the run is one shard.
			</p>
			<div class="grid grid-cols-2 gap-3 @2xl:grid-cols-6">
				{Array.from({ length: STAGE_ROWS }, (_, i) => (
					<>
						<Field
							label={`Stage ${i + 1} duration (s)`}
							name={`stages[${i}].durationSec`}
							min="0.001"
						/>
						<Field
							label={`Stage ${i + 1} rate (/s)`}
							name={`stages[${i}].rate`}
							min="0"
							max="10000"
						/>
					</>
				))}
			</div>
		</fieldset>
	)
}
