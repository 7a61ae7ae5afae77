import type { TSchema } from 'elysia'
import { docOf } from './doc'
import { AnyEnvelope, ErrorDetailSchema, ErrorEnvelope, PaginationSchema } from './schemas'

/**
 * The OpenAPI 3.1 document of every `/api` route, built from the app's route table (so a route
 * added later is in it without anyone listing it): request schemas are the TypeBox schemas
 * Elysia validates with (params, query, body), responses what the route's `documented()` says
 * (doc.ts) plus the error envelope. docs/architecture.md §2.
 */

/** The parts of an Elysia route this reads (`app.routes`). */
export type RouteEntry = {
	method: string
	path: string
	hooks?: { body?: unknown; query?: unknown; params?: unknown; detail?: unknown }
}

type Json = Record<string, unknown>

const NAMED: TSchema[] = [ErrorEnvelope, ErrorDetailSchema, PaginationSchema, AnyEnvelope]
const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` })

/**
 * TypeBox schemas are JSON Schema already (symbols drop out in JSON). Two rewrites: Elysia widens
 * a number field to `anyOf: [numeric string, number]` so query strings coerce — the document
 * describes the number —, and a schema with a known `$id` becomes a `$ref`.
 */
function toJsonSchema(schema: unknown, top = true): unknown {
	if (Array.isArray(schema)) return schema.map((s) => toJsonSchema(s, false))
	if (!schema || typeof schema !== 'object') return schema
	const s = schema as Json
	if (!top && typeof s.$id === 'string' && NAMED.some((n) => n.$id === s.$id)) return ref(s.$id)
	if (Array.isArray(s.anyOf) && s.anyOf.length === 2) {
		const [a, b] = s.anyOf as Json[]
		if (a?.type === 'string' && (a.format === 'integer' || a.format === 'numeric')) {
			const { anyOf: _drop, ...rest } = s
			return toJsonSchema({ ...rest, ...b }, top)
		}
	}
	const out: Json = {}
	for (const [k, v] of Object.entries(s)) {
		// An $id would rebase the $refs inside it (JSON Schema 2020-12); names live in components.
		if (k === '$id') continue
		out[k] = k === 'properties' ? mapValues(v as Json) : toJsonSchema(v, false)
	}
	return out
}

const mapValues = (o: Json): Json =>
	Object.fromEntries(Object.entries(o).map(([k, v]) => [k, toJsonSchema(v, false)]))

/** `/api/sessions/:id` → `/api/sessions/{id}`; a trailing slash is the same route. */
export const openApiPath = (path: string) =>
	(path.length > 1 ? path.replace(/\/$/, '') : path).replace(/:(\w+)/g, '{$1}')

function parameters(where: 'path' | 'query', schema: unknown): Json[] {
	const s = toJsonSchema(schema) as Json | undefined
	const props = (s?.properties ?? {}) as Json
	const required = new Set((s?.required as string[] | undefined) ?? [])
	return Object.entries(props).map(([name, p]) => ({
		name,
		in: where,
		required: where === 'path' || required.has(name),
		schema: p,
		...((p as Json).description ? { description: (p as Json).description } : {}),
	}))
}

const json = (schema: unknown, type = 'application/json') => ({ content: { [type]: { schema } } })
const errorResponse = (description: string) => ({ description, ...json(ref('ErrorEnvelope')) })

function operation(route: RouteEntry, path: string): Json {
	const doc = docOf(route.hooks?.detail)
	const method = route.method.toUpperCase()
	const body = route.hooks?.body ?? doc?.body
	const query = route.hooks?.query ?? doc?.query
	const params = route.hooks?.params
	const pathNames = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])
	const status = String(doc?.status ?? 200)
	const success = doc?.response ? toJsonSchema(doc.response) : ref('SuccessEnvelope')
	const responses: Json = {
		[status]: { description: 'Success', ...json(success, doc?.contentType) },
	}
	if (body || query || params || pathNames.length) {
		responses['400'] = errorResponse('Invalid input: "Validation error" with `details`')
	}
	if (pathNames.length || doc?.errors?.includes(404))
		responses['404'] = errorResponse('The resource does not exist')
	for (const code of doc?.errors ?? [])
		responses[String(code)] ??= errorResponse(code === 503 ? 'A dependency is down' : 'Refused')
	responses['500'] = errorResponse('Unexpected server error (a bug; never an answer to input)')
	const op: Json = {
		operationId: `${route.method.toLowerCase()}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(\w)/g, (_, c: string) => c.toUpperCase())}`,
		summary: doc?.summary ?? `${method} ${path}`,
		tags: [path.split('/')[2] ?? 'api'],
		responses,
	}
	if (doc?.description) op.description = doc.description
	const list = [
		...(params
			? parameters('path', params)
			: pathNames.map((name) => ({
					name,
					in: 'path',
					required: true,
					schema: { type: 'string' },
				}))),
		...(query ? parameters('query', query) : []),
	]
	if (list.length) op.parameters = list
	if (body && method !== 'GET') {
		op.requestBody = {
			required: true,
			description:
				'JSON; HTML forms may post the same fields urlencoded (docs/architecture.md §2, typed names).',
			...json(toJsonSchema(body)),
		}
	}
	if (path === '/api/health') op.security = []
	return op
}

export function buildOpenApi(routes: readonly RouteEntry[], version: string) {
	const paths: Record<string, Json> = {}
	for (const route of routes) {
		if (!route.path.startsWith('/api/') || route.method === 'ALL') continue
		if ((route.hooks?.detail as { hide?: boolean } | undefined)?.hide) continue
		const path = openApiPath(route.path)
		const method = route.method.toLowerCase()
		paths[path] ??= {}
		if (!paths[path][method]) paths[path][method] = operation(route, path)
	}
	return {
		openapi: '3.1.0',
		info: {
			title: 'Krawall API',
			version,
			description:
				'Chatbot stress testing. Every response is an envelope: `{ success: true, data, … }` or ' +
				'`{ success: false, error, message?, details? }`. Dashboard (htmx) requests to the same ' +
				'routes get HTML fragments instead (`HX-Request: true`).',
		},
		servers: [{ url: '/' }],
		security: [{ bearer: [] }],
		paths,
		components: {
			schemas: Object.fromEntries(NAMED.map((s) => [s.$id, toJsonSchema(s)])),
			securitySchemes: {
				bearer: {
					type: 'http',
					scheme: 'bearer',
					description: 'KRAWALL_API_TOKEN, when the server has one (else the API is open)',
				},
			},
		},
	}
}

export type OpenApiDocument = ReturnType<typeof buildOpenApi>
