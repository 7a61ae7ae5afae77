import { MAX_BODY_DEPTH, parseJsonBounded, tooDeep } from './body-limits'
import { Invalid } from './errors'

/**
 * Decodes HTML form fields into the same object shape a JSON body has, so one TypeBox
 * schema validates both (docs/architecture.md §2). Field names carry the shape and the type:
 *
 *   authConfig.token=…          → { authConfig: { token } }
 *   flowConfig[0].type=message  → { flowConfig: [{ type }] }
 *   events[]=a&events[]=b       → { events: ['a', 'b'] }
 *   repetitions:number=5        → { repetitions: 5 }       (empty → omitted)
 *   isActive:boolean=on         → { isActive: true }       (a preceding hidden "false" covers unchecked boxes)
 *   flowConfig:json=[…]         → parsed JSON (invalid JSON stays a string, so validation reports it)
 *
 * Empty plain text fields are omitted, so optional fields left blank stay absent.
 */
export function decodeForm(
	entries: Iterable<[string, FormDataEntryValue]>,
): Record<string, unknown> {
	const out: Record<string, unknown> = {}
	for (const [rawKey, rawValue] of entries) {
		if (typeof rawValue !== 'string') continue
		const [key, type] = splitType(rawKey)
		const value = convert(rawValue, type)
		if (value === undefined) continue
		assign(out, key, value)
	}
	return out
}

function splitType(key: string): [string, string | undefined] {
	const m = /^(.*):(number|boolean|json|string)$/.exec(key)
	return m ? [m[1], m[2]] : [key, undefined]
}

function convert(value: string, type: string | undefined): unknown {
	switch (type) {
		case 'number': {
			if (value.trim() === '') return undefined
			const n = Number(value)
			return Number.isFinite(n) ? n : value
		}
		case 'boolean':
			return value === 'on' || value === 'true' || value === '1'
		case 'json':
			if (value.trim() === '') return undefined
			try {
				return parseJsonBounded(value, MAX_BODY_DEPTH, 'A form field')
			} catch (e) {
				if (e instanceof Invalid) throw e
				return value
			}
		case 'string':
			return value
		default:
			return value === '' ? undefined : value
	}
}

/**
 * The dashboard's own controls, posted along with a form's data (the scenario editor's `op`
 * button, its `scenarioId` and `yamlSource`, the CSRF token): not data, so the unknown-key check
 * (src/http/strict.ts) lets them through on form posts where the schema does not name them.
 */
export const FORM_CONTROLS = new Set(['op', 'scenarioId', 'yamlSource', '_csrf'])

const UNSAFE = new Set(['__proto__', 'prototype', 'constructor'])
/** `list[99999999]` would make a sparse array that validation then walks element by element. */
const MAX_INDEX = 10_000

function tokens(key: string): (string | number | '[]')[] {
	const out: (string | number | '[]')[] = []
	for (const m of key.matchAll(/([^.[\]]+)|\[(\d*)\]/g)) {
		if (m[1] !== undefined) out.push(/^\d+$/.test(m[1]) ? Number(m[1]) : m[1])
		else out.push(m[2] === '' ? '[]' : Number(m[2]))
	}
	return out
}

function assign(root: Record<string, unknown>, key: string, value: unknown) {
	const path = tokens(key)
	if (path.length > MAX_BODY_DEPTH) throw tooDeep(path.length, MAX_BODY_DEPTH, 'A form field name')
	if (
		!path.length ||
		path.some(
			(p) => (typeof p === 'string' && UNSAFE.has(p)) || (typeof p === 'number' && p > MAX_INDEX),
		)
	)
		return
	let node: any = root
	for (let i = 0; i < path.length; i++) {
		const last = i === path.length - 1
		const seg = path[i]
		const next = path[i + 1]
		if (seg === '[]') {
			if (!Array.isArray(node)) return
			if (last) node.push(value)
			else node.push((node = typeof next === 'number' || next === '[]' ? [] : {}))
			continue
		}
		if (last) {
			node[seg] = value
			return
		}
		if (node[seg] === undefined || typeof node[seg] !== 'object') {
			node[seg] = typeof next === 'number' || next === '[]' ? [] : {}
		}
		node = node[seg]
	}
}
