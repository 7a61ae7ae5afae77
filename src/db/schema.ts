import { newId } from '../ids'
import { sql } from 'drizzle-orm'
import {
	boolean,
	doublePrecision,
	index,
	integer,
	jsonb,
	pgEnum,
	pgTable,
	text,
	timestamp,
	uniqueIndex,
} from 'drizzle-orm/pg-core'
import type { RequestTemplate, ResponseTemplate } from '../connectors/types'
import type { Attempt, ErrorHandling, FlowStep } from '../engine/types'
import type { LoadGeneratorHealth, SummaryMetrics } from '../execution/summary-metrics'
import type { RollupSketches, SessionRollup } from '../metrics/rollup'
import type { TargetPricing } from '../pricing/model'
import type { ExecutionSnapshot } from '../sessions/snapshot'
import type { RetryPolicy, Thresholds } from '../webhooks/model'
import type { ScheduleRegression } from '../schedules/model'
import type {
	AssessmentLimits,
	AssessmentOptions,
	Estimate,
	Finding,
	Headline,
	Probe,
	ProbeProgress,
	Spent,
} from '../assessments/model'

/**
 * The single drizzle schema for Postgres and PGlite (docs/architecture.md §3). jsonb columns carry the type
 * of what is stored in them (`$type`, compile time only: the SQL is plain `jsonb`), imported as
 * types so that loading the schema loads nothing else.
 */

export const connectorType = pgEnum('connector_type', ['HTTP_REST', 'WEBSOCKET', 'GRPC', 'SSE'])
export const authType = pgEnum('auth_type', [
	'NONE',
	'BEARER_TOKEN',
	'API_KEY',
	'BASIC_AUTH',
	'CUSTOM_HEADER',
	'OAUTH2',
])
export const sessionStatus = pgEnum('session_status', [
	'PENDING',
	'QUEUED',
	'RUNNING',
	'COMPLETED',
	'FAILED',
	'CANCELLED',
])
/** Exported so drizzle-kit sees the enum (an unexported one is generated as DROP TYPE). */
export const deliveryStatus = pgEnum('delivery_status', ['PENDING', 'DELIVERED', 'FAILED'])

const id = () =>
	text('id')
		.primaryKey()
		.$defaultFn(() => newId())
const tz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' })
const createdAt = () => tz('created_at').notNull().defaultNow()
const updatedAt = () =>
	tz('updated_at')
		.notNull()
		.defaultNow()
		.$onUpdate(() => new Date())

/** An AES-256-GCM envelope (see src/secrets/crypto.ts); never plaintext. */
export type EncryptedEnvelope = { v: number; iv: string; tag: string; data: string }

export const targets = pgTable(
	'targets',
	{
		id: id(),
		name: text('name').notNull(),
		description: text('description'),
		connectorType: connectorType('connector_type').notNull(),
		endpoint: text('endpoint').notNull(),
		authType: authType('auth_type').notNull().default('NONE'),
		authConfig: jsonb('auth_config').$type<EncryptedEnvelope | null>(),
		requestTemplate: jsonb('request_template').$type<RequestTemplate>().notNull(),
		responseTemplate: jsonb('response_template').$type<ResponseTemplate>().notNull(),
		protocolConfig: jsonb('protocol_config').$type<Record<string, unknown>>(),
		pricing: jsonb('pricing').$type<TargetPricing | null>(),
		presetId: text('preset_id'),
		isActive: boolean('is_active').notNull().default(true),
		lastTestAt: tz('last_test_at'),
		lastTestSuccess: boolean('last_test_success'),
		lastTestError: text('last_test_error'),
		createdAt: createdAt(),
		updatedAt: updatedAt(),
	},
	(t) => [
		index('targets_is_active_idx').on(t.isActive),
		index('targets_connector_type_idx').on(t.connectorType),
		index('targets_created_at_idx').on(t.createdAt),
	],
)

export const scenarios = pgTable(
	'scenarios',
	{
		id: id(),
		name: text('name').notNull(),
		description: text('description'),
		category: text('category'),
		flowConfig: jsonb('flow_config').$type<FlowStep[]>().notNull(),
		errorHandling: jsonb('error_handling').$type<ErrorHandling | null>(),
		repetitions: integer('repetitions').notNull().default(1),
		concurrency: integer('concurrency').notNull().default(1),
		delayBetweenMs: integer('delay_between_ms').notNull().default(0),
		verbosityLevel: text('verbosity_level').notNull().default('normal'),
		messageTemplates: jsonb('message_templates')
			.$type<Record<string, unknown>>()
			.notNull()
			.default(sql`'{}'::jsonb`),
		isActive: boolean('is_active').notNull().default(true),
		targetId: text('target_id').references(() => targets.id, { onDelete: 'set null' }),
		createdAt: createdAt(),
		updatedAt: updatedAt(),
	},
	(t) => [
		index('scenarios_category_idx').on(t.category),
		index('scenarios_is_active_idx').on(t.isActive),
		index('scenarios_target_id_idx').on(t.targetId),
	],
)

/**
 * One scenario run against several targets (POST /api/batches): each target an ordinary session
 * carrying `batch_id`; the batch's status is derived from them (docs/architecture.md §3).
 */
export const batches = pgTable(
	'batches',
	{
		id: id(),
		scenarioId: text('scenario_id')
			.notNull()
			.references(() => scenarios.id, { onDelete: 'restrict' }),
		targetIds: text('target_ids').array().notNull(),
		executionConfig: jsonb('execution_config').$type<Record<string, unknown> | null>(),
		createdAt: createdAt(),
	},
	(t) => [index('batches_created_at_idx').on(t.createdAt)],
)

/**
 * A consumption assessment (POST /api/assessments, docs/architecture.md §4): its probes run as
 * ordinary sessions (their ids in `progress`); findings and headline are written as it goes.
 */
export const assessments = pgTable(
	'assessments',
	{
		id: id(),
		targetId: text('target_id')
			.notNull()
			.references(() => targets.id, { onDelete: 'restrict' }),
		status: text('status').notNull().default('QUEUED'),
		probes: jsonb('probes').$type<Probe[]>().notNull(),
		limits: jsonb('limits').$type<AssessmentLimits>().notNull(),
		options: jsonb('options').$type<AssessmentOptions>().notNull(),
		estimate: jsonb('estimate').$type<Estimate>().notNull(),
		progress: jsonb('progress').$type<ProbeProgress[]>().notNull(),
		spent: jsonb('spent').$type<Spent>().notNull(),
		findings: jsonb('findings').$type<Finding[]>().notNull(),
		headline: jsonb('headline').$type<Headline | null>(),
		error: text('error'),
		stopReason: text('stop_reason'),
		workerId: text('worker_id'),
		/** Renewed while a worker runs it; a RUNNING assessment silent too long is swept "worker lost" (docs/architecture.md §4). */
		heartbeatAt: tz('heartbeat_at'),
		createdAt: createdAt(),
		startedAt: tz('started_at'),
		completedAt: tz('completed_at'),
	},
	(t) => [index('assessments_created_at_idx').on(t.createdAt)],
)

export const sessions = pgTable(
	'sessions',
	{
		id: id(),
		targetId: text('target_id')
			.notNull()
			.references(() => targets.id, { onDelete: 'restrict' }),
		scenarioId: text('scenario_id').references(() => scenarios.id, { onDelete: 'restrict' }),
		/** The batch this session is one target of (docs/architecture.md §3); null for a lone run. */
		batchId: text('batch_id').references(() => batches.id, { onDelete: 'set null' }),
		/** The schedule that fired it; regression checks compare runs of one schedule. */
		scheduleId: text('schedule_id'),
		status: sessionStatus('status').notNull().default('PENDING'),
		executionConfig: jsonb('execution_config').$type<ExecutionSnapshot>().notNull(),
		logPath: text('log_path'),
		summaryMetrics: jsonb('summary_metrics').$type<SummaryMetrics | null>(),
		/** Exact sums over the session's messages, set when it ends (src/metrics/rollup.ts, docs/architecture.md §5). */
		rollup: jsonb('rollup').$type<SessionRollup | null>(),
		/**
		 * The rollup's DDSketches (~12 KB of base64), set with it: apart from the rollup so its sums
		 * are read without decompressing them (a TOASTed jsonb is read whole; docs/architecture.md §5).
		 * Only `/api/metrics`'s percentiles read it (src/metrics/aggregate-rollups.ts).
		 */
		rollupSketches: jsonb('rollup_sketches').$type<RollupSketches | null>(),
		// Live progress counters, updated a few times a second by the worker.
		messagesTotal: integer('messages_total').notNull().default(0),
		messagesCompleted: integer('messages_completed').notNull().default(0),
		errorCount: integer('error_count').notNull().default(0),
		conversationsTotal: integer('conversations_total').notNull().default(0),
		conversationsCompleted: integer('conversations_completed').notNull().default(0),
		/** Due starts an open load model dropped at its in-flight cap (k6 dropped_iterations, docs/architecture.md §4). */
		droppedConversations: integer('dropped_conversations').notNull().default(0),
		tokensTotal: integer('tokens_total').notNull().default(0),
		costUsd: doublePrecision('cost_usd').notNull().default(0),
		/**
		 * A sharded run's shared budget counter (docs/architecture.md §4): every shard adds each
		 * recorded message's tokens and cost here atomically, so N shards never spend the budget N
		 * times. Unused (0) by an unsharded run, whose worker keeps the totals in memory.
		 */
		budgetTokens: integer('budget_tokens').notNull().default(0),
		budgetCostUsd: doublePrecision('budget_cost_usd').notNull().default(0),
		workerId: text('worker_id'),
		heartbeatAt: tz('heartbeat_at'),
		error: text('error'),
		startedAt: tz('started_at'),
		completedAt: tz('completed_at'),
		createdAt: createdAt(),
		updatedAt: updatedAt(),
	},
	(t) => [
		index('sessions_target_id_idx').on(t.targetId),
		index('sessions_scenario_id_idx').on(t.scenarioId),
		index('sessions_status_idx').on(t.status),
		index('sessions_created_at_idx').on(t.createdAt),
		index('sessions_batch_id_idx').on(t.batchId),
		index('sessions_schedule_id_idx').on(t.scheduleId, t.createdAt),
	],
)

/**
 * The parts of a sharded run (`executionConfig.load.workers`, docs/architecture.md §4): one row per
 * `session.shard` job, claimed QUEUED → RUNNING once by one worker, with its own heartbeat and
 * progress counters (the session's counters are their sum), ended on its own; the session ends
 * when the last one does.
 */
export const sessionShards = pgTable(
	'session_shards',
	{
		id: id(),
		sessionId: text('session_id')
			.notNull()
			.references(() => sessions.id, { onDelete: 'cascade' }),
		shardIndex: integer('shard_index').notNull(),
		shardCount: integer('shard_count').notNull(),
		status: sessionStatus('status').notNull().default('QUEUED'),
		workerId: text('worker_id'),
		heartbeatAt: tz('heartbeat_at'),
		startedAt: tz('started_at'),
		completedAt: tz('completed_at'),
		error: text('error'),
		stopReason: text('stop_reason'),
		messagesCompleted: integer('messages_completed').notNull().default(0),
		errorCount: integer('error_count').notNull().default(0),
		conversationsCompleted: integer('conversations_completed').notNull().default(0),
		/** Conversations the shard took; null until it ends (and for a lost shard). */
		conversationsStarted: integer('conversations_started'),
		droppedConversations: integer('dropped_conversations').notNull().default(0),
		tokensTotal: integer('tokens_total').notNull().default(0),
		costUsd: doublePrecision('cost_usd').notNull().default(0),
		/** The shard process's load-generator health (src/execution/health.ts); null until it ends, and for a lost shard. */
		loadGenerator: jsonb('load_generator').$type<LoadGeneratorHealth | null>(),
	},
	(t) => [uniqueIndex('session_shards_session_shard_idx').on(t.sessionId, t.shardIndex)],
)

export const sessionMessages = pgTable(
	'session_messages',
	{
		id: id(),
		sessionId: text('session_id')
			.notNull()
			.references(() => sessions.id, { onDelete: 'cascade' }),
		seq: integer('seq').notNull(),
		conversationIndex: integer('conversation_index').notNull(),
		turnIndex: integer('turn_index').notNull(),
		stepId: text('step_id'),
		requestContent: text('request_content').notNull(),
		responseContent: text('response_content'),
		/** When the load model made the message due (docs/architecture.md §5); null before load models. */
		scheduledAt: tz('scheduled_at'),
		sentAt: tz('sent_at').notNull(),
		receivedAt: tz('received_at'),
		ttftMs: doublePrecision('ttft_ms'),
		/** Mean inter-token latency of a streamed reply, per token (docs/architecture.md §5). */
		itlMs: doublePrecision('itl_ms'),
		responseTimeMs: doublePrecision('response_time_ms'),
		httpStatus: integer('http_status'),
		success: boolean('success').notNull(),
		errorType: text('error_type'),
		errorMessage: text('error_message'),
		retries: integer('retries').notNull().default(0),
		promptTokens: integer('prompt_tokens'),
		completionTokens: integer('completion_tokens'),
		totalTokens: integer('total_tokens'),
		cachedTokens: integer('cached_tokens'),
		tokensEstimated: boolean('tokens_estimated').notNull().default(false),
		costUsd: doublePrecision('cost_usd'),
		repetitionScore: doublePrecision('repetition_score'),
		/** Every attempt of the message, in order (docs/architecture.md §5); null on rows from before it. */
		attempts: jsonb('attempts').$type<Attempt[] | null>(),
	},
	(t) => [
		uniqueIndex('session_messages_session_seq_idx').on(t.sessionId, t.seq),
		index('session_messages_session_conv_idx').on(t.sessionId, t.conversationIndex),
	],
)

/**
 * Per-second buckets of a session's run (src/execution/timeseries.ts, docs/architecture.md §5
 * "Time series"), written by the recorder as each second closes. Append-only: a message recorded
 * after its second was written adds a second row for that second; readers merge rows by `ts`.
 * Sketches are base64 (src/metrics/sketch.ts).
 */
export const sessionTimeseries = pgTable(
	'session_timeseries',
	{
		id: id(),
		sessionId: text('session_id')
			.notNull()
			.references(() => sessions.id, { onDelete: 'cascade' }),
		/** The bucket's second (start), UTC. */
		ts: tz('ts').notNull(),
		/** The shard that wrote it (docs/architecture.md §4); 0 for an unsharded run. */
		shard: integer('shard').notNull().default(0),
		started: integer('started').notNull().default(0),
		completed: integer('completed').notNull().default(0),
		dropped: integer('dropped').notNull().default(0),
		/** Most messages in flight at once during the second. */
		inFlight: integer('in_flight').notNull().default(0),
		errors: integer('errors').notNull().default(0),
		errorsByType: jsonb('errors_by_type').$type<Record<string, number>>().notNull(),
		rateLimited: integer('rate_limited').notNull().default(0),
		promptTokens: doublePrecision('prompt_tokens').notNull().default(0),
		completionTokens: doublePrecision('completion_tokens').notNull().default(0),
		costUsd: doublePrecision('cost_usd').notNull().default(0),
		responseTimeSketch: text('response_time_sketch'),
		ttftSketch: text('ttft_sketch'),
	},
	(t) => [index('session_timeseries_session_ts_idx').on(t.sessionId, t.ts)],
)

export const scheduledJobs = pgTable(
	'scheduled_jobs',
	{
		id: id(),
		name: text('name'),
		scenarioId: text('scenario_id')
			.notNull()
			.references(() => scenarios.id, { onDelete: 'restrict' }),
		targetId: text('target_id').references(() => targets.id, { onDelete: 'restrict' }),
		cronExpression: text('cron_expression').notNull(),
		timezone: text('timezone').notNull().default('UTC'),
		isEnabled: boolean('is_enabled').notNull().default(true),
		lastRunAt: tz('last_run_at'),
		nextRunAt: tz('next_run_at'),
		lastSessionId: text('last_session_id').references(() => sessions.id, {
			onDelete: 'set null',
		}),
		/** Compare each run with the previous one; `metric.regression` past the threshold. */
		regression: jsonb('regression').$type<ScheduleRegression | null>(),
		createdAt: createdAt(),
		updatedAt: updatedAt(),
	},
	(t) => [
		index('scheduled_jobs_scenario_id_idx').on(t.scenarioId),
		index('scheduled_jobs_due_idx').on(t.isEnabled, t.nextRunAt),
	],
)

export const webhooks = pgTable('webhooks', {
	id: id(),
	name: text('name'),
	url: text('url').notNull(),
	events: text('events').array().notNull(),
	secret: jsonb('secret').$type<EncryptedEnvelope>().notNull(),
	isActive: boolean('is_active').notNull().default(true),
	retryPolicy: jsonb('retry_policy').$type<Partial<RetryPolicy>>(),
	thresholds: jsonb('thresholds').$type<Thresholds>(),
	disabledReason: text('disabled_reason'),
	createdAt: createdAt(),
	updatedAt: updatedAt(),
})

export const webhookDeliveries = pgTable(
	'webhook_deliveries',
	{
		id: id(),
		webhookId: text('webhook_id')
			.notNull()
			.references(() => webhooks.id, { onDelete: 'cascade' }),
		event: text('event').notNull(),
		payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
		status: deliveryStatus('status').notNull().default('PENDING'),
		attempts: integer('attempts').notNull().default(0),
		statusCode: integer('status_code'),
		error: text('error'),
		nextRetryAt: tz('next_retry_at'),
		deliveredAt: tz('delivered_at'),
		createdAt: createdAt(),
		updatedAt: updatedAt(),
	},
	(t) => [
		index('webhook_deliveries_webhook_id_idx').on(t.webhookId, t.createdAt),
		index('webhook_deliveries_status_idx').on(t.status),
	],
)

/**
 * Dashboard sign-ins when KRAWALL_API_TOKEN is set (docs/architecture.md §8): the cookie holds a
 * random id, the row its SHA-256, so logout (deleting the row) really ends the session and a
 * database dump holds nothing a browser could replay.
 */
export const dashboardSessions = pgTable('dashboard_sessions', {
	idHash: text('id_hash').primaryKey(),
	createdAt: createdAt(),
	expiresAt: tz('expires_at').notNull(),
})
