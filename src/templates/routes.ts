import { Type as T } from '@sinclair/typebox'
import { Elysia } from 'elysia'
import { TemplateCheck } from '../../views/targets/template-check'
import { ok } from '../http/envelope'
import { negotiate, negotiated } from '../http/negotiate'
import { parse } from '../http/validation'
import { RequestTemplateSchema, ResponseTemplateSchema } from '../targets/model'
import { validateTemplates } from './validate'
import { documented } from '../openapi/doc'
import { okOf } from '../openapi/schemas'
import { TemplateCheckSchema } from './responses'

const ValidateTemplatesBody = T.Object({
	requestTemplate: T.Optional(RequestTemplateSchema),
	responseTemplate: T.Optional(ResponseTemplateSchema),
	sampleResponse: T.Optional(T.Union([T.Record(T.String(), T.Unknown()), T.Array(T.Unknown())])),
})

/** `POST /api/templates/validate` (the reference): writability, extraction, suggestions. */
const check = ({ body }: { body: unknown }) =>
	ok(validateTemplates(parse(ValidateTemplatesBody, body)))

export const templateRoutes = () =>
	new Elysia({ prefix: '/api' })
		.use(negotiate)
		// `parse`, not a route body schema: Elysia's normaliser would turn a string sent for an
		// object (`structure: "{"`) into `{"0": "{"}` instead of rejecting it.
		.post('/templates/validate', check, {
			...documented({
				summary: 'Check request/response templates against a sample response',
				body: ValidateTemplatesBody,
				response: okOf(TemplateCheckSchema),
			}),
			...negotiated(check, { view: TemplateCheck }),
		})
