import type { RecentSession } from '../../src/dashboard/model'
import { StatusBadge } from '../ui/badge'
import { formatDate, formatInteger, formatUsd } from '../ui/format'

/** The stored summary's message count (`data-messages`), empty while the session runs. */
function summaryMessages(s: RecentSession): string {
	const v = (s.summaryMetrics as { totalMessages?: unknown } | null)?.totalMessages
	return typeof v === 'number' ? String(v) : ''
}

/** The last sessions, newest first (the stats' `recentSessions`). */
export function RecentSessions({ sessions }: { sessions: RecentSession[] }) {
	return (
		<section id="recent-sessions" class="card overflow-x-auto" aria-label="Recent sessions">
			<div class="mb-2 flex items-center justify-between">
				<h2 class="label">Recent sessions</h2>
				<a class="text-xs text-indigo-700 hover:underline" href="/sessions">
					All sessions →
				</a>
			</div>
			{sessions.length ? (
				<table class="table">
					<thead>
						<tr>
							<th>Target</th>
							<th>Scenario</th>
							<th>Status</th>
							<th>Started</th>
							<th class="text-right">Messages</th>
							<th class="text-right">Cost</th>
						</tr>
					</thead>
					<tbody class="divide-y divide-slate-100">
						{sessions.map((s) => (
							<tr data-session-id={s.id} data-messages={summaryMessages(s)}>
								<td>
									<a class="text-indigo-700 hover:underline" href={`/sessions/${s.id}`} safe>
										{s.targetName}
									</a>
								</td>
								<td safe>{s.scenarioName ?? 'custom messages'}</td>
								<td>
									<StatusBadge status={s.status} />
								</td>
								<td safe>{formatDate(s.startedAt ?? s.createdAt)}</td>
								<td class="text-right tabular-nums" safe>
									{formatInteger(s.progress.messagesCompleted)}
								</td>
								<td class="text-right tabular-nums" safe>
									{formatUsd(s.progress.costUsd)}
								</td>
							</tr>
						))}
					</tbody>
				</table>
			) : (
				<p class="text-sm text-slate-500">
					No sessions yet.{' '}
					<a class="text-indigo-700 underline" href="/targets/new">
						Add a target
					</a>{' '}
					and run one.
				</p>
			)}
		</section>
	)
}
