/**
 * The reference's success envelopes, as types: handlers return them (built by envelope.ts), the
 * negotiator sends them as JSON or hands them to the route's view, so views take these shapes.
 */
export type Envelope<T> = {
	success: true
	data: T
	message?: string
	count?: number
	/** Saved, but worth a look (a credential outside authConfig, docs/architecture.md §8). */
	warnings?: string[]
}
/** `list()`: every row, with their count. */
export type Listed<T> = Envelope<T[]> & { count: number }
/**
 * The largest `offset` a list accepts: far past any table Krawall fills, and well inside what
 * Postgres takes as a bigint (1e20 reached the database and came back a 500).
 */
export const MAX_OFFSET = 1_000_000_000
export type Pagination = { total: number; limit: number; offset: number; hasMore: boolean }
/** `page()`: one page of rows and where it sits. */
export type Paged<T> = { success: true; data: T[]; pagination: Pagination }
/** A delete or another answer without data. */
export type Done = { success: true; message: string }
