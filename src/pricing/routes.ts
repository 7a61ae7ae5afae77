import { Type as t } from '@sinclair/typebox'
import { Elysia } from 'elysia'
import { NotFound } from '../http/errors'
import { parseQuery } from '../metrics/query'
import { resolvePricing } from './cost'
import { PRICE_TABLE } from './table'
import { documented } from '../openapi/doc'
import { okOf } from '../openapi/schemas'
import { PriceTableSchema, ResolvedPricingSchema } from './responses'

const LookupQuery = t.Object({
	model: t.String({ minLength: 1, maxLength: 200 }),
	presetId: t.Optional(t.String({ maxLength: 64 })),
})

/** The price table in force (`/api/pricing`) and what a model resolves to (`/api/pricing/lookup`). */
export const pricingRoutes = () =>
	new Elysia({ prefix: '/api/pricing' })
		.get('/', () => ({ success: true as const, data: PRICE_TABLE }), {
			...documented({ summary: 'The price table in force', response: okOf(PriceTableSchema) }),
		})
		.get(
			'/lookup',
			({ query }) => {
				const q = parseQuery(LookupQuery, query)
				const pricing = resolvePricing({ model: q.model, presetId: q.presetId })
				if (!pricing)
					throw new NotFound(
						'Model not priced',
						`No price known for model "${q.model}" (table ${PRICE_TABLE.version}); set pricing on the target`,
					)
				return { success: true as const, data: pricing }
			},
			{
				...documented({
					summary: 'What a model (or preset) is priced at; 404 when it is not priced',
					errors: [404],
					query: LookupQuery,
					response: okOf(ResolvedPricingSchema),
				}),
			},
		)
