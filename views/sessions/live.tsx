import type { SessionDetail, SseMessageEvent } from '../../src/sessions/present'
import { formatInteger, formatMs, formatUsd } from '../ui/format'
import { progressShare, timeOfRun } from '../ui/progress'
import { Tile } from '../ui/tile'

/**
 * What a running session's page shows and the SSE stream re-renders (`?format=html`, see
 * src/sessions/sse-html.ts): chat bubbles, the conversation log, the progress tiles. The events
 * and their ids come from src/sessions/events.ts; nothing here computes them.
 */

/** One side of an exchange in the chat log (also what the SSE stream sends with ?format=html). */
export function ChatBubble({ e }: { e: SseMessageEvent }) {
	const d = e.data
	if (d.direction === 'sent') {
		return (
			// `#message-<seq>`: the anchor assessment evidence links to (src/assessments/classify.ts).
			<div
				class="flex justify-end"
				id={`message-${d.seq}`}
				data-event-id={e.id}
				data-direction="sent"
			>
				<div class="max-w-[80%] rounded-lg bg-indigo-600 px-3 py-2 text-sm text-white">
					<div
						class="mb-0.5 text-xs text-indigo-200"
						safe
					>{`#${d.seq} · conversation ${d.conversationIndex} · turn ${d.turnIndex}`}</div>
					<div class="whitespace-pre-wrap break-words" safe>
						{d.content}
					</div>
				</div>
			</div>
		)
	}
	const failed = d.success === false
	return (
		<div class="flex justify-start" data-event-id={e.id} data-direction="received">
			<div
				class={`max-w-[80%] rounded-lg px-3 py-2 text-sm ${failed ? 'bg-red-50 text-red-900 ring-1 ring-red-200' : 'bg-white text-slate-800 ring-1 ring-slate-200'}`}
			>
				<div class="whitespace-pre-wrap break-words" safe>
					{failed ? (d.errorMessage ?? d.errorType ?? 'failed') : d.content}
				</div>
				<div class="mt-1 text-xs text-slate-500" safe>
					{`${formatMs(d.responseTimeMs)}${d.httpStatus ? ` · HTTP ${d.httpStatus}` : ''} · ${formatInteger(d.totalTokens)} tokens · ${formatUsd(d.costUsd)}`}
				</div>
				{d.attempts && d.attempts.length > 1 ? (
					<div class="text-xs text-amber-700" data-attempts={String(d.attempts.length)} safe>
						{`${d.attempts.length} attempts (${d.attempts.map((a) => a.status ?? a.errorType ?? '?').join(', ')}) · waited ${formatMs(d.totalTimeMs)} in all`}
					</div>
				) : (
					''
				)}
			</div>
		</div>
	)
}

/** Bubbles for events in order (the log's body, and GET /api/sessions/:id/messages for htmx). */
export function ChatBubbles({ events }: { events: SseMessageEvent[] }) {
	return (
		<div>
			{events.map((e) => (
				<ChatBubble e={e} />
			))}
		</div>
	)
}

/**
 * The live log follows new messages unless the reader scrolled up: a scroll records whether the
 * log is at its bottom (within 40 px), and each appended message scrolls down only then.
 */
const FOLLOW = {
	'hx-on:scroll':
		'this.dataset.follow = String(this.scrollHeight - this.scrollTop - this.clientHeight < 40)',
	'hx-on:htmx:sse-message':
		"if (this.dataset.follow !== 'false') this.scrollTop = this.scrollHeight",
}

/** The conversation log; while live, the stream appends bubbles after `lastEventId`. */
export function ChatLog({
	events,
	live,
	lastEventId,
}: {
	events: SseMessageEvent[]
	live: boolean
	lastEventId: number
}) {
	return (
		<div class="card">
			<h2 class="mb-2 text-base font-semibold">Conversation log</h2>
			<div
				id="chat-log"
				class="max-h-[36rem] space-y-2 overflow-y-auto"
				sse-swap={live ? 'message' : undefined}
				hx-target={live ? 'this' : undefined}
				hx-swap={live ? 'beforeend' : undefined}
				{...(live ? FOLLOW : {})}
				data-last-event-id={lastEventId}
			>
				{events.map((e) => (
					<ChatBubble e={e} />
				))}
			</div>
			{!live && events.length === 0 ? (
				<p class="text-sm text-slate-500">No messages recorded.</p>
			) : (
				''
			)}
		</div>
	)
}

/**
 * A running session's counters: the stored ones (a session's `progress`) or the live ones the
 * bus carries, which also name the messages still waiting for a reply.
 */
type LiveProgress = Omit<SessionDetail['progress'], 'messagesTotal'> & {
	inFlight?: { conversationIndex: number; content: string }[]
}

/** Live counters of a running session, and the messages still waiting for a reply. */
export function ProgressTiles({ progress }: { progress: LiveProgress }) {
	const time = timeOfRun(progress)
	const dropped = progress.droppedConversations
	return (
		<div id="session-progress" class="grid grid-cols-2 gap-3 md:grid-cols-4">
			<Tile
				label="Messages"
				value={formatInteger(progress.messagesCompleted)}
				hint={`${progress.errorCount} error(s)`}
			/>
			<Tile
				label="Conversations"
				id="progress-conversations"
				value={
					progress.conversationsTotal
						? `${progress.conversationsCompleted}/${progress.conversationsTotal}`
						: formatInteger(progress.conversationsCompleted)
				}
				hint={
					// An open model (a rate for a time) can drop; a closed one never does.
					dropped || (time && progress.conversationsTotal > 0)
						? `${formatInteger(dropped)} dropped at the in-flight cap`
						: undefined
				}
			/>
			{time ? (
				<Tile
					label="Time"
					id="progress-time"
					value={time}
					hint={`${progressShare(progress).pct ?? 0}% of the planned duration`}
				/>
			) : (
				''
			)}
			<Tile label="Tokens" value={formatInteger(progress.tokensTotal)} />
			<Tile label="Cost" value={formatUsd(progress.costUsd)} />
			{progress.inFlight?.length ? (
				<div class="col-span-2 space-y-1 md:col-span-4" id="in-flight">
					<div class="label">Waiting for a reply</div>
					{progress.inFlight.map((m) => (
						<div
							class="flex items-center gap-2 text-sm text-slate-600"
							data-in-flight={m.conversationIndex}
						>
							<span class="h-2 w-2 animate-pulse rounded-full bg-blue-500"></span>
							<span
								class="text-xs text-slate-400"
								safe
							>{`conversation ${m.conversationIndex}`}</span>
							<span class="truncate" safe>
								{m.content}
							</span>
						</div>
					))}
				</div>
			) : (
				''
			)}
		</div>
	)
}
