import type { Envelope, Paged, Pagination } from '../../src/http/model'
import type { DeliveryRow } from '../../src/webhooks/model'
import { formatDate } from '../ui/format'
import { DataTable, PageLinks } from '../ui/table'

/** Deliveries of a webhook: their status badge, the test button's answer, the log. */

const STATUS_CLASS: Record<string, string> = {
	DELIVERED: 'bg-emerald-100 text-emerald-800',
	PENDING: 'bg-amber-100 text-amber-800',
	FAILED: 'bg-red-100 text-red-800',
}

export function DeliveryBadge({ status }: { status: string }) {
	return (
		<span class={`badge ${STATUS_CLASS[status] ?? 'bg-slate-100 text-slate-700'}`} safe>
			{status}
		</span>
	)
}

function TestResult({ delivery }: { delivery: DeliveryRow }) {
	return (
		<div id="test-result" class="text-sm">
			<DeliveryBadge status={delivery.status} />{' '}
			<span safe>
				{delivery.status === 'DELIVERED'
					? `test event delivered (HTTP ${delivery.statusCode})`
					: `test event not delivered: ${delivery.error ?? 'unknown error'}${delivery.status === 'PENDING' ? ' — will retry' : ''}`}
			</span>
		</div>
	)
}

/** POST /api/webhooks/:id/test for htmx. */
export const TestResultFragment = (r: Envelope<DeliveryRow>) => <TestResult delivery={r.data} />

/** One page of the delivery log, newest first, with links to the neighbouring pages. */
export function DeliveryLog({
	webhookId,
	rows,
	pagination,
}: {
	webhookId: string
	rows: DeliveryRow[]
	pagination: Pagination
}) {
	const url = (offset: number) =>
		`/api/webhooks/${webhookId}/deliveries?limit=${pagination.limit}&offset=${offset}`
	return (
		<div id="delivery-log" class="card overflow-x-auto p-0">
			{rows.length ? (
				<DataTable
					columns={[
						'Created',
						'Event',
						'Status',
						'Attempts',
						'HTTP',
						'Error / next retry',
						'Delivery id',
					]}
				>
					{rows.map((d) => (
						<tr>
							<td class="text-xs text-slate-500" safe>
								{formatDate(d.createdAt)}
							</td>
							<td class="font-mono text-xs" safe>
								{d.event}
							</td>
							<td>
								<DeliveryBadge status={d.status} />
							</td>
							<td safe>{String(d.attempts)}</td>
							<td safe>{d.statusCode === null ? '—' : String(d.statusCode)}</td>
							<td class="max-w-md truncate text-xs" title={d.error ?? undefined}>
								<span safe>{d.error ?? ''}</span>
								{d.nextRetryAt ? (
									<span
										class="text-amber-700"
										safe
									>{` next retry ${formatDate(d.nextRetryAt)}`}</span>
								) : (
									''
								)}
							</td>
							<td class="font-mono text-xs text-slate-500" safe>
								{d.id}
							</td>
						</tr>
					))}
				</DataTable>
			) : (
				<p class="p-4 text-sm text-slate-600">No deliveries yet.</p>
			)}
			<div class="flex items-center justify-between border-t border-slate-100 px-3 py-2 text-xs text-slate-500">
				<span
					safe
				>{`${pagination.total} ${pagination.total === 1 ? 'delivery' : 'deliveries'}`}</span>
				<PageLinks
					pagination={pagination}
					href={url}
					prev="Newer"
					next="Older"
					hxTarget="#delivery-log"
				/>
			</div>
		</div>
	)
}

/** GET /api/webhooks/:id/deliveries for htmx (the log's page links). */
export const DeliveryLogFragment = (r: Paged<DeliveryRow>) => (
	<DeliveryLog webhookId={r.data[0]?.webhookId ?? ''} rows={r.data} pagination={r.pagination} />
)
