import { detail, Invalid, type ErrorDetail } from '../http/errors'
import { DEFAULT_MAX_IN_FLIGHT } from '../execution/load'
import { MAX_LOAD_WORKERS, type LoadInput } from './model'
import type { LoadModel } from './snapshot'

const AT = ['executionConfig', 'load']

/** The fields each load type takes; any other is refused as an unknown key (docs/architecture.md §8). */
const FIELDS: Record<LoadInput['type'], { required: string[]; optional: string[] }> = {
	closed: { required: [], optional: ['durationSec'] },
	arrival: { required: ['rate', 'durationSec', 'maxInFlight'], optional: ['distribution', 'seed'] },
	stages: { required: ['stages'], optional: ['maxInFlight'] },
}

/**
 * `executionConfig.load` as frozen into the snapshot (docs/architecture.md §4), or a 400 naming
 * every problem: a field the type does not take, a missing one, stages that mix rate and
 * concurrency, a total duration over `maxDurationSec` (KRAWALL_MAX_LOAD_DURATION_SEC).
 */
export function loadModelOf(
	input: LoadInput,
	maxDurationSec: number,
	run: { repetitions: number; concurrency: number } = { repetitions: 1, concurrency: 1 },
): LoadModel {
	const problems: ErrorDetail[] = []
	const fields = FIELDS[input.type]
	for (const key of Object.keys(input)) {
		if (
			key === 'type' ||
			key === 'workers' ||
			fields.required.includes(key) ||
			fields.optional.includes(key)
		)
			continue
		problems.push(
			detail(
				[...AT, key],
				`"${key}" is not used by a ${input.type} load model`,
				'unrecognized_keys',
			),
		)
	}
	for (const key of fields.required) {
		if ((input as Record<string, unknown>)[key] === undefined)
			problems.push({
				code: 'invalid_type',
				path: [...AT, key],
				expected: key === 'stages' ? 'array' : 'number',
				received: 'undefined',
				message: `Required for a ${input.type} load model`,
			})
	}
	const stages = input.stages ?? []
	stages.forEach((s, i) => {
		const has = (s.rate !== undefined ? 1 : 0) + (s.concurrency !== undefined ? 1 : 0)
		if (has !== 1)
			problems.push(
				detail(
					[...AT, 'stages', i],
					'A stage names either rate (conversations per second) or concurrency, not both or neither',
				),
			)
	})
	const kinds = new Set(stages.map((s) => (s.rate !== undefined ? 'rate' : 'concurrency')))
	if (kinds.size > 1)
		problems.push(
			detail([...AT, 'stages'], 'All stages name rate, or all name concurrency; not a mix'),
		)
	if (input.type === 'stages' && input.maxInFlight !== undefined && kinds.has('concurrency'))
		problems.push(
			detail(
				[...AT, 'maxInFlight'],
				'maxInFlight applies to rate stages; concurrency stages are their own limit',
				'unrecognized_keys',
			),
		)
	const total =
		input.type === 'stages' ? stages.reduce((n, s) => n + s.durationSec, 0) : input.durationSec
	if (total !== undefined && total > maxDurationSec)
		problems.push({
			code: 'too_big',
			path: [...AT, input.type === 'stages' ? 'stages' : 'durationSec'],
			message: `The load model lasts ${total} s; at most ${maxDurationSec} s (KRAWALL_MAX_LOAD_DURATION_SEC)`,
		})
	if (typeof input.workers === 'number' && input.workers > 1) {
		// Every shard must have something to run: one lane, one conversation, one in-flight slot.
		const most = shardLimit(input, run)
		if (input.workers > most.limit)
			problems.push({
				code: 'too_big',
				path: [...AT, 'workers'],
				message: `${input.workers} shards would leave some with nothing to run: at most ${most.limit} (${most.why})`,
			})
	}
	if (problems.length) throw new Invalid(problems)
	const model = frozen(input, stages)
	return input.workers !== undefined && input.workers !== 1
		? { ...model, workers: input.workers }
		: model
}

/**
 * The most shards a run can be split into so that each has work (docs/architecture.md §4): a
 * closed run's lanes (and, without a duration, its conversations), an open model's in-flight cap.
 */
export function shardLimit(
	load: Pick<LoadInput, 'type' | 'maxInFlight' | 'durationSec' | 'stages'>,
	run: { repetitions: number; concurrency: number },
): { limit: number; why: string } {
	if (load.type === 'closed')
		return load.durationSec
			? { limit: run.concurrency, why: 'one lane each; concurrency is ' + run.concurrency }
			: run.repetitions < run.concurrency
				? {
						limit: run.repetitions,
						why: 'one conversation each; repetitions is ' + run.repetitions,
					}
				: { limit: run.concurrency, why: 'one lane each; concurrency is ' + run.concurrency }
	const rateStages = load.type === 'arrival' || load.stages?.[0]?.rate !== undefined
	if (!rateStages) {
		const peak = Math.max(0, ...(load.stages ?? []).map((s) => s.concurrency ?? 0))
		return {
			limit: Math.max(1, Math.min(MAX_LOAD_WORKERS, peak)),
			why: `one lane each at the peak; the stages reach concurrency ${peak}`,
		}
	}
	const cap = load.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT
	return {
		limit: Math.min(MAX_LOAD_WORKERS, cap),
		why: `one in-flight slot each; maxInFlight is ${cap}`,
	}
}

function frozen(input: LoadInput, stages: NonNullable<LoadInput['stages']>): LoadModel {
	if (input.type === 'closed')
		return { type: 'closed', ...(input.durationSec ? { durationSec: input.durationSec } : {}) }
	if (input.type === 'arrival')
		return {
			type: 'arrival',
			rate: input.rate!,
			durationSec: input.durationSec!,
			maxInFlight: input.maxInFlight!,
			distribution: input.distribution ?? 'constant',
			...(input.seed !== undefined ? { seed: input.seed } : {}),
		}
	return {
		type: 'stages',
		stages: stages.map((s) =>
			s.rate !== undefined
				? { durationSec: s.durationSec, rate: s.rate }
				: { durationSec: s.durationSec, concurrency: s.concurrency },
		),
		...(input.maxInFlight !== undefined ? { maxInFlight: input.maxInFlight } : {}),
	}
}
