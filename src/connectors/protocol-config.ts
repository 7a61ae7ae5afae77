import { strictProblems } from '../http/strict'
import { Type as T, type Static, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import type { ErrorDetail } from '../http/errors'
import { toDetails } from '../http/validation'
import type { ConnectorType } from './types'

/**
 * `protocolConfig` per connector type. Every field is optional; unknown keys are allowed so a
 * target keeps settings a later version understands. Paths accept both styles.
 */
const StringMap = T.Record(T.String(), T.String({ maxLength: 4000 }))
const Method = T.Union(['GET', 'POST', 'PUT', 'PATCH'].map((m) => T.Literal(m)))

const StreamingConfig = T.Object({
	/** `sse`: `data:` events (OpenAI, Anthropic, Gemini `alt=sse`); `ndjson`: one JSON object per line (Ollama). */
	format: T.Optional(T.Union([T.Literal('sse'), T.Literal('ndjson')])),
	/** Replaces `path` when streaming (Gemini `:streamGenerateContent`). */
	path: T.Optional(T.String({ maxLength: 2000 })),
	query: T.Optional(StringMap),
	/** Merged into the request body when streaming (`{ stream: true }`). */
	body: T.Optional(T.Record(T.String(), T.Unknown())),
	/** Where each chunk's content delta is. */
	contentPath: T.Optional(T.String({ minLength: 1, maxLength: 500 })),
	/** Where usage may appear in a chunk; counts merged over the stream. */
	usagePaths: T.Optional(T.Array(T.String({ minLength: 1, maxLength: 500 }), { maxItems: 10 })),
	errorPath: T.Optional(T.String({ maxLength: 500 })),
	/** SSE data that ends the stream (`[DONE]`). */
	doneMarker: T.Optional(T.String({ maxLength: 100 })),
	/** SSE event name that ends the stream (`message_stop`). */
	doneEvent: T.Optional(T.String({ maxLength: 100 })),
})

const HttpBase = {
	method: T.Optional(Method),
	/** Appended to the endpoint; `{{name}}` filled from the request template's variables. */
	path: T.Optional(T.String({ maxLength: 2000 })),
	query: T.Optional(StringMap),
	headers: T.Optional(StringMap),
	timeoutMs: T.Optional(T.Integer({ minimum: 100, maximum: 600_000 })),
}

export const HttpProtocolConfig = T.Object({
	...HttpBase,
	stream: T.Optional(T.Boolean()),
	streaming: T.Optional(StreamingConfig),
})

export const SseProtocolConfig = T.Object({ ...HttpBase, ...StreamingConfig.properties })

export const WebSocketProtocolConfig = T.Object({
	path: T.Optional(T.String({ maxLength: 2000 })),
	query: T.Optional(StringMap),
	headers: T.Optional(StringMap),
	subprotocols: T.Optional(T.Array(T.String({ maxLength: 200 }), { maxItems: 10 })),
	/** Send the auth token as this query parameter instead of headers (browsers' WebSocket cannot set headers). */
	tokenQueryParam: T.Optional(T.String({ minLength: 1, maxLength: 100 })),
	/** `json`: the request template as a JSON frame; `text`: the message as plain text, replies as text. */
	frameFormat: T.Optional(T.Union([T.Literal('json'), T.Literal('text')])),
	/** A reply frame matching this ends the reply; without it, the first frame with content does. */
	doneWhen: T.Optional(
		T.Object({ path: T.String({ minLength: 1, maxLength: 500 }), equals: T.Optional(T.Unknown()) }),
	),
	connectTimeoutMs: T.Optional(T.Integer({ minimum: 100, maximum: 120_000 })),
})

export const GrpcProtocolConfig = T.Object({
	/** The .proto source itself (never a file path on the server). */
	protoSource: T.String({ minLength: 1, maxLength: 200_000 }),
	/** Fully qualified service name, e.g. `krawall.mock.ChatService`. */
	service: T.String({ minLength: 1, maxLength: 300 }),
	method: T.String({ minLength: 1, maxLength: 200 }),
	tls: T.Optional(T.Boolean()),
	/** Deadline for every call (default 30 s, or the message timeout when shorter). */
	deadlineMs: T.Optional(T.Integer({ minimum: 100, maximum: 600_000 })),
	metadata: T.Optional(StringMap),
})

export type HttpProtocolConfig = Static<typeof HttpProtocolConfig>
export type SseProtocolConfig = Static<typeof SseProtocolConfig>
type StreamingConfig = Static<typeof StreamingConfig>
export type WebSocketProtocolConfig = Static<typeof WebSocketProtocolConfig>
export type GrpcProtocolConfig = Static<typeof GrpcProtocolConfig>

const SCHEMAS: Record<ConnectorType, TSchema> = {
	HTTP_REST: HttpProtocolConfig,
	SSE: SseProtocolConfig,
	WEBSOCKET: WebSocketProtocolConfig,
	GRPC: GrpcProtocolConfig,
}

/**
 * Validates a target's `protocolConfig` for its connector type; returns problems with paths
 * relative to `protocolConfig`. The gRPC .proto source is parsed too, and the named service
 * and method must exist in it.
 */
export function validateProtocolConfig(type: ConnectorType, config: unknown): ErrorDetail[] {
	const schema = SCHEMAS[type]
	const value = config ?? {}
	if (!schema) return []
	if (!Value.Check(schema, value)) return toDetails(Value.Errors(schema, value))
	const unknown = strictProblems(schema, value)
	if (unknown.length) return unknown
	if (type === 'GRPC') return grpcProblems(value as GrpcProtocolConfig)
	return []
}

function grpcProblems(c: GrpcProtocolConfig): ErrorDetail[] {
	try {
		// Loaded on the first gRPC target, not at start (connectors/index.ts, grpcModule).
		const { findGrpcMethod } = require('./grpc-proto') as typeof import('./grpc-proto')
		findGrpcMethod(c.protoSource, c.service, c.method)
		return []
	} catch (e) {
		const msg = (e as Error).message
		const path = msg.startsWith('proto:')
			? ['protoSource']
			: msg.startsWith('service:')
				? ['service']
				: ['method']
		return [{ code: 'custom', path, message: msg.replace(/^\w+: /, '') }]
	}
}
