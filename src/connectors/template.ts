import { getPath, pathSegments, setPath } from '../templates/paths'
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

const segmentsToPath = (segs: (string | number)[]) => segs.map(String).join('.')

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
	const body = substitute(structuredClone(tpl.structure ?? {}), tpl.variables) as Record<
		string,
		unknown
	>
	if (!tpl.historyPath) {
		setPath(body, tpl.messagePath, message)
		return body
	}
	const hs = pathSegments(tpl.historyPath) ?? []
	const ms = pathSegments(tpl.messagePath) ?? []
	const existing = getPath(body, tpl.historyPath)
	const arr = Array.isArray(existing) ? existing : []
	const turns = history.map((t) => historyItem(t, tpl.historyFormat))
	const inside =
		ms.length > hs.length && hs.every((s, i) => ms[i] === s) && typeof ms[hs.length] === 'number'
	if (inside) {
		const idx = ms[hs.length] as number
		const rest = ms.slice(hs.length + 1)
		let item: unknown = structuredClone(arr[idx] ?? {})
		if (rest.length === 0) item = message
		else setPath(item as Record<string, unknown>, segmentsToPath(rest), message)
		setPath(body, tpl.historyPath, [...arr.slice(0, idx), ...turns, item, ...arr.slice(idx + 1)])
	} else {
		setPath(body, tpl.messagePath, message)
		setPath(body, tpl.historyPath, [...arr, ...turns])
	}
	return body
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
