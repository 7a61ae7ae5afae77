import type { ErrorDetail } from '../http/errors'
import { parseCondition } from './conditions'
import { isKnownVariable, templateVariables } from './template'
import type { FlowStep } from './types'

/** Executed-step cap per conversation: bounds `next` cycles at run time (validation bounds the rest). */
export const MAX_EXECUTED_STEPS = 10_000

/**
 * Flow validation and canonicalisation (docs/architecture.md §4). Flows written by other tools use
 * aliases (`content` for `message`, `thenSteps` / `elseSteps` / `bodySteps`, config fields at
 * the step's top level, missing ids); `canonicalizeFlow` rewrites them into the one stored form
 * `{ id, type, config, next? }`. `validateFlow` reports every problem with its exact path.
 */

const STEP_TYPES = ['message', 'delay', 'conditional', 'loop'] as const
const MAX_DEPTH = 8
const MAX_DELAY_MS = 300_000
const MAX_ITERATIONS = 1000
const MAX_MESSAGE_LENGTH = 100_000
const MAX_ID_LENGTH = 100

type Path = (string | number)[]
type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

const CONFIG_KEYS: Record<string, string[]> = {
	message: ['message'],
	delay: ['durationMs'],
	conditional: ['condition', 'then', 'else'],
	loop: ['iterations', 'steps'],
}
const ALIASES: Record<string, string> = {
	content: 'message',
	thenSteps: 'then',
	elseSteps: 'else',
	bodySteps: 'steps',
	duration: 'durationMs',
	delayMs: 'durationMs',
	count: 'iterations',
	times: 'iterations',
}
const LIFTABLE = new Set([...Object.values(CONFIG_KEYS).flat(), ...Object.keys(ALIASES)])
const STEP_KEYS = new Set(['id', 'type', 'config', 'next'])

/**
 * The keys of a raw step that canonicalisation would drop (neither a field of its type nor an
 * alias of one): kept beside the canonical step, off the JSON, so validation refuses them with
 * their path instead of losing them silently (docs/conventions.md, unknown fields are refused).
 */
const UNKNOWN = Symbol('unknownStepKeys')
type Unknown = { path: 'config' | 'step'; key: string; known: string[] }

function unknownKeys(s: Obj, keys: string[]): Unknown[] {
	const fits = (k: string) => keys.includes(k) || keys.includes(ALIASES[k] ?? '')
	const out: Unknown[] = []
	for (const k of Object.keys(s))
		if (!STEP_KEYS.has(k) && !fits(k)) out.push({ path: 'step', key: k, known: keys })
	if (isObj(s.config))
		for (const k of Object.keys(s.config))
			if (!fits(k)) out.push({ path: 'config', key: k, known: keys })
	return out
}

/** Rewrites aliases into the canonical form; leaves anything it cannot understand for validation to report. */
export function canonicalizeFlow(raw: unknown): unknown {
	if (!Array.isArray(raw)) return raw
	const used = new Set<string>()
	collectIds(raw, used)
	let n = 0
	const freshId = (type: unknown) => {
		let id: string
		do id = `${typeof type === 'string' ? type : 'step'}-${++n}`
		while (used.has(id))
		used.add(id)
		return id
	}
	const walk = (list: unknown[]): unknown[] => list.map((s) => canonicalStep(s, walk, freshId))
	return walk(raw)
}

function collectIds(list: unknown[], out: Set<string>) {
	for (const s of list) {
		if (!isObj(s)) continue
		if (typeof s.id === 'string') out.add(s.id)
		const c = isObj(s.config) ? s.config : s
		for (const k of ['then', 'else', 'steps', 'thenSteps', 'elseSteps', 'bodySteps'])
			if (Array.isArray(c[k])) collectIds(c[k] as unknown[], out)
	}
}

function canonicalStep(
	s: unknown,
	walk: (l: unknown[]) => unknown[],
	freshId: (t: unknown) => string,
): unknown {
	if (!isObj(s)) return s
	const config: Obj = isObj(s.config) ? { ...s.config } : {}
	for (const [k, v] of Object.entries(s)) if (LIFTABLE.has(k) && !(k in config)) config[k] = v
	for (const [alias, key] of Object.entries(ALIASES)) {
		if (alias in config) {
			if (!(key in config)) config[key] = config[alias]
			delete config[alias]
		}
	}
	const type = s.type
	const keys = typeof type === 'string' ? CONFIG_KEYS[type] : undefined
	const out: Obj = {}
	out.id =
		typeof s.id === 'string' && s.id.trim() !== ''
			? s.id.trim()
			: s.id === undefined || s.id === ''
				? freshId(type)
				: s.id
	out.type = type
	if (keys) {
		const unknown = unknownKeys(s, keys)
		if (unknown.length) Object.defineProperty(out, UNKNOWN, { value: unknown, enumerable: false })
		const clean: Obj = {}
		for (const k of keys) if (config[k] !== undefined) clean[k] = config[k]
		// A conditional may have only an `else` branch (an "if not").
		if (type === 'conditional' && clean.then === undefined) clean.then = []
		for (const k of ['then', 'else', 'steps'])
			if (Array.isArray(clean[k])) clean[k] = walk(clean[k] as unknown[])
		out.config = clean
	} else out.config = config
	if (s.next !== undefined && s.next !== null && s.next !== '') out.next = s.next
	return out
}

interface ValidateOptions {
	messageTemplates?: Record<string, unknown>
	/** Path prefix of the flow in the request body; `['flowConfig']` by default. */
	path?: Path
}

/** Every problem in the flow (after canonicalisation), each with the path to the offending field. */
export function validateFlow(raw: unknown, opts: ValidateOptions = {}): ErrorDetail[] {
	const flow = canonicalizeFlow(raw)
	const root = opts.path ?? ['flowConfig']
	const templates = opts.messageTemplates ?? {}
	const errors: ErrorDetail[] = []
	const err = (path: Path, message: string, code = 'custom', extra: Partial<ErrorDetail> = {}) =>
		errors.push({ code, ...extra, path, message })
	/** An integer field within [min, max]: one detail, typed by what is wrong. */
	const intIn = (path: Path, name: string, v: unknown, min: number, max: number) => {
		if (typeof v !== 'number' || !Number.isInteger(v))
			err(path, `${name} must be an integer`, 'invalid_type', {
				expected: 'integer',
				received: typeof v,
			})
		else if (v < min || v > max)
			err(path, `${name} must be between ${min} and ${max}`, v < min ? 'too_small' : 'too_big')
	}

	if (!Array.isArray(flow)) {
		err(root, flow === undefined ? 'Required' : 'Expected an array of steps', 'invalid_type', {
			expected: 'array',
			received: flow === null ? 'null' : typeof flow,
		})
		return errors
	}
	if (flow.length === 0) {
		err(root, 'A flow needs at least one step', 'too_small')
		return errors
	}

	const seen = new Set<string>()
	// Ids of each list and all enclosing lists: where `next` may jump.
	const visit = (list: unknown[], path: Path, depth: number, scopes: Set<string>[]) => {
		if (depth > MAX_DEPTH) {
			err(path, `Steps are nested more than ${MAX_DEPTH} levels deep`, 'too_big')
			return
		}
		const own = new Set<string>()
		for (const s of list) if (isObj(s) && typeof s.id === 'string') own.add(s.id)
		const visible = [...scopes, own]
		list.forEach((s, i) => visitStep(s, [...path, i], depth, visible))
	}

	const visitStep = (s: unknown, path: Path, depth: number, scopes: Set<string>[]) => {
		if (!isObj(s)) {
			err(path, 'Expected a step object', 'invalid_type', {
				expected: 'object',
				received: typeof s,
			})
			return
		}
		if (typeof s.id !== 'string' || s.id === '') {
			err([...path, 'id'], 'Step id must be a non-empty string', 'invalid_type', {
				expected: 'string',
				received: typeof s.id,
			})
		} else if (s.id.length > MAX_ID_LENGTH) {
			err([...path, 'id'], `Step id is longer than ${MAX_ID_LENGTH} characters`, 'too_big')
		} else if (seen.has(s.id)) {
			err([...path, 'id'], `Duplicate step id "${s.id}"`)
		} else seen.add(s.id)

		if (s.next !== undefined) {
			if (typeof s.next !== 'string')
				err([...path, 'next'], 'next must be a step id', 'invalid_type', { expected: 'string' })
			else if (!scopes.some((sc) => sc.has(s.next as string))) {
				err(
					[...path, 'next'],
					`next "${s.next}" does not match a step in the same list or an enclosing one`,
				)
			}
		}

		const c = s.config as Obj
		const cp = [...path, 'config']
		for (const u of ((s as { [UNKNOWN]?: Unknown[] })[UNKNOWN] ?? []) as Unknown[])
			err(
				u.path === 'config' ? [...cp, u.key] : [...path, u.key],
				`Unrecognized key "${u.key}" in a ${String(s.type)} step${u.path === 'config' ? "'s config" : ''} (known: ${[...(u.path === 'step' ? ['id', 'type', 'config', 'next'] : []), ...u.known].join(', ')})`,
				'unrecognized_keys',
			)
		switch (s.type) {
			case 'message': {
				const m = c.message
				if (typeof m !== 'string' || m.trim() === '') {
					err(
						[...cp, 'message'],
						'Message steps need a non-empty message',
						m === undefined ? 'invalid_type' : 'too_small',
						{
							expected: 'string',
							received: m === undefined ? 'undefined' : typeof m,
						},
					)
					break
				}
				if (m.length > MAX_MESSAGE_LENGTH)
					err(
						[...cp, 'message'],
						`Message is longer than ${MAX_MESSAGE_LENGTH} characters`,
						'too_big',
					)
				for (const v of templateVariables(m)) {
					if (!isKnownVariable(v, templates))
						err(
							[...cp, 'message'],
							`Unknown template variable "{{${v}}}": not a built-in or a messageTemplates key`,
						)
				}
				break
			}
			case 'delay': {
				intIn([...cp, 'durationMs'], 'durationMs', c.durationMs, 0, MAX_DELAY_MS)
				break
			}
			case 'conditional': {
				const parsed = parseCondition(c.condition)
				if (!parsed.ok)
					err(
						[...cp, 'condition'],
						parsed.error,
						c.condition === undefined ? 'invalid_type' : 'custom',
					)
				if (!Array.isArray(c.then))
					err([...cp, 'then'], 'then must be a list of steps', 'invalid_type', {
						expected: 'array',
					})
				else visit(c.then, [...cp, 'then'], depth + 1, scopes)
				if (c.else !== undefined) {
					if (!Array.isArray(c.else))
						err([...cp, 'else'], 'else must be a list of steps', 'invalid_type', {
							expected: 'array',
						})
					else visit(c.else, [...cp, 'else'], depth + 1, scopes)
				}
				break
			}
			case 'loop': {
				intIn([...cp, 'iterations'], 'iterations', c.iterations, 1, MAX_ITERATIONS)
				if (!Array.isArray(c.steps) || c.steps.length === 0)
					err(
						[...cp, 'steps'],
						'A loop needs at least one step',
						Array.isArray(c.steps) ? 'too_small' : 'invalid_type',
					)
				else visit(c.steps, [...cp, 'steps'], depth + 1, scopes)
				break
			}
			default:
				err(
					[...path, 'type'],
					`Unknown step type; expected ${STEP_TYPES.join(' | ')}`,
					'invalid_enum_value',
					{
						expected: STEP_TYPES.map((t) => JSON.stringify(t)).join(' | '),
						received: typeof s.type === 'string' ? JSON.stringify(s.type) : typeof s.type,
					},
				)
		}
	}

	visit(flow, root, 1, [])
	if (errors.length === 0) {
		const bound = staticStepBound(flow as FlowStep[])
		if (bound > MAX_EXECUTED_STEPS)
			err(
				root,
				`The flow can execute up to ${bound} steps per conversation; the limit is ${MAX_EXECUTED_STEPS} (reduce loop iterations)`,
				'too_big',
			)
	}
	return errors
}

/**
 * Worst-case executed steps of one pass through the flow, ignoring `next` jumps (those are
 * bounded at run time by the executed-step cap). Loops multiply; a conditional takes its
 * longer branch. Saturates to avoid huge numbers.
 */
export function staticStepBound(flow: FlowStep[]): number {
	let total = 0
	for (const s of flow) {
		total += 1
		if (s.type === 'loop') total += s.config.iterations * staticStepBound(s.config.steps)
		else if (s.type === 'conditional')
			total += Math.max(staticStepBound(s.config.then ?? []), staticStepBound(s.config.else ?? []))
		if (total > 1e9) return 1e9
	}
	return total
}

/**
 * Messages one conversation sends when the flow has a fixed length: message steps, loops
 * multiplied, conditionals whose branches send as many. Null when it depends on the replies
 * (branches that differ, `next` jumps): progress then counts conversations (docs/architecture.md §5).
 */
export function plannedMessages(flow: FlowStep[]): number | null {
	let total = 0
	for (const s of flow) {
		if (s.next) return null
		if (s.type === 'message') total += 1
		else if (s.type === 'loop') {
			const body = plannedMessages(s.config.steps)
			if (body === null) return null
			total += s.config.iterations * body
		} else if (s.type === 'conditional') {
			const a = plannedMessages(s.config.then ?? [])
			const b = plannedMessages(s.config.else ?? [])
			if (a === null || a !== b) return null
			total += a
		}
	}
	return total
}

/** Number of steps at every depth (the step count shown in lists). */
export function countSteps(flow: unknown): number {
	if (!Array.isArray(flow)) return 0
	let n = 0
	for (const s of flow) {
		n += 1
		const c = isObj(s) && isObj(s.config) ? s.config : {}
		for (const k of ['then', 'else', 'steps']) n += countSteps(c[k])
	}
	return n
}
