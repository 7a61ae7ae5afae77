import type { OpenApiDocument } from './spec'

/** The reference page's view of the OpenAPI document (views/openapi/reference.tsx). */
export type DocParameter = { name: string; in: string; required: boolean; schema: string }
export type DocOperation = {
	id: string
	method: string
	path: string
	summary: string
	description?: string
	parameters: DocParameter[]
	/** Pretty-printed JSON Schema of the body, or null. */
	requestBody: string | null
	responses: { status: string; description: string; contentType: string; schema: string }[]
}
export type DocGroup = { tag: string; operations: DocOperation[] }
export type DocsPage = {
	title: string
	version: string
	description: string
	groups: DocGroup[]
	components: { name: string; schema: string }[]
}

type Json = Record<string, any>
const pretty = (v: unknown) => JSON.stringify(v, null, 2)

/** Compact schema text for a parameter row: `integer (1–1000)`, `"json" | "html"`. */
function brief(s: Json): string {
	if (Array.isArray(s.anyOf)) return s.anyOf.map(brief).join(' | ')
	if ('const' in s) return JSON.stringify(s.const)
	const range = [s.minimum ?? s.minLength, s.maximum ?? s.maxLength]
	const bounds =
		range[0] !== undefined || range[1] !== undefined ? ` (${range[0] ?? ''}–${range[1] ?? ''})` : ''
	return `${s.type ?? 'any'}${bounds}`
}

export function presentDocs(doc: OpenApiDocument): DocsPage {
	const groups = new Map<string, DocOperation[]>()
	for (const [path, item] of Object.entries(doc.paths)) {
		for (const [method, op] of Object.entries(item as Record<string, Json>)) {
			const tag = op.tags?.[0] ?? 'api'
			const body = op.requestBody?.content?.['application/json']?.schema
			const operation: DocOperation = {
				id: op.operationId,
				method: method.toUpperCase(),
				path,
				summary: op.summary,
				description: op.description,
				parameters: (op.parameters ?? []).map((p: Json) => ({
					name: p.name,
					in: p.in,
					required: p.required,
					schema: brief(p.schema ?? {}),
				})),
				requestBody: body ? pretty(body) : null,
				responses: Object.entries(op.responses as Record<string, Json>).map(([status, r]) => {
					const [contentType, media] =
						Object.entries((r.content ?? {}) as Record<string, Json>)[0] ?? []
					return {
						status,
						description: r.description,
						contentType: contentType ?? '',
						schema: media?.schema ? pretty(media.schema) : '',
					}
				}),
			}
			groups.set(tag, [...(groups.get(tag) ?? []), operation])
		}
	}
	return {
		title: doc.info.title,
		version: doc.info.version,
		description: doc.info.description,
		groups: [...groups].map(([tag, operations]) => ({ tag, operations })),
		components: Object.entries(doc.components.schemas).map(([name, schema]) => ({
			name,
			schema: pretty(schema),
		})),
	}
}
