import type { TSchema } from 'elysia'

/**
 * What a route says about itself for the OpenAPI document, beyond the request schemas Elysia
 * already holds (spec.ts reads both from the route table). Spread into the route's options:
 * `.get('/x', handler, { query: Q, ...documented({ summary: 'List x', response: pageOf(X) }) })`.
 * Documentation only: Elysia does not validate responses against it (so a field another module
 * adds to a summary never breaks a response); test/openapi/ checks real responses with Ajv.
 */
export type RouteDoc = {
	summary: string
	description?: string
	/** The success status; default 200. */
	status?: number
	/** The success body; default the open success envelope. */
	response?: TSchema
	/** Default application/json. */
	contentType?: string
	/**
	 * Error statuses beyond the ones spec.ts derives (400 for input, 404 for a path id): e.g. 404
	 * when an id in the body or query names nothing (`POST /api/execute` with an unknown target).
	 */
	errors?: number[]
	/** For routes that validate by hand (parse() in the service): documented, not enforced here. */
	body?: TSchema
	query?: TSchema
}

export const DOC_KEY = 'x-krawall'

export const documented = (doc: RouteDoc) => {
	const detail: Record<string, unknown> = { summary: doc.summary, [DOC_KEY]: doc }
	if (doc.description) detail.description = doc.description
	// Elysia types `detail` as an OpenAPI operation, which has no room for extension keys.
	return { detail: detail as { summary: string } }
}

/** What spec.ts reads back from a route's `detail`. */
export const docOf = (detail: unknown): RouteDoc | undefined =>
	(detail as Record<string, RouteDoc> | undefined)?.[DOC_KEY]
