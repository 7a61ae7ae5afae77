/**
 * The contract between targets (what is stored), connectors (how a protocol is spoken),
 * the engine (flows) and sessions (execution). Connectors know one protocol each and
 * nothing of flows or the database (docs/architecture.md §2).
 */

export type ConnectorType = 'HTTP_REST' | 'WEBSOCKET' | 'GRPC' | 'SSE'
export type AuthType =
	'NONE' | 'BEARER_TOKEN' | 'API_KEY' | 'BASIC_AUTH' | 'CUSTOM_HEADER' | 'OAUTH2'

/** Decrypted auth configuration, one shape per auth type (validated by src/targets/model.ts). */
export type AuthConfig =
	| Record<string, never> // NONE
	| { token: string } // BEARER_TOKEN
	| { apiKey: string; headerName?: string; queryParam?: string } // API_KEY (header `x-api-key` by default)
	| { username: string; password: string } // BASIC_AUTH
	| { headers: Record<string, string> } // CUSTOM_HEADER
	| { tokenUrl: string; clientId: string; clientSecret: string; scope?: string; audience?: string } // OAUTH2

/**
 * How a user message becomes a request body. Paths accept both styles:
 * `$.messages[0].content` and `messages.0.content` (evaluated with jsonpath-plus).
 * (Templates are type aliases, not interfaces, so they are also plain JSON records.)
 */
export type RequestTemplate = {
	messagePath: string
	/** The base payload; a deep copy is made per request. */
	structure?: Record<string, unknown>
	/** `{{name}}` placeholders in `structure` strings are replaced with these values. */
	variables?: Record<string, string | number | boolean>
	/**
	 * Where the conversation so far goes, so stateless chat APIs see the context (docs/architecture.md §4).
	 * When set, the array at this path becomes: the structure's items before the message item
	 * (e.g. a system prompt), then every earlier turn, then the new user turn.
	 */
	historyPath?: string
	/** Shape of each history item: `openai` ({role, content}: OpenAI, Anthropic, Ollama, Azure) or `gemini` ({role: user|model, parts:[{text}]}). */
	historyFormat?: 'openai' | 'gemini'
}

export type ResponseTemplate = {
	responsePath: string
	tokenUsagePath?: string
	errorPath?: string
	transform?: 'none' | 'markdown' | 'html'
}

/** Everything a connector needs to talk to a target; secrets already decrypted, in memory only. */
export interface TargetSpec {
	connectorType: ConnectorType
	endpoint: string
	authType: AuthType
	authConfig: AuthConfig
	requestTemplate: RequestTemplate
	responseTemplate: ResponseTemplate
	/** Protocol-specific settings, validated per connector type (src/connectors/protocol-config.ts). */
	protocolConfig: Record<string, unknown>
}

export interface ChatTurn {
	role: 'user' | 'assistant'
	content: string
}

/** Normalised from OpenAI, Anthropic, Gemini, Ollama and camelCase usage shapes. */
export interface TokenUsage {
	promptTokens: number
	completionTokens: number
	totalTokens: number
	cachedTokens: number
	/** Prompt tokens written to the provider's cache (Anthropic), priced apart; part of promptTokens. */
	cacheWriteTokens?: number
	/** True when the target reported no usage and the numbers are estimates. */
	estimated: boolean
	/** The model the target says answered, when it says (for pricing). */
	model?: string
}

export type ErrorType =
	| 'timeout'
	| 'connection_refused'
	| 'dns'
	| 'http_error'
	| 'rate_limited'
	| 'auth_error'
	| 'protocol_error'
	| 'empty_response'
	/** The reply grew past the maximum reply size (config.maxReplyBytes, docs/architecture.md §4). */
	| 'response_too_large'
	| 'aborted'
	| 'unknown'

export interface SendError {
	type: ErrorType
	/** Human-readable, never "[object Object]". */
	message: string
	/** Parsed from Retry-After (seconds or HTTP date) on 429/503. */
	retryAfterMs?: number
}

/** The result of one exchange; failures are results too, never thrown (except on abort). */
export interface SendResult {
	success: boolean
	content: string | null
	httpStatus?: number
	error?: SendError
	usage: TokenUsage
	/** From just before the request is written to the complete reply (performance.now()). */
	responseTimeMs: number
	/** To the first non-empty content token, streaming replies only. */
	ttftMs?: number
	/** Mean time between output tokens after the first, streamed replies only (docs/architecture.md §5). */
	itlMs?: number
	/** The parsed raw reply (truncated by callers), to help users pick paths. */
	raw?: unknown
	/** Rate-limit headers of the reply (x-ratelimit-*, anthropic-ratelimit-*, retry-after, retry-after-ms). */
	rateLimitHeaders?: Record<string, string>
}

export interface SendOptions {
	/** Earlier turns of this conversation, oldest first. */
	history: ChatTurn[]
	signal: AbortSignal
	/** Per-message timeout; reported as a `timeout` error. */
	timeoutMs?: number
}

/** One conversation: a connection for stateful protocols (WebSocket), a context for all. */
export interface Conversation {
	send(message: string, opts: SendOptions): Promise<SendResult>
	close(): Promise<void>
}

export interface Connector {
	open(signal: AbortSignal): Promise<Conversation>
	/** Releases pooled resources (keep-alive agents, gRPC channels, OAuth caches). */
	close(): Promise<void>
}
