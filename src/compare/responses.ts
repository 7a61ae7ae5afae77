import { t } from 'elysia'
import { Nullable, Timestamp } from '../openapi/schemas'

/** `GET /api/sessions/compare` for the OpenAPI document (model.ts has the types). */
const Shift = t.Object({
	estimate: t.Number(),
	low: Nullable(t.Number()),
	high: Nullable(t.Number()),
	confidence: t.Number(),
})
const Sample = t.Object({ n: t.Integer(), median: t.Number() })
const SampleComparison = Nullable(
	t.Object({
		method: t.Literal('mann-whitney-u'),
		pMethod: t.Union([t.Literal('exact'), t.Literal('asymptotic')]),
		p: t.Number(),
		alpha: t.Number(),
		significant: t.Boolean(),
		u: t.Number(),
		z: t.Number(),
		shift: Shift,
		baseline: Sample,
		current: Sample,
	}),
)
const Named = Nullable(t.Object({ id: t.String(), name: t.String() }))
const Curves = t.Array(
	t.Object({
		sessionId: t.String(),
		points: t.Array(t.Object({ x: t.Number(), y: Nullable(t.Number()) })),
	}),
)

export const ComparisonSchema = t.Object({
	baselineId: t.String(),
	sessions: t.Array(
		t.Object({
			id: t.String(),
			status: t.String(),
			target: Named,
			scenario: Named,
			startedAt: Nullable(Timestamp),
			completedAt: Nullable(Timestamp),
			label: t.String(),
		}),
	),
	rows: t.Array(
		t.Object({
			metric: t.String(),
			label: t.String(),
			unit: t.String(),
			better: Nullable(t.String()),
			values: t.Array(Nullable(t.Number())),
			deltas: t.Array(
				Nullable(t.Object({ delta: Nullable(t.Number()), deltaPct: Nullable(t.Number()) })),
			),
		}),
	),
	method: t.Object({
		test: t.Literal('mann-whitney-u'),
		confidence: t.Number(),
		description: t.String(),
	}),
	significance: t.Array(
		t.Object({
			sessionId: t.String(),
			responseTimeMs: SampleComparison,
			costPerConversationUsd: SampleComparison,
		}),
	),
	charts: t.Object({ latencyCdf: Curves, costPerTurn: Curves, tokensPerTurn: Curves }),
})
