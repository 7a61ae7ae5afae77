import { t } from 'elysia'

/** `POST /api/templates/validate` (src/templates/model.ts) for the OpenAPI document. */
export const TemplateCheckSchema = t.Object({
	valid: t.Boolean(),
	results: t.Array(
		t.Object({
			field: t.String(),
			valid: t.Boolean(),
			message: t.String(),
			suggestion: t.Optional(t.Array(t.String())),
		}),
	),
})
