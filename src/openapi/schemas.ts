import { t, type TSchema } from 'elysia'

/**
 * The reference's envelopes as TypeBox schemas, for the OpenAPI document (spec.ts) and the tests
 * that check real responses against it. `$id`s name them under `components.schemas`.
 */
export const ErrorDetailSchema = t.Object(
	{
		code: t.String({ description: 'invalid_type, too_small, too_big, unrecognized_keys, …' }),
		path: t.Array(t.Union([t.String(), t.Number()])),
		message: t.String(),
		expected: t.Optional(t.String()),
		received: t.Optional(t.String()),
	},
	{ $id: 'ErrorDetail' },
)

export const ErrorEnvelope = t.Object(
	{
		success: t.Literal(false),
		error: t.String({
			description: 'What went wrong, e.g. "Validation error", "Session not found"',
		}),
		message: t.Optional(t.String()),
		details: t.Optional(t.Array(ErrorDetailSchema)),
	},
	{ $id: 'ErrorEnvelope', description: 'Every error: docs/conventions.md rule 11' },
)

export const PaginationSchema = t.Object(
	{ total: t.Integer(), limit: t.Integer(), offset: t.Integer(), hasMore: t.Boolean() },
	{ $id: 'Pagination' },
)

/** `ok(data, message?)` (src/http/envelope.ts). */
export const okOf = (data: TSchema) =>
	t.Object({ success: t.Literal(true), data, message: t.Optional(t.String()) })

/** `list(rows)`. */
export const listOf = (row: TSchema) =>
	t.Object({ success: t.Literal(true), data: t.Array(row), count: t.Integer() })

/** `page(rows, total, limit, offset)`. */
export const pageOf = (row: TSchema) =>
	t.Object({ success: t.Literal(true), data: t.Array(row), pagination: PaginationSchema })

/** A delete, or another answer without data. */
export const DoneSchema = t.Object({ success: t.Literal(true), message: t.String() })

/** What a route without a documented response returns: some envelope (the shape is open). */
export const AnyEnvelope = t.Object(
	{ success: t.Literal(true), data: t.Optional(t.Unknown()), message: t.Optional(t.String()) },
	{ $id: 'SuccessEnvelope', description: 'The success envelope; `data` is not described yet' },
)

export const Nullable = (s: TSchema) => t.Union([s, t.Null()])
export const Timestamp = t.String({ format: 'date-time' })
