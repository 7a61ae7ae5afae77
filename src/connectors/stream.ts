import { createParser } from 'eventsource-parser'
import type { Clock } from '../clock'
import { getPath } from '../templates/paths'
import { errorText } from './errors'
import { extractText } from './template'
import { mergeUsage, normaliseUsage, reportedModel, type ReportedUsage } from './usage'

export interface StreamSpec {
	format: 'sse' | 'ndjson'
	contentPath: string
	usagePaths: string[]
	errorPath?: string
	doneMarker?: string
	doneEvent?: string
}

export interface StreamOutcome {
	content: string
	ttftMs?: number
	/** Content pieces: when the first and the last arrived, and the output tokens the first held. */
	pieces: { count: number; firstAt: number; lastAt: number; firstTokens: number }
	usage?: ReportedUsage
	model?: string
	error?: string
	/** A few parsed chunks (first ones and the last), to help pick paths. */
	raw: unknown[]
	/** Set when `signal` aborted the body: the error, with what arrived until then kept above. */
	interrupted?: unknown
}

const MAX_RAW = 4

/**
 * Folds a streamed reply into one: SSE events (eventsource-parser) or NDJSON lines. Content
 * deltas are concatenated; TTFT is taken at the first non-empty delta; usage is merged from
 * every chunk that carries some (the final chunk for OpenAI, message_start + message_delta for
 * Anthropic, cumulative for Gemini, the `done` line for Ollama).
 */
export async function readStream(
	body: AsyncIterable<Uint8Array>,
	spec: StreamSpec,
	clock: Clock,
	t0: number,
	/** Called when the stream is done before its body ends (a `[DONE]` marker, an error event). */
	cancel: () => void = () => {},
	/** When it aborts mid-body, the outcome so far is returned with `interrupted` set. */
	signal?: AbortSignal,
): Promise<StreamOutcome> {
	const out: StreamOutcome = {
		content: '',
		raw: [],
		pieces: { count: 0, firstAt: 0, lastAt: 0, firstTokens: 0 },
	}
	const piece = (delta: string, usage: ReportedUsage | undefined) => {
		const now = clock.perf()
		out.ttftMs ??= Math.round((now - t0) * 1000) / 1000
		out.content += delta
		const p = out.pieces
		if (p.count++ === 0) {
			p.firstAt = now
			// A stream that reports running counts (Gemini) says how many tokens the first piece
			// held; otherwise about four characters a token (docs/architecture.md §5).
			const running = usage
				? Math.max(usage.completionTokens, usage.totalTokens - usage.promptTokens)
				: 0
			p.firstTokens = running > 0 ? running : Math.ceil(delta.length / 4)
		}
		p.lastAt = now
	}
	let done = false
	let last: unknown
	const onJson = (json: unknown) => {
		if (out.raw.length < MAX_RAW) out.raw.push(json)
		else last = json
		if (spec.errorPath) {
			const err = errorText(getPath(json, spec.errorPath))
			if (err) {
				out.error = err
				done = true
				return
			}
		}
		const delta = extractText(json, spec.contentPath)
		for (const p of spec.usagePaths)
			out.usage = mergeUsage(out.usage, normaliseUsage(getPath(json, p)))
		if (delta) piece(delta, out.usage)
		out.model ??= reportedModel(json) ?? reportedModel((json as Record<string, unknown>)?.message)
	}
	const onData = (data: string, event?: string) => {
		if (done) return
		if (spec.doneMarker !== undefined && data.trim() === spec.doneMarker) {
			done = true
			return
		}
		let json: unknown
		try {
			json = JSON.parse(data)
		} catch {
			// Plain-text events are content themselves.
			if (data) piece(data, out.usage)
			return
		}
		onJson(json)
		if (spec.doneEvent && event === spec.doneEvent) done = true
	}
	const sse = createParser({ onEvent: (ev) => onData(ev.data, ev.event) })
	let pending = ''
	const feed = (text: string) => {
		if (spec.format === 'sse') return sse.feed(text)
		pending += text
		let nl: number
		while ((nl = pending.indexOf('\n')) >= 0) {
			const line = pending.slice(0, nl).trim()
			pending = pending.slice(nl + 1)
			if (line) onData(line)
		}
	}
	const decoder = new TextDecoder()
	try {
		for await (const value of body) {
			feed(decoder.decode(value, { stream: true }))
			if (done) break
		}
	} catch (e) {
		if (!signal?.aborted) throw e
		out.interrupted = e
		if (last !== undefined) out.raw.push(last)
		return out
	}
	if (done) cancel()
	else if (spec.format === 'ndjson' && pending.trim()) onData(pending.trim())
	if (last !== undefined) out.raw.push(last)
	return out
}

/**
 * Mean inter-token latency of a streamed reply (docs/architecture.md §5): the time from the first
 * to the last content piece ÷ the output tokens after the first piece, so a piece of several
 * tokens counts as several gaps. Undefined with fewer than two pieces or no tokens after the first.
 */
export function interTokenLatency(
	pieces: StreamOutcome['pieces'],
	completionTokens: number,
): number | undefined {
	const after = completionTokens - pieces.firstTokens
	if (pieces.count < 2 || after <= 0) return undefined
	return Math.round(((pieces.lastAt - pieces.firstAt) / after) * 1000) / 1000
}
