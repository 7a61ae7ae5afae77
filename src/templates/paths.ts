import { JSONPath } from 'jsonpath-plus'

/**
 * Template paths in either style the reference uses — `$.choices[0].message.content` and
 * `choices.0.message.content` — evaluated with jsonpath-plus. Script and filter expressions are
 * disabled: a target template is user input and must not execute code.
 */

/** `choices.0.message.content` → `$.choices[0].message.content`; JSONPath passes through. */
export function toJsonPath(path: string): string {
	const p = path.trim()
	if (p.startsWith('$')) return p
	// `messages[0].content` or `choices.*.text`: JSONPath written without the leading `$`.
	if (/[[\]*]/.test(p)) return p.startsWith('[') ? `$${p}` : `$.${p}`
	const segments = p.split('.').filter((s) => s.length > 0)
	return (
		'$' +
		segments
			.map((s) =>
				/^\d+$/.test(s)
					? `[${s}]`
					: /^[A-Za-z_$][\w$-]*$/.test(s)
						? `.${s}`
						: `[${JSON.stringify(s)}]`,
			)
			.join('')
	)
}

/** Parsed paths: a target's few paths are read on every reply (the hot path, issue 13). */
const segmentsCache = new Map<string, (string | number)[] | undefined>()
const SEGMENTS_CACHE_MAX = 1000

/**
 * The concrete segments of a path without wildcards or filters; undefined when it has any.
 * The array is shared between callers (parsed once per path): read it, never modify it.
 */
export function pathSegments(path: string): (string | number)[] | undefined {
	const hit = segmentsCache.get(path)
	if (hit !== undefined || segmentsCache.has(path)) return hit
	const segs = parseSegments(path)
	if (segmentsCache.size >= SEGMENTS_CACHE_MAX) segmentsCache.clear()
	segmentsCache.set(path, segs && (Object.freeze(segs) as (string | number)[]))
	return segs
}

function parseSegments(path: string): (string | number)[] | undefined {
	let parts: string[]
	try {
		parts = JSONPath.toPathArray(toJsonPath(path)) as string[]
	} catch {
		return undefined
	}
	const out: (string | number)[] = []
	for (const [i, part] of parts.entries()) {
		if (i === 0 && part === '$') continue
		if (
			part === '*' ||
			part === '..' ||
			part.startsWith('?') ||
			part.startsWith('(') ||
			part.includes(':') ||
			part === '~' ||
			part === '^'
		) {
			return undefined
		}
		out.push(/^\d+$/.test(part) ? Number(part) : part)
	}
	return out
}

/** First value at `path` in `json`, or undefined. Never throws. */
export function getPath(json: unknown, path: string): unknown {
	if (json === null || typeof json !== 'object') return undefined
	const segs = pathSegments(path)
	if (segs) {
		let node: any = json
		for (const s of segs) {
			if (node === null || typeof node !== 'object') return undefined
			node = node[s as keyof typeof node]
		}
		return node
	}
	try {
		const found = JSONPath({
			path: toJsonPath(path),
			json: json as object,
			wrap: true,
			eval: false,
		}) as unknown[]
		return found?.[0]
	} catch {
		return undefined
	}
}

export class PathError extends Error {}

/**
 * Writes `value` at `path`, creating objects and arrays on the way (a number segment makes an
 * array). Mutates `target`; throws PathError for paths that are not concrete or that cross a
 * primitive value.
 */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
	const segs = pathSegments(path)
	if (!segs || segs.length === 0) throw new PathError(`"${path}" is not a writable path`)
	let node: any = target
	for (let i = 0; i < segs.length - 1; i++) {
		const s = segs[i]
		if (s === '__proto__' || s === 'constructor' || s === 'prototype')
			throw new PathError('unsafe path segment')
		if (node[s] === undefined || node[s] === null)
			node[s] = typeof segs[i + 1] === 'number' ? [] : {}
		if (typeof node[s] !== 'object')
			throw new PathError(`"${path}" crosses a non-object value at "${String(s)}"`)
		node = node[s]
	}
	const last = segs[segs.length - 1]
	if (last === '__proto__' || last === 'constructor' || last === 'prototype')
		throw new PathError('unsafe path segment')
	node[last] = value
}

/** Every leaf path in `json` (dotted style), for "did you mean" suggestions. Bounded. */
export function listPaths(json: unknown, limit = 200): string[] {
	const out: string[] = []
	const walk = (node: unknown, prefix: string, depth: number) => {
		if (out.length >= limit || depth > 12) return
		if (node !== null && typeof node === 'object') {
			const entries = Array.isArray(node)
				? node.map((v, i) => [String(i), v] as const)
				: Object.entries(node)
			if (prefix) out.push(prefix)
			for (const [k, v] of entries) walk(v, prefix ? `${prefix}.${k}` : k, depth + 1)
		} else if (prefix) out.push(prefix)
	}
	walk(json, '', 0)
	return out.slice(0, limit)
}
