import type { TSchema } from '@sinclair/typebox'
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value'
import { Invalid, type ErrorDetail } from './errors'
import { strictProblems } from './strict'

/** `/a/0/b` (JSON pointer) → `['a', 0, 'b']`, the reference's path array. */
function pointerToPath(pointer: string): (string | number)[] {
	if (!pointer || pointer === '/') return []
	return pointer
		.slice(1)
		.split('/')
		.map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
		.map((s) => (/^\d+$/.test(s) ? Number(s) : s))
}

const typeName = (v: unknown): string =>
	v === undefined
		? 'undefined'
		: v === null
			? 'null'
			: Array.isArray(v)
				? 'array'
				: Number.isNaN(v)
					? 'nan'
					: typeof v

/**
 * A union's members, nested unions flattened, without the string forms Elysia adds so a query or
 * form string can be coerced (`{ type: 'string', format: 'integer' }` beside an integer): the
 * client is told of the integer, not of a string.
 */
const membersOf = (schema: TSchema): TSchema[] =>
	((schema.anyOf ?? []) as TSchema[])
		.flatMap((s) => (s.anyOf ? membersOf(s) : [s]))
		.filter((s) => !(s.type === 'string' && COERCED.has(s.format)))
const COERCED = new Set(['integer', 'numeric', 'boolean'])

const expectedOf = (schema: TSchema): string => {
	if (schema.const !== undefined) return JSON.stringify(schema.const)
	if (schema.anyOf) return [...new Set(membersOf(schema).map(expectedOf))].join(' | ')
	if (schema.enum) return (schema.enum as unknown[]).map((v) => JSON.stringify(v)).join(' | ')
	return String(schema.type ?? 'unknown')
}

/** Maps one TypeBox error to the reference's (zod-shaped) detail item. */
function toDetail(e: ValueError): ErrorDetail {
	if (e.type === ValueErrorType.Union) {
		const inner = unionMember(e)
		if (inner) return toDetail(inner)
	}
	const path = pointerToPath(e.path)
	const base = { path, expected: expectedOf(e.schema), received: typeName(e.value) }
	switch (e.type) {
		case ValueErrorType.ObjectRequiredProperty:
			return { code: 'invalid_type', ...base, received: 'undefined', message: 'Required' }
		case ValueErrorType.String:
		case ValueErrorType.Number:
		case ValueErrorType.Integer:
		case ValueErrorType.Boolean:
		case ValueErrorType.Object:
		case ValueErrorType.Array:
		case ValueErrorType.Null:
			if (e.value === undefined) return { code: 'invalid_type', ...base, message: 'Required' }
			return {
				code: 'invalid_type',
				...base,
				message: `Expected ${base.expected}, received ${base.received}`,
			}
		case ValueErrorType.StringMinLength:
		case ValueErrorType.NumberMinimum:
		case ValueErrorType.IntegerMinimum:
		case ValueErrorType.ArrayMinItems:
		case ValueErrorType.NumberExclusiveMinimum:
		case ValueErrorType.IntegerExclusiveMinimum:
			return { code: 'too_small', ...base, message: e.message }
		case ValueErrorType.StringMaxLength:
		case ValueErrorType.NumberMaximum:
		case ValueErrorType.IntegerMaximum:
		case ValueErrorType.ArrayMaxItems:
		case ValueErrorType.NumberExclusiveMaximum:
		case ValueErrorType.IntegerExclusiveMaximum:
			return { code: 'too_big', ...base, message: e.message }
		case ValueErrorType.Union:
		case ValueErrorType.Literal:
			return { code: 'invalid_enum_value', ...base, message: `Expected ${base.expected}` }
		case ValueErrorType.StringFormat:
		case ValueErrorType.StringPattern:
			return { code: 'invalid_string', ...base, message: e.message }
		case ValueErrorType.ObjectAdditionalProperties:
			return { code: 'unrecognized_keys', path, message: 'Unrecognized key' }
		default:
			return { code: 'custom', ...base, message: e.message }
	}
}

const jsType = (schema: TSchema) => (schema.type === 'integer' ? 'number' : schema.type)

/**
 * A union failure (Elysia widens numbers and booleans into unions to coerce strings) is
 * explained by the member of the value's own type: "too small", not "not any of".
 */
function unionMember(e: ValueError): ValueError | undefined {
	const members = membersOf(e.schema)
	// A union of literals is an enum: report every allowed value, not the first one's failure.
	if (members.every((s) => s.const !== undefined)) return undefined
	const member = members.find((s) => s.const === undefined && jsType(s) === typeName(e.value))
	if (!member) return undefined
	const first = Value.Errors(member, e.value).First()
	return first ? { ...first, path: e.path + first.path } : undefined
}

/**
 * TypeBox reports a union failure and then each member's failure; keep the most useful
 * error per path so a client sees one clear line per field.
 */
export function toDetails(errors: Iterable<ValueError>): ErrorDetail[] {
	const byPath = new Map<string, ErrorDetail>()
	for (const e of errors) {
		const key = e.path
		if (byPath.has(key)) continue
		// The offending value rides along, hidden from JSON, for callers that must locate it.
		byPath.set(
			key,
			Object.defineProperty(toDetail(e), 'value', { value: e.value, enumerable: false }),
		)
	}
	return [...byPath.values()]
}

/**
 * Validates `value` against `schema` (after defaults), throwing Invalid with details. Unknown
 * keys are refused (src/http/strict.ts) unless `strict` is false (query strings, where browsers
 * and proxies add their own parameters).
 */
export function parse<S extends TSchema>(
	schema: S,
	value: unknown,
	strict = true,
): import('@sinclair/typebox').Static<S> {
	const problems = strict ? strictProblems(schema, value ?? {}) : []
	if (problems.length) throw new Invalid(problems)
	const v = Value.Default(schema, structuredClone(value ?? {}))
	if (Value.Check(schema, v)) return v as import('@sinclair/typebox').Static<S>
	throw new Invalid(toDetails(Value.Errors(schema, v)))
}
