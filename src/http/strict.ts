import { Kind, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { valueDepth } from './body-limits'
import type { ErrorDetail } from './errors'

/**
 * Unknown keys are refused, not dropped (docs/architecture.md §8): a misspelled
 * `executionConfig.maxCost` or `errorHandling.maxRetry` would otherwise be silently ignored and
 * the budget or retry policy lost. One walk over the schema a route (or `parse`) validates with,
 * so a field added to a schema is simply known; nothing is listed twice.
 *
 * The same walk bounds the free-form values (`T.Unknown`: `structure`, `messageTemplates`,
 * `protocolConfig.body`, flow steps…): at most `MAX_FREE_DEPTH` levels and `MAX_FREE_NODES`
 * values each, a 400 naming the field and the limit.
 */
export const MAX_FREE_DEPTH = 32
export const MAX_FREE_NODES = 20_000

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
	v !== null && typeof v === 'object' && !Array.isArray(v)

function nodeCount(value: unknown, limit: number): number {
	let n = 0
	const stack: unknown[] = [value]
	while (stack.length && n <= limit) {
		const v = stack.pop()
		n++
		if (v !== null && typeof v === 'object')
			stack.push(...(Array.isArray(v) ? v : Object.values(v)))
	}
	return n
}

function freeFormProblems(value: unknown, path: (string | number)[]): ErrorDetail[] {
	if (value === null || typeof value !== 'object') return []
	const depth = valueDepth(value, MAX_FREE_DEPTH)
	if (depth > MAX_FREE_DEPTH)
		return [
			{
				code: 'too_big',
				path,
				message: `Nested more than ${MAX_FREE_DEPTH} levels deep (at most ${MAX_FREE_DEPTH})`,
			},
		]
	if (nodeCount(value, MAX_FREE_NODES) > MAX_FREE_NODES)
		return [{ code: 'too_big', path, message: `More than ${MAX_FREE_NODES} values` }]
	return []
}

/** Keys of `value` its schema does not name, and free-form values over their limits. */
export function strictProblems(
	schema: TSchema,
	value: unknown,
	path: (string | number)[] = [],
): ErrorDetail[] {
	const kind = schema[Kind]
	if (kind === 'Unknown' || kind === 'Any') return freeFormProblems(value, path)
	if (schema.anyOf) return unionProblems(schema.anyOf as TSchema[], value, path)
	if (schema.allOf) {
		const members = schema.allOf as TSchema[]
		if (!members.every((m) => m.type === 'object' && m.properties)) return []
		const properties = Object.assign({}, ...members.map((m) => m.properties))
		return strictProblems({ ...schema, allOf: undefined, type: 'object', properties }, value, path)
	}
	if (schema.type === 'array' && Array.isArray(value)) {
		const items = schema.items as TSchema | TSchema[] | undefined
		if (!items) return []
		return value.flatMap((v, i) => {
			const s = Array.isArray(items) ? items[i] : items
			return s ? strictProblems(s, v, [...path, i]) : []
		})
	}
	if (schema.type === 'object' && isPlainObject(value)) return objectProblems(schema, value, path)
	return []
}

function objectProblems(
	schema: TSchema,
	value: Record<string, unknown>,
	path: (string | number)[],
): ErrorDetail[] {
	const properties = (schema.properties ?? {}) as Record<string, TSchema>
	const patterns = Object.entries((schema.patternProperties ?? {}) as Record<string, TSchema>)
	const extra = schema.additionalProperties as TSchema | boolean | undefined
	const out: ErrorDetail[] = []
	for (const [key, v] of Object.entries(value)) {
		const at = [...path, key]
		if (Object.hasOwn(properties, key)) {
			out.push(...strictProblems(properties[key], v, at))
			continue
		}
		const pattern = patterns.find(([p]) => new RegExp(p).test(key))
		if (pattern) out.push(...strictProblems(pattern[1], v, at))
		else if (typeof extra === 'object') out.push(...strictProblems(extra, v, at))
		else if (extra !== true && !patterns.length)
			out.push({
				code: 'unrecognized_keys',
				path: at,
				message: `Unrecognized key "${key}"${suggestion(key, Object.keys(properties))}`,
			})
	}
	return out
}

/**
 * A union is explained by the member the value matches; when it matches none, validation
 * reports that and this walk stays silent. When several match, the one with fewest problems wins.
 */
function unionProblems(
	members: TSchema[],
	value: unknown,
	path: (string | number)[],
): ErrorDetail[] {
	let best: ErrorDetail[] | undefined
	for (const m of members) {
		if (!Value.Check(m, value)) continue
		const p = strictProblems(m, value, path)
		if (!p.length) return []
		if (!best || p.length < best.length) best = p
	}
	return best ?? []
}

/** ` (did you mean "maxCostUsd"?)` for a key that shares a prefix with, or is one edit from, a known one. */
function suggestion(key: string, known: string[]): string {
	const k = key.toLowerCase()
	const near = known.find((n) => {
		const l = n.toLowerCase()
		return (k.length >= 4 && (l.startsWith(k) || k.startsWith(l))) || oneEdit(k, l)
	})
	return near ? ` (did you mean "${near}"?)` : ''
}

function oneEdit(a: string, b: string): boolean {
	if (Math.abs(a.length - b.length) > 1 || a === b) return false
	let i = 0
	while (i < a.length && a[i] === b[i]) i++
	const rest = (x: string, skip: number) => x.slice(i + skip)
	return rest(a, 1) === rest(b, 1) || rest(a, 1) === rest(b, 0) || rest(a, 0) === rest(b, 1)
}
