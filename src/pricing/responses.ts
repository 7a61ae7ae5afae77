import { t } from 'elysia'
import { Nullable } from '../openapi/schemas'

/** Response shapes of the pricing routes for the OpenAPI document (documented, objects open). */
const prices = {
	inputPerMTok: t.Number({ description: 'USD per million input tokens' }),
	outputPerMTok: t.Number(),
	cachedInputPerMTok: t.Number(),
	cacheWriteInputPerMTok: t.Number(),
}

export const PriceTableSchema = t.Object({
	version: t.String(),
	asOf: t.String(),
	currency: t.Literal('USD'),
	models: t.Array(t.Object({ model: t.String(), provider: t.String(), ...prices })),
})

export const ResolvedPricingSchema = t.Object({
	model: Nullable(t.String()),
	provider: t.String(),
	source: t.Union([t.Literal('target'), t.Literal('table'), t.Literal('local')]),
	...prices,
	tableVersion: t.Optional(t.String()),
	note: t.Optional(t.String()),
})
