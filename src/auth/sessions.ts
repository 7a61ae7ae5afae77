import { createHash, randomBytes } from 'node:crypto'
import { and, eq, gt, lt } from 'drizzle-orm'
import { dashboardSessions } from '../db/schema'
import type { Deps } from '../deps'

/**
 * Server-side dashboard sessions (docs/architecture.md §8): the cookie carries 32 random bytes,
 * the database their SHA-256. Logout deletes the row, so a copied cookie stops working at once;
 * rotating KRAWALL_API_TOKEN does not end sessions by itself (delete the rows, or restart with
 * a new database, to sign everyone out).
 */
type Ctx = Pick<Deps, 'db' | 'clock'>
export const SESSION_TTL_MS = 30 * 24 * 3600 * 1000

const hash = (id: string) => createHash('sha256').update(id).digest('hex')

export async function startSession(deps: Ctx): Promise<string> {
	const id = randomBytes(32).toString('base64url')
	const now = deps.clock.now()
	await deps.db.insert(dashboardSessions).values({
		idHash: hash(id),
		createdAt: now,
		expiresAt: new Date(now.getTime() + SESSION_TTL_MS),
	})
	// Expired rows go when someone signs in; nothing else needs them gone sooner.
	await deps.db.delete(dashboardSessions).where(lt(dashboardSessions.expiresAt, now))
	return id
}

export async function sessionValid(deps: Ctx, id: string): Promise<boolean> {
	if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return false
	const [row] = await deps.db
		.select({ idHash: dashboardSessions.idHash })
		.from(dashboardSessions)
		.where(
			and(
				eq(dashboardSessions.idHash, hash(id)),
				gt(dashboardSessions.expiresAt, deps.clock.now()),
			),
		)
	return !!row
}

export async function endSession(deps: Ctx, id: string): Promise<void> {
	await deps.db.delete(dashboardSessions).where(eq(dashboardSessions.idHash, hash(id)))
}

/**
 * Failed sign-ins per client: at most `LOGIN_FAILURES` in `LOGIN_WINDOW_MS`, then 429 until
 * the window passes. In memory (per process): it slows guessing, the token's length stops it.
 */
export const LOGIN_FAILURES = 5
export const LOGIN_WINDOW_MS = 60_000

export function loginLimiter(clock: Deps['clock']) {
	const failures = new Map<string, number[]>()
	const recent = (client: string) => {
		const since = clock.now().getTime() - LOGIN_WINDOW_MS
		const kept = (failures.get(client) ?? []).filter((t) => t > since)
		if (kept.length) failures.set(client, kept)
		else failures.delete(client)
		return kept
	}
	return {
		/** Seconds until the client may try again, or 0. */
		retryAfter(client: string): number {
			const r = recent(client)
			if (r.length < LOGIN_FAILURES) return 0
			return Math.max(1, Math.ceil((r[0] + LOGIN_WINDOW_MS - clock.now().getTime()) / 1000))
		},
		fail(client: string) {
			if (failures.size > 10_000) failures.clear() // bounded memory under a spray of addresses
			failures.set(client, [...recent(client), clock.now().getTime()])
		},
	}
}
