import type { Static, TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { parse } from '../http/validation'

/**
 * A query string as a schema wants it: empty fields dropped (a filter form submits them all),
 * numbers converted, then validated with the reference's 400 details (paths like `['limit']`).
 */
export function parseQuery<S extends TSchema>(schema: S, raw: Record<string, unknown>): Static<S> {
	const cleaned = Object.fromEntries(
		Object.entries(raw).filter(([, v]) => v !== undefined && v !== ''),
	)
	return parse(schema, Value.Convert(schema, cleaned), false)
}
