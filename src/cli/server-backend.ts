import { AppError, NotFound, type ErrorDetail } from '../http/errors'
import type { ReportFormat } from '../reports/model'
import type { SessionDetail } from '../sessions/present'
import type { Pace } from '../metrics/timeseries'
import { pickByIdOrName, type RunBackend, type RunProgress } from './backend'

/**
 * `krawall run --server URL`: the session runs on a running Krawall server, through the same
 * `/api` routes any client uses (docs/ci.md). Progress follows the session's SSE stream
 * (`GET /api/sessions/:id/stream`, docs/architecture.md §6), reconnecting with `Last-Event-ID`
 * when it breaks off; the summary, baseline session and report come from the API afterwards.
 */

/** A failure that ends the run with its own exit code: 2 configuration (a 401), 4 the server. */
export class ServerError extends Error {
	constructor(
		readonly exitCode: 2 | 4,
		message: string,
	) {
		super(message)
	}
}

type Fetch = (input: string, init?: RequestInit) => Promise<Response>

/** Ordinary requests; the stream has its own idle limit below. */
const REQUEST_TIMEOUT_MS = 30_000
/** The server sends a heartbeat every 15 s: three missed mean the stream is dead. */
const STREAM_IDLE_MS = 45_000
/** Reconnects of a broken stream before the run gives up (exit 4). */
const STREAM_RETRIES = 3
const RETRY_DELAY_MS = 1000

/** The reference's error envelope, as far as the CLI reads it. */
type Envelope = { success?: boolean; error?: string; message?: string; details?: ErrorDetail[] }

export function serverBackend(opts: { url: string; token?: string; fetch?: Fetch }): RunBackend {
	const base = opts.url.replace(/\/+$/, '')
	const doFetch: Fetch = opts.fetch ?? ((input, init) => fetch(input, init))
	const headers = (extra: Record<string, string> = {}) => ({
		...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
		accept: 'application/json',
		...extra,
	})

	/** Sends one request; a refused token, a server error or no answer at all is a ServerError. */
	async function send(method: string, path: string, body?: unknown, signal?: AbortSignal) {
		let res: Response
		try {
			res = await doFetch(base + path, {
				method,
				headers: headers(body === undefined ? {} : { 'content-type': 'application/json' }),
				body: body === undefined ? undefined : JSON.stringify(body),
				signal: signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS),
			})
		} catch (e) {
			throw new ServerError(
				4,
				`cannot reach the Krawall server at ${base} (${e instanceof Error ? e.message : String(e)})`,
			)
		}
		if (res.ok) return res
		const text = await res.text().catch(() => '')
		let env: Envelope = {}
		try {
			env = JSON.parse(text)
		} catch {
			// Not the envelope (a proxy's error page): the status says enough.
		}
		if (res.status === 401)
			throw new ServerError(
				2,
				`the server at ${base} refused the request (401 ${env.error ?? 'Unauthorized'}): ` +
					'put its API token in KRAWALL_API_TOKEN, or name the variable with --server-token-env',
			)
		if (res.status >= 500 || !env.error)
			throw new ServerError(
				4,
				`the Krawall server at ${base} answered ${method} ${path} with ${res.status}${env.error ? `: ${env.error}` : ''}`,
			)
		// The server's own 4xx (validation, not found, conflict), reported as the in-process path would.
		if (res.status === 404) throw new NotFound(env.error, env.message)
		throw new AppError(res.status, env.error, env.message, env.details)
	}
	const json = async <T>(method: string, path: string, body?: unknown): Promise<T> =>
		((await (await send(method, path, body)).json()) as { data: T }).data

	const list = (path: string) => json<{ id: string; name: string }[]>('GET', path)

	return {
		findTarget: async (key) => pickByIdOrName(await list('/api/targets'), key, 'target'),
		findScenario: async (key) => pickByIdOrName(await list('/api/scenarios'), key, 'scenario'),
		createTarget: async (input) => (await json<{ id: string }>('POST', '/api/targets', input)).id,
		updateTarget: async (id, input) =>
			void (await json('PATCH', `/api/targets/${encodeURIComponent(id)}`, input)),
		scenarioFromTemplate: async (templateId, name) =>
			(
				await json<{ id: string }>(
					'POST',
					`/api/scenarios/from-template/${encodeURIComponent(templateId)}`,
					{ name },
				)
			).id,
		execute: async (body) =>
			(await json<{ sessionId: string }>('POST', '/api/execute', body)).sessionId,
		follow: (sessionId) => followStream(send, sessionId),
		cancel: async (sessionId) =>
			void (await send('POST', `/api/sessions/${encodeURIComponent(sessionId)}/cancel`)),
		session: (sessionId) =>
			json<SessionDetail>('GET', `/api/sessions/${encodeURIComponent(sessionId)}`),
		report: async (sessionId, format: ReportFormat) =>
			(
				await send('GET', `/api/sessions/${encodeURIComponent(sessionId)}/report?format=${format}`)
			).text(),
		pace: async (sessionId) =>
			paceOf(
				await json<{ buckets: ApiBucket[] }>(
					'GET',
					`/api/sessions/${encodeURIComponent(sessionId)}/timeseries`,
				),
			),
		now: () => Date.now(),
	}
}

interface ApiBucket {
	ts: string
	completed: number
	errors: number
	costUsd: number
	responseTimeMs: { p95: number | null }
}

/**
 * The pace of the last 5 stored seconds from `GET /api/sessions/:id/timeseries`. The API gives each
 * second's percentiles, not its sketch, so p95 here is the highest per-second p95 of the window
 * (an upper bound of the window's p95; in process the sketches are merged, src/metrics/timeseries.ts).
 */
export function paceOf({ buckets }: { buckets: ApiBucket[] }, seconds = 5): Pace | null {
	const last = buckets[buckets.length - 1]
	if (!last) return null
	const end = Date.parse(last.ts) / 1000
	const window = buckets.filter((b) => Date.parse(b.ts) / 1000 > end - seconds)
	const span = end - Date.parse(window[0]!.ts) / 1000 + 1
	const sum = (f: (b: ApiBucket) => number) => window.reduce((a, b) => a + f(b), 0)
	const p95s = window.map((b) => b.responseTimeMs.p95).filter((v): v is number => v !== null)
	return {
		perSecond: sum((b) => b.completed) / span,
		p95Ms: p95s.length ? Math.max(...p95s) : null,
		errorsPerSecond: sum((b) => b.errors) / span,
		usdPerMinute: (sum((b) => b.costUsd) / span) * 60,
	}
}

type Send = (
	method: string,
	path: string,
	body?: unknown,
	signal?: AbortSignal,
) => Promise<Response>

/** One SSE frame's `id` and parsed `data` (comments and heartbeats have neither). */
type Frame = { id?: number; data?: StreamEvent }
type StreamEvent =
	| { type: 'status'; status: string; progress?: Omit<RunProgress, 'status'> }
	| {
			type: 'message'
			data: {
				direction: string
				success?: boolean
				totalTokens?: number | null
				costUsd?: number | null
			}
	  }
	| { type: 'complete'; status: string; error?: string }
	| { type: 'timeseries'; buckets: { dropped: number }[] }

/** Splits the byte stream into frames (blank-line separated, `data:` lines joined by newlines). */
async function* frames(body: ReadableStream<Uint8Array>, idle: () => void): AsyncGenerator<Frame> {
	const decoder = new TextDecoder()
	let buffer = ''
	for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
		idle()
		buffer += decoder.decode(chunk, { stream: true })
		let end: number
		while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
			const raw = buffer.slice(0, end)
			buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '')
			const f: Frame = {}
			const data: string[] = []
			for (const line of raw.split(/\r?\n/)) {
				if (line.startsWith('id:')) f.id = Number(line.slice(3).trim())
				else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''))
			}
			if (data.length) f.data = JSON.parse(data.join('\n'))
			yield f
		}
	}
}

/**
 * Progress from the stream (the reference's events, src/sessions/events.ts): each received
 * `message` adds its figures (a reconnect resumes after the last id, so none counts twice),
 * `status` frames give the status and conversations. Once the stream says `complete`, the last
 * value is the session's own counters from `GET /api/sessions/:id`, so the final line is exact.
 */
async function* followStream(send: Send, sessionId: string): AsyncGenerator<RunProgress> {
	const p: RunProgress = {
		status: 'QUEUED',
		messagesCompleted: 0,
		errorCount: 0,
		tokensTotal: 0,
		costUsd: 0,
		conversationsCompleted: 0,
		conversationsTotal: 0,
		droppedConversations: 0,
		durationSec: null,
		elapsedSec: null,
	}
	// The run's clock: the server's elapsed seconds at a `status` frame, counted on from there.
	let startedAt: number | null = null
	const tick = () => {
		if (startedAt !== null) p.elapsedSec = Math.round((Date.now() - startedAt) / 100) / 10
		return { ...p }
	}
	let lastEventId = 0
	let failures = 0
	const path = `/api/sessions/${encodeURIComponent(sessionId)}/stream`
	for (;;) {
		const ctrl = new AbortController()
		let timer: ReturnType<typeof setTimeout> | undefined
		const idle = () => {
			clearTimeout(timer)
			timer = setTimeout(() => ctrl.abort(new Error('the stream went silent')), STREAM_IDLE_MS)
		}
		let reason = 'the stream ended before the session did'
		try {
			idle()
			const res = await send('GET', `${path}?lastEventId=${lastEventId}`, undefined, ctrl.signal)
			if (!res.body) throw new Error('no stream body')
			for await (const f of frames(res.body, idle)) {
				if (f.id !== undefined && Number.isFinite(f.id)) lastEventId = Math.max(lastEventId, f.id)
				const e = f.data
				if (!e) continue
				failures = 0
				if (e.type === 'status') {
					p.status = e.status
					// Only the conversation counters: the messages the row has counted are replayed
					// after this frame and counted one by one below (counting both would double them).
					if (e.progress) {
						p.conversationsCompleted = e.progress.conversationsCompleted
						p.conversationsTotal = e.progress.conversationsTotal
						// Drops are counted on from the live seconds below; the row's count is their start.
						p.droppedConversations = e.progress.droppedConversations ?? 0
						p.durationSec = e.progress.durationSec ?? null
						if (e.progress.elapsedSec != null) startedAt = Date.now() - e.progress.elapsedSec * 1000
					}
					if (e.status === 'RUNNING') startedAt ??= Date.now()
					yield tick()
				} else if (e.type === 'message' && e.data.direction === 'received') {
					p.messagesCompleted++
					if (e.data.success === false) p.errorCount++
					p.tokensTotal += e.data.totalTokens ?? 0
					p.costUsd += e.data.costUsd ?? 0
					yield tick()
				} else if (e.type === 'timeseries') {
					for (const b of e.buckets) p.droppedConversations += b.dropped
					yield tick()
				} else if (e.type === 'complete') {
					const s = await send('GET', `/api/sessions/${encodeURIComponent(sessionId)}`)
					const d = ((await s.json()) as { data: SessionDetail }).data
					yield { ...d.progress, status: d.status }
					return
				}
			}
		} catch (e) {
			if (e instanceof ServerError && e.exitCode === 2) throw e
			if (e instanceof AppError) throw e
			reason = e instanceof Error ? e.message : String(e)
		} finally {
			clearTimeout(timer)
		}
		if (++failures > STREAM_RETRIES)
			throw new ServerError(
				4,
				`lost the session's stream (${reason}) after ${STREAM_RETRIES} retries`,
			)
		await Bun.sleep(RETRY_DELAY_MS)
	}
}
