import type { Server, ServerWebSocket, WebSocketHandler } from 'bun'
import { genericAuthOk } from './auth'
import { injectedFailure, latency, MAX_HANG_MS, wait } from './faults'
import { usageFor, type Turn } from './formats'
import { json } from './http'
import { chunksOf, parsePersonas, replyText, type Personas } from './personas'
import type { MockState } from './state'
import { track } from './stats'

/**
 * `GET /ws`: one socket is one conversation. Frames `{ message, stream?, persona? }` (or plain
 * text) are answered with `{ type: 'delta' }` frames and a final `{ type: 'done', usage }`, one
 * `{ type: 'message' }` frame when `stream` is false, or plain text for a plain-text frame.
 */
export type WsData = {
	id: string
	personas: Personas
	turns: Turn[]
	conversation: string
	/** Aborts of the replies in progress, run when the socket closes. */
	busy: Set<() => void>
}

/** Checks credentials and upgrades; undefined once upgraded (Bun answers the handshake). */
export function upgradeWebSocket(
	state: MockState,
	req: Request,
	url: URL,
	server: Server<WsData>,
	personaPath: string | undefined,
): Response | undefined {
	if (!genericAuthOk(state, req, url)) {
		state.stats.authFailures++
		return json({ error: { message: 'Unauthorized' } }, 401)
	}
	const personas = parsePersonas(
		personaPath,
		req.headers.get('x-mock-persona'),
		url.searchParams.get('persona'),
	)
	const data: WsData = {
		id: crypto.randomUUID(),
		personas,
		turns: [],
		conversation: req.headers.get('x-mock-conversation') ?? '',
		busy: new Set(),
	}
	if (server.upgrade(req, { data })) return undefined
	return json({ error: { message: 'Expected a WebSocket upgrade' } }, 426)
}

export function websocketHandlers(state: MockState): WebSocketHandler<WsData> {
	// `state.stats.ws` is read each time: a stats reset replaces it.
	return {
		open() {
			const ws = state.stats.ws
			ws.opened++
			ws.open++
			ws.maxOpen = Math.max(ws.maxOpen, ws.open)
		},
		message(socket, raw) {
			void answer(state, socket, raw)
		},
		close(socket) {
			const ws = state.stats.ws
			ws.open--
			ws.closed++
			for (const onClose of socket.data.busy) onClose()
		},
	}
}

async function answer(state: MockState, ws: ServerWebSocket<WsData>, raw: string | Buffer) {
	const d = ws.data
	const text = typeof raw === 'string' ? raw : raw.toString()
	let frame: any
	let asText = false
	try {
		frame = JSON.parse(text)
		if (frame === null || typeof frame !== 'object') throw new Error('not an object')
	} catch {
		frame = { message: text }
		asText = true
	}
	const message = typeof frame.message === 'string' ? frame.message : textOf(frame.content)
	const personas =
		typeof frame.persona === 'string'
			? parsePersonas(d.personas.names.join(','), frame.persona)
			: d.personas
	d.turns.push({ role: 'user', content: message })
	const turn = d.turns.filter((t) => t.role === 'user').length
	const conversation = d.conversation || `ws-${d.id}`
	state.stats.ws.messages++
	const t = track(state.stats, 'ws', conversation)
	const abort = new AbortController()
	const onClose = () => {
		abort.abort()
		t.disconnected()
	}
	d.busy.add(onClose)
	try {
		const failure = injectedFailure(state, personas, conversation)
		if (!(await wait(latency(personas), abort.signal))) return
		if (personas.hang) return void (await wait(MAX_HANG_MS, abort.signal))
		if (failure && !failure.empty) {
			d.turns.pop()
			ws.send(
				JSON.stringify({
					type: 'error',
					error: failure.message,
					status: failure.status,
					retry_after: failure.retryAfter,
					done: true,
				}),
			)
			return
		}
		const reply = failure?.empty ? '' : replyText(message, turn, personas)
		const usage = usageFor(d.turns, reply)
		d.turns.push({ role: 'assistant', content: reply })
		const usageJson = {
			prompt_tokens: usage.prompt,
			completion_tokens: usage.completion,
			total_tokens: usage.prompt + usage.completion,
		}
		if (asText) return void ws.send(reply)
		if (frame.stream === false)
			return void ws.send(
				JSON.stringify({ type: 'message', content: reply, done: true, usage: usageJson }),
			)
		for (const [i, c] of chunksOf(reply).entries()) {
			if (i > 0 && personas.dripMs > 0 && !(await wait(personas.dripMs, abort.signal))) return
			if (ws.readyState !== 1) return
			ws.send(JSON.stringify({ type: 'delta', content: c, done: false }))
		}
		ws.send(JSON.stringify({ type: 'done', content: '', done: true, usage: usageJson }))
	} finally {
		d.busy.delete(onClose)
		t.end()
	}
}

/** A frame's `content` as text: a string, or the text parts of an array. */
function textOf(content: unknown): string {
	if (typeof content === 'string') return content
	if (Array.isArray(content))
		return content.map((p) => (typeof p === 'string' ? p : (p?.text ?? ''))).join('')
	return ''
}
