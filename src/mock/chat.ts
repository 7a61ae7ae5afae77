import { providerAuthFailure, providerAuthOk } from './auth'
import { burstLimit, injectedFailure, latency, MAX_HANG_MS, stallWait, wait } from './faults'
import { usageFor, type Format, type Turn, type Usage } from './formats'
import { json } from './http'
import { chunksOf, parsePersonas, replyText, type Personas } from './personas'
import type { MockState } from './state'
import { countUsage, served, track } from './stats'

/** `cache-write` and `thinking` add what those personas report to the computed usage. */
function withPersonaUsage(u: Usage, p: Personas): Usage {
	const uncached = u.prompt - u.cached
	const cacheWrite = p.cacheWrite === 'all' ? uncached : Math.min(uncached, p.cacheWrite ?? 0)
	return { ...u, cacheWrite, thoughts: p.thinkingTokens }
}

/** The conversation a request belongs to: named by the client, else its first user message. */
function conversationKey(req: Request, body: any, turns: Turn[]): string {
	const explicit = req.headers.get('x-mock-conversation') ?? body?.conversation_id ?? body?.user
	if (typeof explicit === 'string' && explicit) return explicit
	const first = turns.find((t) => t.role === 'user')?.content ?? ''
	return `c-${Bun.hash(first).toString(36)}`
}

/** The credential a request carries (for `limit-key`), whichever way the provider sends it. */
const requestKey = (req: Request, url: URL) =>
	req.headers.get('authorization') ??
	req.headers.get('x-api-key') ??
	req.headers.get('api-key') ??
	url.searchParams.get('key') ??
	'anonymous'

/**
 * One chat request in a provider's wire format: auth, personas (failures, latency, hang),
 * then a plain JSON reply or a stream. `route` names it in the stats.
 */
export async function serveChat(
	state: MockState,
	req: Request,
	url: URL,
	route: string,
	format: Format,
	personaPath: string | undefined,
): Promise<Response> {
	let body: any
	try {
		body = await req.json()
	} catch {
		return json(format.error(400, 'We could not parse the JSON body of your request.'), 400)
	}
	const personas = parsePersonas(
		personaPath,
		req.headers.get('x-mock-persona'),
		url.searchParams.get('persona'),
		typeof body?.persona === 'string' ? body.persona : undefined,
	)
	if (!providerAuthOk(state, format, req, url)) {
		state.stats.authFailures++
		return providerAuthFailure(format)
	}
	if (format.name === 'azure' && !url.searchParams.get('api-version')) {
		return json({ error: { code: '404', message: 'Resource not found' } }, 404)
	}
	const parsed = format.parse(body, url, req.headers)
	if (typeof parsed === 'string') return json(format.error(400, parsed), 400)
	const { turns, model } = parsed
	const stream = parsed.stream
	const conversation = conversationKey(req, body, turns)
	const turn = turns.filter((t) => t.role === 'user').length
	const t = track(state.stats, route, conversation)
	const signal = req.signal
	signal.addEventListener('abort', t.disconnected, { once: true })
	let streaming = false
	try {
		const burst = burstLimit(
			state,
			personas,
			conversation,
			requestKey(req, url),
			format.name === 'anthropic',
		)
		const failure = burst.failure ?? injectedFailure(state, personas, conversation)
		if (!(await wait(stallWait(state, personas) + latency(personas), signal)))
			return new Response(null, { status: 499 })
		if (personas.hang) {
			await wait(MAX_HANG_MS, signal)
			return new Response(null, { status: 504 })
		}
		if (failure && !failure.empty) {
			const headers: Record<string, string> =
				failure.retryAfter !== undefined
					? {
							'retry-after': String(failure.retryAfter),
							'retry-after-ms': String(failure.retryAfter * 1000),
							...burst.headers,
						}
					: burst.headers
			return json(format.error(failure.status, failure.message), failure.status, headers)
		}
		const text = failure?.empty ? '' : replyText(turns[turns.length - 1].content, turn, personas)
		const usage = withPersonaUsage(usageFor(turns, text), personas)
		countUsage(state.stats, usage)
		if (!stream || !format.stream) {
			served(state.stats, usage)
			return json(format.json(text, usage, model), 200, burst.headers)
		}
		streaming = true
		const parts = [
			...format.stream(chunksOf(text), usage, model, {
				includeUsage: (parsed as any).includeUsage === true,
			}),
		]
		return streamResponse(
			parts,
			personas.dripMs,
			signal,
			t,
			format.contentType ?? 'text/event-stream',
			burst.headers,
			() => served(state.stats, usage),
		)
	} finally {
		if (!streaming) t.end()
	}
}

/** The parts as a body, `dripMs` apart; the exchange ends when the last part is read or the client leaves. */
function streamResponse(
	parts: string[],
	dripMs: number,
	signal: AbortSignal,
	t: ReturnType<typeof track>,
	contentType: string,
	headers: Record<string, string>,
	onServed: () => void,
) {
	const enc = new TextEncoder()
	let i = 0
	const stream = new ReadableStream<Uint8Array>({
		async pull(controller) {
			if (i > 0 && dripMs > 0 && !(await wait(dripMs, signal))) {
				t.disconnected()
				controller.close()
				return
			}
			if (i >= parts.length) {
				if (!t.isEnded()) onServed()
				t.end()
				controller.close()
				return
			}
			controller.enqueue(enc.encode(parts[i++]))
		},
		cancel() {
			t.disconnected()
		},
	})
	return new Response(stream, {
		headers: {
			'content-type': contentType,
			'cache-control': 'no-cache',
			connection: 'keep-alive',
			...headers,
		},
	})
}
