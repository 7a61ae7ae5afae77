import { t } from 'elysia'
import { Nullable, Timestamp } from '../openapi/schemas'
import { CONTROL_NAMES, PROBES } from './model'

/** The assessment routes' bodies for the OpenAPI document (model.ts has the types). */
const Probe = t.Union(PROBES.map((p) => t.Literal(p)))
const Control = t.Union(CONTROL_NAMES.map((c) => t.Literal(c)))
const Status = t.Union(
	['QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'].map((s) => t.Literal(s)),
)

export const EstimateSchema = t.Object({
	requests: t.Integer(),
	costUsd: Nullable(t.Number()),
	basis: t.String(),
	limitedBy: t.Array(t.String()),
})

export const AssessmentCreatedSchema = t.Object({
	assessmentId: t.String(),
	status: t.Literal('QUEUED'),
	estimate: EstimateSchema,
})

const FindingSchema = t.Object({
	probe: Probe,
	control: Control,
	mitigation: t.String(),
	verdict: t.Union([t.Literal('present'), t.Literal('absent'), t.Literal('inconclusive')]),
	value: Nullable(t.Number()),
	unit: t.String(),
	summary: t.String(),
	reason: t.Optional(t.String()),
	figures: t.Record(t.String(), Nullable(t.Union([t.Number(), t.String()]))),
	evidence: t.Array(
		t.Object({
			label: t.String(),
			sessionId: t.String(),
			seq: t.Optional(t.Integer()),
			href: t.String(),
		}),
	),
	chart: Nullable(t.Object({ title: t.String() }, { additionalProperties: true })),
})

const HeadlineSchema = t.Object({
	sustainableRatePerSec: Nullable(t.Number()),
	rateBounded: t.Boolean(),
	maxRequestCostUsd: Nullable(t.Number()),
	burnPerHourUsd: Nullable(t.Number()),
	burnPerDayUsd: Nullable(t.Number()),
	quotaCapUsd: Nullable(t.Number()),
	controlsFound: t.Array(Control),
	controlsMissing: t.Array(Control),
	controlsInconclusive: t.Array(Control),
	note: t.String(),
})

const common = {
	id: t.String(),
	target: t.Object({ id: t.String(), name: Nullable(t.String()) }),
	status: Status,
	probes: t.Array(Probe),
	limits: t.Object({
		maxCostUsd: t.Number(),
		maxRequests: t.Integer(),
		maxDurationSec: t.Integer(),
	}),
	options: t.Record(t.String(), t.Number()),
	estimate: EstimateSchema,
	spent: t.Object({ requests: t.Integer(), costUsd: t.Number(), tokens: t.Integer() }),
	headline: Nullable(HeadlineSchema),
	error: Nullable(t.String()),
	stopReason: Nullable(t.String()),
	createdAt: Timestamp,
	startedAt: Nullable(Timestamp),
	completedAt: Nullable(Timestamp),
}

export const AssessmentListItemSchema = t.Object(common)

export const AssessmentSchema = t.Object({
	...common,
	progress: t.Array(
		t.Object({
			probe: Probe,
			status: t.String(),
			sessionIds: t.Array(t.String()),
			requests: t.Integer(),
			costUsd: t.Number(),
			note: t.Optional(t.String()),
		}),
	),
	findings: t.Array(FindingSchema),
})
