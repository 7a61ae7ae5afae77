import { AppError, Invalid } from './errors'

/**
 * Limits checked on the raw request before anything parses or walks it (docs/architecture.md §8):
 *
 * - the body's size (`KRAWALL_MAX_BODY_BYTES`): the `Content-Length` header first, then the bytes
 *   actually read, so a chunked body cannot slip past; → 413;
 * - the body's nesting: one linear scan of the JSON text counts `[`/`{` outside strings and stops
 *   at `MAX_BODY_DEPTH`, so `JSON.parse` and every walk after it (TypeBox, the storability check,
 *   the unknown-key check) only ever sees shallow values; → 400.
 *
 * A 40 KB body of 20,000 nested arrays took 35 s of one core in TypeBox's error walk, and a
 * 100,000-deep one overflowed the stack (a 500); both are now answered by the scan in
 * well under a millisecond per KB.
 */
export const MAX_BODY_DEPTH = 64

export class TooLarge extends AppError {
	constructor(limit: number) {
		super(413, 'Payload too large', `The request body is larger than ${limit} bytes`)
	}
}

export const tooDeep = (depth: number, limit: number, what = 'The request body') =>
	new Invalid(
		'Invalid request body',
		`${what} is nested more than ${limit} levels deep (${depth}+)`,
	)

/**
 * The nesting depth of a JSON text, scanning at most until it passes `limit` (then returns
 * `limit + 1`). Brackets inside strings do not count; escapes inside strings are skipped.
 */
export function jsonDepth(text: string, limit = MAX_BODY_DEPTH): number {
	let depth = 0
	let max = 0
	let inString = false
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i)
		if (inString) {
			if (c === 92 /* \ */) i++
			else if (c === 34 /* " */) inString = false
			continue
		}
		if (c === 34) inString = true
		else if (c === 91 /* [ */ || c === 123 /* { */) {
			if (++depth > max) {
				max = depth
				if (max > limit) return max
			}
		} else if (c === 93 /* ] */ || c === 125 /* } */) depth--
	}
	return max
}

/** `JSON.parse` after the depth scan: a 400 for a body nested too deeply or not JSON at all. */
export function parseJsonBounded(text: string, limit = MAX_BODY_DEPTH, what?: string): unknown {
	const depth = jsonDepth(text, limit)
	if (depth > limit) throw tooDeep(depth, limit, what)
	return JSON.parse(text)
}

/** A 413 when the declared length is over the limit (before a byte of the body is read). */
export function declaredTooLarge(request: Request, limit: number): boolean {
	const declared = Number(request.headers.get('content-length') ?? '')
	return Number.isFinite(declared) && declared > limit
}

/** The body's bytes, refusing with a 413 as soon as more than `limit` have arrived. */
export async function readBounded(request: Request, limit: number): Promise<Uint8Array> {
	if (declaredTooLarge(request, limit)) throw new TooLarge(limit)
	if (!request.body) return new Uint8Array()
	const chunks: Uint8Array[] = []
	let size = 0
	const reader = request.body.getReader()
	for (;;) {
		const { done, value } = await reader.read()
		if (done) break
		size += value.byteLength
		if (size > limit) {
			await reader.cancel().catch(() => {})
			throw new TooLarge(limit)
		}
		chunks.push(value)
	}
	return Buffer.concat(chunks)
}

export const readTextBounded = async (request: Request, limit: number) =>
	new TextDecoder().decode(await readBounded(request, limit))

/**
 * The depth of an already-parsed value (YAML, a form's `:json` field), iteratively and stopping
 * past `limit`, so a value built without the text scan is bounded the same way.
 */
export function valueDepth(value: unknown, limit: number): number {
	let max = 0
	const seen = new Set<object>() // YAML aliases can share (or loop back to) a node
	const stack: [unknown, number][] = [[value, 0]]
	while (stack.length) {
		const [v, d] = stack.pop()!
		if (v === null || typeof v !== 'object' || seen.has(v)) continue
		seen.add(v)
		if (d + 1 > max) {
			max = d + 1
			if (max > limit) return max
		}
		for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d + 1])
	}
	return max
}
