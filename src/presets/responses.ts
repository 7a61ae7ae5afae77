import { t } from 'elysia'
import { Nullable } from '../openapi/schemas'

/** A provider preset (src/presets/presets.ts) for the OpenAPI document (documented, open). */
const Obj = t.Record(t.String(), t.Unknown())

export const PresetSchema = t.Object({
	id: t.String(),
	name: t.String(),
	description: t.String(),
	connectorType: t.String(),
	defaultEndpoint: t.String(),
	authType: t.String(),
	authFields: t.Array(
		t.Object({ key: t.String(), label: t.String(), type: t.String(), required: t.Boolean() }),
	),
	requestTemplate: Obj,
	responseTemplate: Obj,
	protocolConfig: t.Optional(Obj),
	pricing: t.Optional(Nullable(Obj)),
	documentation: t.String(),
})
