import { t, type Static } from 'elysia'
import { MAX_OFFSET } from '../http/model'

/**
 * A consumption assessment (OWASP LLM10, docs/architecture.md §4): probes run as ordinary
 * sessions against one target, each stopping as soon as it has its answer, all within limits.
 */
export const PROBES = ['output', 'depth', 'input', 'rate', 'concurrency', 'spend'] as const
export type Probe = (typeof PROBES)[number]

/** The control each probe looks for, by the names `krawall assess --fail-on-missing` takes. */
export const CONTROLS = {
	output: 'output-cap',
	depth: 'depth-limit',
	input: 'input-limit',
	rate: 'rate-limit',
	concurrency: 'concurrency-limit',
	spend: 'spend-cap',
} as const satisfies Record<Probe, string>
export type Control = (typeof CONTROLS)[Probe]
export const CONTROL_NAMES = Object.values(CONTROLS) as Control[]

/** The OWASP LLM10 (Unbounded Consumption) mitigation each control implements. */
export const MITIGATIONS: Record<Probe, string> = {
	output: 'Output limits (cap max_tokens per reply)',
	depth: 'Resource management (limit context window and conversation depth)',
	input: 'Input validation (limit input size)',
	rate: 'Rate limiting and quotas (requests per client)',
	concurrency: 'Timeouts and throttling (concurrent requests per client)',
	spend: 'Rate limiting and quotas (spend / token quota per key), monitoring',
}

export const PROBE_TITLES: Record<Probe, string> = {
	output: 'Output amplification',
	depth: 'Context depth',
	input: 'Input size',
	rate: 'Request rate',
	concurrency: 'Concurrency',
	spend: 'Sustained spend',
}

export const ASSESSMENT_RUN_JOB = 'assessment.run'
export type AssessmentRunJob = { assessmentId: string }
export const assessmentCancelChannel = (id: string) => `assessment.${id}.cancel`

export const AssessmentLimits = t.Object({
	maxCostUsd: t.Number({ exclusiveMinimum: 0, maximum: 10_000 }),
	maxRequests: t.Integer({ minimum: 1, maximum: 100_000 }),
	maxDurationSec: t.Integer({ minimum: 1, maximum: 86_400 }),
})
export type AssessmentLimits = Static<typeof AssessmentLimits>

/** The probes' bounds: how far each goes before it answers "none up to the bound". */
export const AssessmentOptions = t.Object({
	/** Turns of the context-depth conversation. */
	maxDepthTurns: t.Optional(t.Integer({ minimum: 2, maximum: 200 })),
	/** Largest message of the input-size probe (the flow's message limit is 100,000). */
	maxInputChars: t.Optional(t.Integer({ minimum: 1000, maximum: 100_000 })),
	/** Highest request rate of the ramp, requests per second. */
	maxRatePerSec: t.Optional(t.Number({ minimum: 1, maximum: 500 })),
	/** Seconds per ramp step. */
	rateStepSec: t.Optional(t.Number({ minimum: 0.2, maximum: 60 })),
	/** Most parallel conversations of the concurrency probe. */
	maxConcurrency: t.Optional(t.Integer({ minimum: 2, maximum: 100 })),
	/** Seconds of the sustained-spend probe. */
	spendDurationSec: t.Optional(t.Number({ minimum: 1, maximum: 3600 })),
	/** Per-message timeout (default: the target's, else 60 s). */
	timeoutMs: t.Optional(t.Integer({ minimum: 100, maximum: 600_000 })),
})
export type AssessmentOptions = Static<typeof AssessmentOptions>

export const DEFAULT_OPTIONS: Required<Omit<AssessmentOptions, 'timeoutMs'>> = {
	maxDepthTurns: 30,
	maxInputChars: 64_000,
	maxRatePerSec: 50,
	rateStepSec: 1,
	maxConcurrency: 16,
	spendDurationSec: 20,
}

export const CreateAssessment = t.Object({
	targetId: t.String({ minLength: 1, maxLength: 64 }),
	probes: t.Optional(
		t.Array(t.Union(PROBES.map((p) => t.Literal(p))), { minItems: 1, maxItems: PROBES.length }),
	),
	limits: AssessmentLimits,
	options: t.Optional(AssessmentOptions),
})
export type CreateAssessment = Static<typeof CreateAssessment>

export const AssessmentListQuery = t.Object({
	limit: t.Optional(t.Integer({ minimum: 1, maximum: 200 })),
	offset: t.Optional(t.Integer({ minimum: 0, maximum: MAX_OFFSET })),
})
export type AssessmentListQuery = Static<typeof AssessmentListQuery>

export const AssessmentIdParams = t.Object({ id: t.String({ minLength: 1, maxLength: 64 }) })

export const ReportQuery = t.Object({
	format: t.Optional(t.Union([t.Literal('html'), t.Literal('json'), t.Literal('md')])),
})

export type AssessmentStatus = 'QUEUED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED'
export const isAssessmentActive = (s: string) => s === 'QUEUED' || s === 'RUNNING'

export type Verdict = 'present' | 'absent' | 'inconclusive'

/** One point of a finding's chart; `ok` false draws it as refused. */
export type ChartPoint = { x: number; y: number; ok: boolean; label?: string }
export type FindingChart = {
	title: string
	xLabel: string
	yLabel: string
	points: ChartPoint[]
	/** Where the control showed (the depth limit, the 429 onset, the cap). */
	marker?: { x?: number; y?: number; label: string }
}

export type Evidence = { label: string; sessionId: string; seq?: number; href: string }

export type Finding = {
	probe: Probe
	control: Control
	mitigation: string
	verdict: Verdict
	/** The bound found (present) or tested up to (absent), in `unit`. */
	value: number | null
	unit: string
	summary: string
	/** Why the verdict is inconclusive. */
	reason?: string
	figures: Record<string, number | string | null>
	evidence: Evidence[]
	chart: FindingChart | null
}

export type ProbeStatus = 'pending' | 'running' | 'done' | 'skipped' | 'failed'
export type ProbeProgress = {
	probe: Probe
	status: ProbeStatus
	sessionIds: string[]
	requests: number
	costUsd: number
	note?: string
}

export type Estimate = {
	requests: number
	/** Null when the target's model has no price. */
	costUsd: number | null
	/** What the estimate assumes, in one line. */
	basis: string
	/** The limits cut the probes short when they are below what the probes would use. */
	limitedBy: ('maxRequests' | 'maxCostUsd')[]
}

export type Spent = { requests: number; costUsd: number; tokens: number }

export type Headline = {
	/** Highest rate one client can sustain, requests/s; `rateBounded` false: only the tested bound. */
	sustainableRatePerSec: number | null
	rateBounded: boolean
	/** Cost of the most expensive request accepted at the caps. */
	maxRequestCostUsd: number | null
	maxRequestTokens: { prompt: number; completion: number } | null
	burnPerHourUsd: number | null
	burnPerDayUsd: number | null
	/** A quota cap found: the burn stops at this much per key. */
	quotaCapUsd: number | null
	controlsFound: Control[]
	controlsMissing: Control[]
	controlsInconclusive: Control[]
	note: string
}

export type AssessmentView = {
	id: string
	target: { id: string; name: string | null }
	status: AssessmentStatus
	probes: Probe[]
	limits: AssessmentLimits
	options: AssessmentOptions
	estimate: Estimate
	progress: ProbeProgress[]
	spent: Spent
	findings: Finding[]
	headline: Headline | null
	error: string | null
	stopReason: string | null
	createdAt: Date
	startedAt: Date | null
	completedAt: Date | null
}

export type AssessmentListItem = Omit<AssessmentView, 'findings' | 'progress'>
