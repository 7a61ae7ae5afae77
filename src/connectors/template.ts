import { getPath, PathError, pathSegments } from '../templates/paths'
import type { ChatTurn, RequestTemplate } from './types'

/** `{{name}}` → the variable's value in every string of `value` (deep copy); unknown names stay. */
export function substitute<T>(value: T, vars: Record<string, string | number | boolean> = {}): T {
	if (typeof value === 'string') {
		return value.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (m, name: string) =>
			name in vars ? String(vars[name]) : m,
		) as T
	}
	if (Array.isArray(value)) return value.map((v) => substitute(v, vars)) as T
	if (value !== null && typeof value === 'object') {
		const out: Record<string, unknown> = {}
		for (const [k, v] of Object.entries(value)) out[k] = substitute(v, vars)
		return out as T
	}
	return value
}

function historyItem(
	turn: ChatTurn,
	format: RequestTemplate['historyFormat'],
): Record<string, unknown> {
	if (format === 'gemini')
		return { role: turn.role === 'assistant' ? 'model' : 'user', parts: [{ text: turn.content }] }
	return { role: turn.role, content: turn.content }
}

/**
 * The request body for one message: a copy of `structure` with variables substituted and the
 * message written at `messagePath`. With `historyPath`, earlier turns are sent too:
 * - when the message item sits in the history array (`messages.1.content` with history
 *   `messages`), the array becomes the items before it (a system prompt), the earlier turns,
 *   the new user item, then any items after it;
 * - otherwise (`message` + `history`) the earlier turns are appended to the history array.
 */
export function buildRequestBody(
	tpl: RequestTemplate,
	message: string,
	history: ChatTurn[],
): Record<string, unknown> {
	return compileRequestBody(tpl)(message, history)
}

/**
 * `buildRequestBody` compiled once per target (docs/architecture.md §4, the hot path): variables
 * are substituted and paths parsed here; each message then copies only the objects and arrays on
 * its paths (the rest of the body is shared and never written). A template whose paths cannot be
 * written throws PathError on each call, as `buildRequestBody` does.
 */
export function compileRequestBody(
	tpl: RequestTemplate,
): (message: string, history: ChatTurn[]) => Record<string, unknown> {
	const base = substitute(tpl.structure ?? {}, tpl.variables) as Record<string, unknown>
	const ms = writable(tpl.messagePath)
	if (!tpl.historyPath)
		return (message) => {
			const body = { ...base }
			setAt(body, ms(), message, tpl.messagePath)
			return body
		}
	const hs = writable(tpl.historyPath)
	const historyPath = tpl.historyPath
	return (message, history) => {
		const m = ms()
		const h = hs()
		const body = { ...base }
		const existing = getPath(base, historyPath)
		const arr = Array.isArray(existing) ? existing : []
		const turns = history.map((t) => historyItem(t, tpl.historyFormat))
		const inside =
			m.length > h.length && h.every((s, i) => m[i] === s) && typeof m[h.length] === 'number'
		if (inside) {
			const idx = m[h.length] as number
			const rest = m.slice(h.length + 1)
			// A shallow copy is enough: setAt copies every object on the way down (copy-on-write).
			const src: unknown = arr[idx] ?? {}
			let item: unknown =
				src !== null && typeof src === 'object'
					? Array.isArray(src)
						? src.slice()
						: { ...src }
					: src
			if (rest.length === 0) item = message
			else setAt(item as Record<string, unknown>, rest, message)
			setAt(body, h, [...arr.slice(0, idx), ...turns, item, ...arr.slice(idx + 1)], historyPath)
		} else {
			setAt(body, m, message, tpl.messagePath)
			setAt(body, h, [...arr, ...turns], historyPath)
		}
		return body
	}
}

/** The segments of a writable path, parsed once; a path that is not one throws when used. */
function writable(path: string): () => (string | number)[] {
	const segs = pathSegments(path)
	return () => {
		if (!segs || segs.length === 0) throw new PathError(`"${path}" is not a writable path`)
		return segs
	}
}

const UNSAFE = new Set(['__proto__', 'constructor', 'prototype'])

/**
 * `setPath` on segments, copy-on-write: every object or array on the way is replaced by a shallow
 * copy (created when missing: a number segment makes an array), so a shared template is never
 * written. `target` itself must be the caller's own copy.
 */
function setAt(
	target: Record<string, unknown>,
	segs: (string | number)[],
	value: unknown,
	path = segs.join('.'),
) {
	let node: any = target
	for (let i = 0; i < segs.length - 1; i++) {
		const s = segs[i]
		if (UNSAFE.has(String(s))) throw new PathError('unsafe path segment')
		const child = node[s]
		if (child === undefined || child === null) node[s] = typeof segs[i + 1] === 'number' ? [] : {}
		else if (typeof child !== 'object')
			throw new PathError(`"${path}" crosses a non-object value at "${String(s)}"`)
		else node[s] = Array.isArray(child) ? child.slice() : { ...child }
		node = node[s]
	}
	const last = segs[segs.length - 1]
	if (UNSAFE.has(String(last))) throw new PathError('unsafe path segment')
	node[last] = value
}

/** Text of a reply after the template's transform: markdown or HTML reduced to plain text. */
export function applyTransform(
	text: string,
	transform: 'none' | 'markdown' | 'html' | undefined,
): string {
	if (transform === 'html') {
		return text
			.replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, '')
			.replace(/<br\s*\/?>/gi, '\n')
			.replace(/<\/(p|div|li|h[1-6])>/gi, '\n')
			.replace(/<[^>]+>/g, '')
			.replace(/&nbsp;/g, ' ')
			.replace(/&lt;/g, '<')
			.replace(/&gt;/g, '>')
			.replace(/&quot;/g, '"')
			.replace(/&#39;/g, "'")
			.replace(/&amp;/g, '&')
			.trim()
	}
	if (transform === 'markdown') {
		return text
			.replace(/```[^\n]*\n([\s\S]*?)```/g, '$1')
			.replace(/`([^`]+)`/g, '$1')
			.replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
			.replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
			.replace(/^#{1,6}\s+/gm, '')
			.replace(/(\*\*|__)(.*?)\1/g, '$2')
			.replace(/(\*|_)(.*?)\1/g, '$2')
			.replace(/^\s*[-*+]\s+/gm, '')
			.replace(/^>\s?/gm, '')
			.trim()
	}
	return text
}

/** The reply text at `path`: strings as they are, numbers stringified, text parts joined; null when absent. */
export function extractText(json: unknown, path: string): string | null {
	const v = getPath(json, path)
	if (v === undefined || v === null) return null
	if (typeof v === 'string') return v
	if (typeof v === 'number' || typeof v === 'boolean') return String(v)
	if (
		Array.isArray(v) &&
		v.every((p) => typeof p === 'string' || typeof (p as { text?: unknown })?.text === 'string')
	) {
		return v.map((p) => (typeof p === 'string' ? p : (p as { text: string }).text)).join('')
	}
	return null
}
