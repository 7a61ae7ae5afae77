import type { SessionStatus } from '../../src/sessions/model'

/**
 * One colour per session status. Keyed by the schema's `session_status` enum (through its type),
 * so tsc refuses a map that misses or invents a status; lifecycle order, as in the enum.
 */
const STATUS_CLASS: Record<SessionStatus, string> = {
	PENDING: 'bg-slate-100 text-slate-700',
	QUEUED: 'bg-amber-100 text-amber-800',
	RUNNING: 'bg-blue-100 text-blue-800',
	COMPLETED: 'bg-emerald-100 text-emerald-800',
	FAILED: 'bg-red-100 text-red-800',
	CANCELLED: 'bg-slate-200 text-slate-700',
}
const UNKNOWN_STATUS = 'bg-slate-100 text-slate-700'

/** A session not finished yet: its screens keep refreshing themselves. */
const ACTIVE: readonly string[] = ['PENDING', 'QUEUED', 'RUNNING'] satisfies SessionStatus[]
export const isActiveStatus = (status: string) => ACTIVE.includes(status)

/** Every session status in lifecycle order (filter options). */
export const SESSION_STATUS_OPTIONS = (Object.keys(STATUS_CLASS) as SessionStatus[]).map((s) => ({
	value: s,
	label: s,
}))

/** The colour classes of a status (for badges that are links, e.g. a schedule's last outcome). */
export const statusClass = (status: string) =>
	STATUS_CLASS[status as SessionStatus] ?? UNKNOWN_STATUS

/** A session's status; the live page swaps it in from the SSE stream. */
export function StatusBadge({ status }: { status: string }) {
	return (
		<span class={`badge ${statusClass(status)}`} data-status={status} safe>
			{status}
		</span>
	)
}

/** Green "active" / grey "inactive" badge. */
export function ActiveBadge({ active }: { active: boolean }) {
	return active ? (
		<span class="badge bg-emerald-100 text-emerald-800">active</span>
	) : (
		<span class="badge bg-slate-200 text-slate-700">inactive</span>
	)
}
