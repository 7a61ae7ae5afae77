import type { Static, TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { parse } from '../http/validation'

/**
 * A query string as a schema wants it: empty fields dropped (a filter form submits them all),
 * numbers converted, then validated with the reference's 400 details (paths like `['limit']`).
 */
export function parseQuery<S extends TSchema>(schema: S, raw: Record<string, unknown>): Static<S> {
	const props = (schema.properties ?? {}) as Record<string, TSchema>
	const cleaned = Object.entries(raw).filter(([, v]) => v !== undefined && v !== '')
	const converted = Value.Convert(schema, Object.fromEntries(cleaned)) as Record<string, unknown>
	for (const [k, v] of cleaned) if (isNumeric(props[k])) converted[k] = numeric(v)
	return parse(schema, converted, false)
}

const isNumeric = (s: TSchema | undefined) => s?.type === 'integer' || s?.type === 'number'

/**
 * Numbers are read whole, as `Number()` does: TypeBox's own conversion truncates `1e20` to 1 and
 * `1.5` to 1, so a bad `offset` became a silent page 1. A string that is no number stays a
 * string and fails validation with the field's path.
 */
function numeric(v: unknown) {
	if (typeof v !== 'string') return v
	const n = Number(v)
	return v.trim() !== '' && Number.isFinite(n) ? n : v
}
