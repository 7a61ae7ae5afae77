/** The reference's response envelopes. Handlers return these; the negotiator picks JSON or HTML. */
type Envelope<T> = { success: true; data: T; message?: string; count?: number }

export const ok = <T>(data: T, message?: string): Envelope<T> =>
	message === undefined ? { success: true, data } : { success: true, data, message }

export const list = <T>(data: T[]): Envelope<T[]> & { count: number } => ({
	success: true,
	data,
	count: data.length,
})

export type Pagination = { total: number; limit: number; offset: number; hasMore: boolean }

export const pagination = (total: number, limit: number, offset: number): Pagination => ({
	total,
	limit,
	offset,
	hasMore: offset + limit < total,
})

export const page = <T>(data: T[], total: number, limit: number, offset: number) => ({
	success: true as const,
	data,
	pagination: pagination(total, limit, offset),
})
