import type { Envelope, Listed, Paged, Pagination } from './model'

/** Builders of the reference's response envelopes (types in model.ts). */
export const ok = <T>(data: T, message?: string): Envelope<T> =>
	message === undefined ? { success: true, data } : { success: true, data, message }

export const list = <T>(data: T[]): Listed<T> => ({
	success: true,
	data,
	count: data.length,
})

export const pagination = (total: number, limit: number, offset: number): Pagination => ({
	total,
	limit,
	offset,
	hasMore: offset + limit < total,
})

export const page = <T>(data: T[], total: number, limit: number, offset: number): Paged<T> => ({
	success: true,
	data,
	pagination: pagination(total, limit, offset),
})
