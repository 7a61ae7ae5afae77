import type { BatchView } from '../../src/batches/model'
import { CompareCharts } from '../compare/page'
import { CompareTable, SignificancePanel } from '../compare/table'
import { StatusBadge } from '../ui/badge'
import { formatInteger, formatUsd } from '../ui/format'
import { Layout, PageHeader } from '../ui/layout'
import { ReportLinks } from '../reports/links'

/**
 * `/batches/:id`: one scenario over several targets, as the comparison of its sessions once they
 * have finished ("which provider is cheapest for this conversation?"), the cheapest highlighted.
 * While sessions run, the page reloads its body every 2 s (htmx); without JavaScript a reload.
 */
export function BatchBody({ b }: { b: BatchView }) {
	const running = b.status === 'QUEUED' || b.status === 'RUNNING'
	return (
		<div
			id="batch-body"
			class="space-y-4"
			{...(running
				? {
						'hx-get': `/batches/${b.id}`,
						'hx-trigger': 'every 2s',
						'hx-select': '#batch-body',
						'hx-swap': 'outerHTML',
					}
				: {})}
		>
			<p class="text-sm text-slate-600" id="batch-status">
				{/* Inside the polled body, so it follows the sessions. */}
				Batch <StatusBadge status={b.status} /> ·{' '}
				<span safe>{`${formatInteger(b.sessions.length)} targets`}</span>
				{running ? (
					''
				) : (
					<>
						{' · '}
						<ReportLinks
							href={`/api/batches/${b.id}/report`}
							id="batch-report"
							class="text-indigo-700 underline"
							separator=" · "
						/>
					</>
				)}
			</p>
			{b.cheapest ? (
				<div class="card border-emerald-300 bg-emerald-50" id="batch-cheapest">
					<div class="text-sm text-emerald-900">
						Cheapest for this conversation:{' '}
						<a class="font-semibold underline" href={`/sessions/${b.cheapest.sessionId}`} safe>
							{b.cheapest.targetName ?? b.cheapest.targetId}
						</a>{' '}
						at <span safe>{formatUsd(b.cheapest.costPerConversationUsd)}</span> per conversation
					</div>
				</div>
			) : b.comparison ? (
				<div class="card text-sm text-slate-600" id="batch-cheapest">
					No cheapest target: no session was fully priced.
				</div>
			) : (
				''
			)}
			<div class="card overflow-x-auto p-0">
				<table class="table" id="batch-sessions">
					<thead>
						<tr>
							<th>target</th>
							<th>session</th>
							<th>status</th>
							<th>messages</th>
							<th>cost</th>
						</tr>
					</thead>
					<tbody class="divide-y divide-slate-100">
						{b.sessions.map((s) => (
							<tr
								data-session={s.id}
								class={b.cheapest?.sessionId === s.id ? 'bg-emerald-50 font-semibold' : ''}
							>
								<td safe>{s.targetName ?? 'deleted target'}</td>
								<td>
									<a class="font-mono text-indigo-700 underline" href={`/sessions/${s.id}`} safe>
										{s.id}
									</a>
								</td>
								<td>
									<StatusBadge status={s.status} />
								</td>
								<td safe>
									{`${formatInteger(s.messagesCompleted)}${s.messagesTotal ? ` / ${formatInteger(s.messagesTotal)}` : ''}`}
								</td>
								<td safe>{formatUsd(s.costUsd)}</td>
							</tr>
						))}
					</tbody>
				</table>
			</div>
			{b.comparison ? (
				<>
					<CompareTable c={b.comparison} />
					<SignificancePanel c={b.comparison} />
					<CompareCharts c={b.comparison} />
				</>
			) : (
				<p class="text-sm text-slate-600" id="batch-waiting">
					{running
						? 'The comparison appears when every session has finished.'
						: 'Fewer than two sessions finished with a summary: nothing to compare.'}
				</p>
			)}
		</div>
	)
}

export function BatchPage({ b }: { b: BatchView }) {
	return (
		<Layout title="Batch" active="/sessions">
			<PageHeader title={`Batch · ${b.scenario.name ?? 'deleted scenario'}`}>
				<a class="btn-secondary" href={`/api/batches/${b.id}`} hx-boost="false">
					JSON
				</a>
			</PageHeader>
			<BatchBody b={b} />
		</Layout>
	)
}
