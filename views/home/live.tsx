import type { SessionWithNames } from '../../src/dashboard/model'
import type { Envelope } from '../../src/http/model'
import { StatusBadge } from '../ui/badge'
import { formatNumber, formatUsd } from '../ui/format'
import { progressShare, timeOfRun } from '../ui/progress'
import { NameLink } from '../ui/table'

/**
 * A live session's progress (views/ui/progress.ts): elapsed of the planned seconds for a run that
 * time ends, else messages of the planned total when the flow has a fixed length, else
 * conversations of the planned ones; a queued session shows an empty bar.
 */
function Progress({ s }: { s: SessionWithNames }) {
	const { pct, by } = progressShare(s)
	const conversations =
		s.conversationsTotal > 0
			? `${s.conversationsCompleted} / ${s.conversationsTotal} conversations`
			: `${s.conversationsCompleted} conversations`
	const dropped = s.droppedConversations > 0 ? ` · ${s.droppedConversations} dropped` : ''
	return (
		<div class="w-48">
			<div
				class="h-2 overflow-hidden rounded-full bg-slate-200"
				role="progressbar"
				aria-valuemin="0"
				aria-valuemax="100"
				aria-valuenow={pct === null ? undefined : String(pct)}
			>
				<div
					class={`h-2 rounded-full bg-indigo-600 ${pct === null ? 'animate-pulse' : ''}`}
					style={`width:${pct ?? 100}%`}
				></div>
			</div>
			<div class="mt-1 text-xs text-slate-500 tabular-nums" safe>
				{pct === null
					? `${s.messagesCompleted} messages`
					: by === 'time'
						? `${timeOfRun(s)} · ${conversations}${dropped} · ${pct}%`
						: by === 'messages'
							? `${s.messagesCompleted} / ${s.messagesTotal} messages · ${pct}%`
							: `${s.messagesCompleted} messages · ${conversations} · ${pct}%`}
			</div>
		</div>
	)
}

/**
 * Running and queued sessions with progress. While any is active the panel polls itself; once
 * none is, the server renders it without a trigger, so polling stops (docs/conventions.md rule 9).
 */
export function LiveSessions({ sessions }: { sessions: SessionWithNames[] }) {
	const polling = sessions.length > 0
	// The poll names the sessions shown, so the answer can say when one of them ended
	// (`HX-Trigger: session-ended`, which refreshes the stats tiles).
	const shown = sessions.map((s) => s.id).join(',')
	return (
		<section
			id="live-sessions"
			class="card"
			aria-label="Live sessions"
			hx-get={polling ? `/api/dashboard/live?shown=${shown}` : undefined}
			hx-trigger={polling ? 'every 2s' : undefined}
			hx-target={polling ? 'this' : undefined}
			hx-swap={polling ? 'outerHTML' : undefined}
			data-polling={polling ? 'true' : 'false'}
		>
			<h2 class="label">Live sessions</h2>
			{sessions.length ? (
				<ul class="divide-y divide-slate-100">
					{sessions.map((s) => (
						<li class="flex flex-wrap items-center justify-between gap-3 py-2">
							<div>
								<NameLink href={`/sessions/${s.id}`} name={s.targetName} />
								<span class="ml-2 text-sm text-slate-500" safe>
									{s.scenarioName ?? 'custom messages'}
								</span>
								<div class="mt-0.5 flex items-center gap-2 text-xs text-slate-500">
									<StatusBadge status={s.status} />
									<span
										safe
									>{`${formatNumber(s.tokensTotal)} tokens · ${formatUsd(s.costUsd)} · ${s.errorCount} errors`}</span>
								</div>
							</div>
							<Progress s={s} />
						</li>
					))}
				</ul>
			) : (
				<p class="text-sm text-slate-500">Nothing running right now.</p>
			)}
		</section>
	)
}

/** GET /api/dashboard/live for htmx (the panel polls it). */
export const LiveFragment = (r: Envelope<SessionWithNames[]>) => <LiveSessions sessions={r.data} />
