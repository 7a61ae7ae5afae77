import type {
	AuthType,
	ConnectorType,
	RequestTemplate,
	ResponseTemplate,
} from '../connectors/types'
import type { EncryptedEnvelope } from '../db/schema'
import type { ErrorHandling, FlowStep, VerbosityLevel } from '../engine/types'
import type { TargetPricing } from '../pricing/model'

// Types only: src/db/schema.ts types `sessions.execution_config` with ExecutionSnapshot.

/** The target as frozen into a session: its auth stays an encrypted envelope. */
export interface TargetSnapshot {
	id: string
	name: string
	connectorType: ConnectorType
	endpoint: string
	authType: AuthType
	authConfig: EncryptedEnvelope | null
	requestTemplate: RequestTemplate
	responseTemplate: ResponseTemplate
	protocolConfig: Record<string, unknown> | null
	pricing: TargetPricing | null
	presetId: string | null
}

export interface ScenarioSnapshot {
	id: string
	name: string
	category: string | null
	flowConfig: FlowStep[]
	errorHandling: ErrorHandling | null
	messageTemplates: Record<string, unknown>
}

/**
 * Everything a run needs, frozen at execute time (docs/architecture.md §3): later edits of the target or
 * scenario never change a queued or restarted session.
 */
export interface ExecutionSnapshot {
	repetitions: number
	concurrency: number
	delayBetweenMs: number
	verbosityLevel: VerbosityLevel
	messageTemplates: Record<string, unknown>
	customMessages?: string[]
	maxTokens?: number
	maxCostUsd?: number
	/** A budget stop's grace period for requests in flight (default 30 s; 0 aborts them at once). */
	gracefulStopMs?: number
	timeoutMs?: number
	/** When conversations start (docs/architecture.md §4); absent: `repetitions` at `concurrency`. */
	load?: LoadModel
	target: TargetSnapshot
	scenario: ScenarioSnapshot | null
}

/**
 * A load model as frozen (validated by src/sessions/load-input.ts). `workers`: the run is split
 * into that many shards (docs/architecture.md §4); absent or 1, one worker runs it all.
 */
export type LoadModel = LoadShape & { workers?: number | 'auto' }
type LoadShape =
	| { type: 'closed'; durationSec?: number }
	| {
			type: 'arrival'
			rate: number
			durationSec: number
			maxInFlight: number
			distribution?: 'constant' | 'poisson'
			seed?: number
	  }
	| {
			type: 'stages'
			/** All stages name `rate` (arrival per second) or all name `concurrency`. */
			stages: LoadStage[]
			maxInFlight?: number
	  }

export interface LoadStage {
	durationSec: number
	rate?: number
	concurrency?: number
}
