import { providerAuthFailure, providerAuthOk } from './auth'
import { admit, capCompletion, chargeKey, completionCap } from './controls'
import { burstLimit, injectedFailure, latency, MAX_HANG_MS, wait } from './faults'
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

/** The credential a request carries (for `limit-key` and the controls), whichever way the provider sends it. */
const requestKey = (req: Request, url: URL) =>
	req.headers.get('authorization') ??
	req.headers.get('x-api-key') ??
	req.headers.get('api-key') ??
	url.searchParams.get('key') ??
	'anonymous'

/**
 * The API key a request carries, however its provider sends it (`Bearer`, `x-api-key`,
 * `api-key`, `x-goog-api-key`, `?key=`), so one key is one key on every route: what the
 * controls count per key. No credential: one anonymous key.
 */
const credential = (req: Request, url: URL) =>
	/^Bearer\s+(.+)$/i.exec(req.headers.get('authorization') ?? '')?.[1] ??
	req.headers.get('x-api-key') ??
	req.headers.get('api-key') ??
	req.headers.get('x-goog-api-key') ??
	url.searchParams.get('key') ??
	req.headers.get('authorization') ??
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
		state.defaultPersonas,
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
	const { model } = parsed
	const stream = parsed.stream
	const conversation = conversationKey(req, body, parsed.turns)
	const turn = parsed.turns.filter((t) => t.role === 'user').length
	const key = credential(req, url)
	let release = () => {}
	const t = track(state.stats, route, conversation, () => release())
	const signal = req.signal
	signal.addEventListener('abort', t.disconnected, { once: true })
	let streaming = false
	try {
		const admission = admit(state, personas, format, { key, conversation, turns: parsed.turns })
		if (admission.refusal) {
			const r = admission.refusal
			return json(r.body, r.status, r.headers)
		}
		release = admission.release
		const turns = admission.turns
		const burst = burstLimit(
			state,
			personas,
			conversation,
			requestKey(req, url),
			format.name === 'anthropic',
		)
		const headers = { ...burst.headers, ...admission.headers }
		const failure = burst.failure ?? injectedFailure(state, personas, conversation)
		if (!(await wait(latency(personas), signal))) return new Response(null, { status: 499 })
		if (personas.hang) {
			await wait(MAX_HANG_MS, signal)
			return new Response(null, { status: 504 })
		}
		if (failure && !failure.empty) {
			const failureHeaders: Record<string, string> =
				failure.retryAfter !== undefined
					? {
							'retry-after': String(failure.retryAfter),
							'retry-after-ms': String(failure.retryAfter * 1000),
							...headers,
						}
					: headers
			return json(format.error(failure.status, failure.message), failure.status, failureHeaders)
		}
		const natural = failure?.empty
			? ''
			: replyText(parsed.turns[parsed.turns.length - 1].content, turn, personas)
		const { text, finish } = capCompletion(natural, completionCap(personas, body))
		if (finish === 'length') state.stats.capped.maxTokens++
		const usage = withPersonaUsage(usageFor(turns, text), personas)
		countUsage(state.stats, usage)
		const onServed = () => {
			served(state.stats, usage)
			chargeKey(state, key, usage)
		}
		if (!stream || !format.stream) {
			onServed()
			return json(format.json(text, usage, model, finish), 200, headers)
		}
		streaming = true
		const parts = [
			...format.stream(chunksOf(text), usage, model, {
				includeUsage: (parsed as any).includeUsage === true,
				finish,
			}),
		]
		return streamResponse(
			parts,
			personas.dripMs,
			signal,
			t,
			format.contentType ?? 'text/event-stream',
			headers,
			onServed,
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
