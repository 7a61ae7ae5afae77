import { Elysia } from 'elysia'
import {
	declaredTooLarge,
	parseJsonBounded,
	readBounded,
	readTextBounded,
	TooLarge,
} from './body-limits'
import { Invalid } from './errors'
import { decodeForm } from './form'

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
