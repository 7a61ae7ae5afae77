import { Kind, type TSchema } from '@sinclair/typebox'
import { Elysia } from 'elysia'
import {
	declaredTooLarge,
	parseJsonBounded,
	readBounded,
	readTextBounded,
	TooLarge,
} from './body-limits'
import { Invalid } from './errors'
import { decodeForm, FORM_CONTROLS } from './form'
import { strictProblems } from './strict'

const JSON_TYPE = /^application\/([\w.+-]+\+)?json/i
const FORM_TYPE = /^(application\/x-www-form-urlencoded|multipart\/form-data)/i

/**
 * The one body parser (docs/architecture.md §8): every body is read with a byte limit
 * (`KRAWALL_MAX_BODY_BYTES`, 413 in the reference's envelope), JSON is depth-scanned before
 * `JSON.parse` (400), forms are decoded into the JSON shape (src/http/form.ts), and anything else
 * (YAML, text) arrives as bounded text. It is registered before every route, so route-level
 * parsers never see an unbounded body.
 */
export const bodyParser = (maxBytes: number) =>
	new Elysia({ name: 'krawall.body' })
		// A declared length over the limit is refused before routing reads a byte.
		.onRequest(({ request }) => {
			if (request.method === 'GET' || request.method === 'HEAD') return
			if (declaredTooLarge(request, maxBytes)) throw new TooLarge(maxBytes)
		})
		.onParse({ as: 'global' }, async ({ request, contentType }) => {
			const type = contentType ?? ''
			if (FORM_TYPE.test(type)) {
				const bytes = await readBounded(request, maxBytes)
				const copy = new Request(request.url, {
					method: request.method,
					headers: request.headers,
					body: new Blob([bytes as Uint8Array<ArrayBuffer>]),
				})
				return decodeForm((await copy.formData()).entries())
			}
			const text = await readTextBounded(request, maxBytes)
			// Empty: undefined leaves the body to Elysia, which refuses it where a body is required.
			if (text === '') return undefined
			if (!JSON_TYPE.test(type)) return text
			try {
				return parseJsonBounded(text)
			} catch (e) {
				if (e instanceof Invalid) throw e
				throw new Invalid('Invalid request body', 'The body is not valid JSON')
			}
		})
		.as('global')

/**
 * Unknown keys and over-limit free-form values in a body are a 400 before Elysia's validation,
 * which would drop unknown keys silently (docs/architecture.md §8, src/http/strict.ts). `schemas`
 * maps `METHOD /route` to the route's body schema; `createApp` fills it once every route is
 * registered. PUT and PATCH take an object: anything else is a 400, not a no-op.
 */
export const strictBodies = (schemas: Map<string, TSchema>) =>
	new Elysia({ name: 'krawall.strict' })
		.onTransform({ as: 'global' }, ({ body, request, route }) => {
			const schema = schemas.get(`${request.method} ${route}`)
			const isObject = body !== null && typeof body === 'object' && !Array.isArray(body)
			const replaces = request.method === 'PUT' || request.method === 'PATCH'
			if (!isObject && (replaces || (schema?.type === 'object' && body !== undefined)))
				throw new Invalid([
					{
						code: 'invalid_type',
						path: [],
						expected: 'object',
						received: body === null ? 'null' : Array.isArray(body) ? 'array' : typeof body,
						message: 'The body must be a JSON object',
					},
				])
			if (!schema) return
			const form = FORM_TYPE.test(request.headers.get('content-type') ?? '')
			const problems = strictProblems(schema, body).filter(
				(d) => !(form && d.path.length === 1 && FORM_CONTROLS.has(String(d.path[0]))),
			)
			if (problems.length) throw new Invalid(problems)
		})
		.as('global')

/** The body schema of every route, for `strictBodies`. */
export function indexBodySchemas(
	routes: { method: string; path: string; hooks?: { body?: unknown } }[],
	into: Map<string, TSchema>,
) {
	for (const r of routes) {
		const body = r.hooks?.body
		if (body && typeof body === 'object' && Kind in body)
			into.set(`${r.method} ${r.path}`, body as TSchema)
	}
}
