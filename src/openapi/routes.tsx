import { Elysia, t } from 'elysia'
import { ApiReferencePage } from '../../views/openapi/reference'
import { documented } from './doc'
import { presentDocs } from './present'
import { buildOpenApi, type OpenApiDocument, type RouteEntry } from './spec'

/**
 * `GET /api/openapi.json` and `GET /api/docs` (docs/architecture.md §2). `routes` reads the
 * finished app's route table, so the document covers routes registered after this plugin too;
 * it is built on first request (the table is fixed by then) and kept.
 */
export const openApiRoutes = (routes: () => readonly RouteEntry[], version: string) => {
	let cached: OpenApiDocument | undefined
	const spec = () => (cached ??= buildOpenApi(routes(), version))
	return new Elysia({ prefix: '/api' })
		.get('/openapi.json', () => spec(), {
			...documented({
				summary: 'This document (OpenAPI 3.1)',
				response: t.Object(
					{ openapi: t.Literal('3.1.0') },
					{ description: 'An OpenAPI 3.1 document' },
				),
			}),
		})
		.get(
			'/docs',
			() =>
				new Response(String(<ApiReferencePage docs={presentDocs(spec())} />), {
					headers: { 'content-type': 'text/html; charset=utf-8' },
				}),
			{
				...documented({
					summary: 'The API reference as an HTML page',
					contentType: 'text/html',
					response: t.String(),
				}),
			},
		)
}
