/**
 * How far a live session is (docs/architecture.md §5 "Live progress"), for the home page's bar,
 * the sessions list and the session page's tiles: a run that time ends (`durationSec` set) by
 * elapsed ÷ planned seconds; else messages done ÷ planned when execute could plan them, else
 * conversations done ÷ planned; null when nothing is planned yet.
 */
export type ProgressFigures = {
	messagesTotal?: number
	messagesCompleted: number
	conversationsTotal: number
	conversationsCompleted: number
	durationSec?: number | null
	elapsedSec?: number | null
}

export type ProgressShare = { pct: number | null; by: 'time' | 'messages' | 'conversations' }

const share = (done: number, total: number) =>
	total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : null

export function progressShare(p: ProgressFigures): ProgressShare {
	if (p.durationSec != null && p.durationSec > 0)
		return { pct: share(p.elapsedSec ?? 0, p.durationSec), by: 'time' }
	if (p.messagesTotal && p.messagesTotal > 0)
		return { pct: share(p.messagesCompleted, p.messagesTotal), by: 'messages' }
	return { pct: share(p.conversationsCompleted, p.conversationsTotal), by: 'conversations' }
}

/** Seconds as the progress shows them: `42 s`, `3 m 05 s`, `1 h 02 m`. */
export function formatSeconds(sec: number): string {
	const s = Math.max(0, Math.floor(sec))
	if (s < 60) return `${s} s`
	if (s < 3600) return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, '0')} s`
	return `${Math.floor(s / 3600)} h ${String(Math.floor(s / 60) % 60).padStart(2, '0')} m`
}

/** `12 s / 60 s` of a run that time ends; null for one a count ends. */
export const timeOfRun = (p: ProgressFigures): string | null =>
	p.durationSec != null
		? `${formatSeconds(p.elapsedSec ?? 0)} / ${formatSeconds(p.durationSec)}`
		: null
