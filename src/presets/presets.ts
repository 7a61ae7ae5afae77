import { MOCK_CHAT_PROTO } from '../mock/proto'
import type { AuthField, Preset } from './model'

/**
 * Provider presets: everything needed to point a target at a real provider's API, with the
 * provider's real request path, auth placement, streaming variant, history path (so multi-turn
 * context is sent) and an example response in the provider's real shape. Every preset is
 * tested end to end against the mock chatbot's emulation of its provider.
 *
 * Endpoint + `protocolConfig.path` form the request URL; `{{name}}` in the path is filled from
 * `requestTemplate.variables` (the Gemini model, the Azure deployment).
 */
/** A password input for the auth config's secret (`token` for bearer auth, `apiKey` for API keys). */
const secretField =
	(key: 'token' | 'apiKey') =>
	(label: string, placeholder: string): AuthField => ({
		key,
		label,
		type: 'password',
		placeholder,
		required: true,
	})
const tokenField = secretField('token')
const apiKeyField = secretField('apiKey')

/** OpenAI's chat-completions templates (OpenAI itself and Azure OpenAI): the whole history in `messages`. */
const openAiChat = (
	structure: Record<string, unknown>,
	variables: Record<string, string> = {},
): Pick<Preset, 'requestTemplate' | 'responseTemplate'> => ({
	requestTemplate: {
		messagePath: 'messages.0.content',
		structure,
		variables,
		historyPath: 'messages',
		historyFormat: 'openai',
	},
	responseTemplate: {
		responsePath: 'choices.0.message.content',
		tokenUsagePath: 'usage',
		errorPath: 'error.message',
		transform: 'none',
	},
})

/** OpenAI-style SSE: `data: {chunk}` lines ending with `data: [DONE]`; usage in the last chunk. */
const openAiStreaming = {
	format: 'sse',
	body: { stream: true, stream_options: { include_usage: true } },
	contentPath: 'choices.0.delta.content',
	usagePaths: ['usage'],
	errorPath: 'error.message',
	doneMarker: '[DONE]',
}

const openAiExample = (model: string) => ({
	id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
	object: 'chat.completion',
	created: 1741569952,
	model,
	choices: [
		{
			index: 0,
			message: {
				role: 'assistant',
				content: 'Hello! How can I assist you today?',
				refusal: null,
				annotations: [],
			},
			logprobs: null,
			finish_reason: 'stop',
		},
	],
	usage: {
		prompt_tokens: 19,
		completion_tokens: 10,
		total_tokens: 29,
		prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
		completion_tokens_details: {
			reasoning_tokens: 0,
			audio_tokens: 0,
			accepted_prediction_tokens: 0,
			rejected_prediction_tokens: 0,
		},
	},
	service_tier: 'default',
	system_fingerprint: 'fp_50cad350e4',
})

/** The generic `{message, history}` body of the custom HTTP and SSE presets. */
const messageAndHistory = () => ({
	messagePath: 'message',
	structure: { message: '', history: [] },
	variables: {},
	historyPath: 'history',
	historyFormat: 'openai' as const,
})

export const PRESETS: Preset[] = [
	{
		id: 'openai-chat',
		name: 'OpenAI Chat Completions',
		description:
			'GPT-4o, GPT-4.1, GPT-5 and other OpenAI chat models via POST /v1/chat/completions.',
		icon: 'openai',
		connectorType: 'HTTP_REST',
		defaultEndpoint: 'https://api.openai.com',
		authType: 'BEARER_TOKEN',
		authFields: [tokenField('API Key', 'sk-...')],
		...openAiChat({ model: 'gpt-4o', messages: [{ role: 'user', content: '' }] }),
		protocolConfig: {
			method: 'POST',
			path: '/v1/chat/completions',
			headers: {},
			stream: false,
			streaming: openAiStreaming,
		},
		pricing: { model: 'gpt-4o', inputPerMTok: 2.5, outputPerMTok: 10, cachedInputPerMTok: 1.25 },
		documentation:
			'Endpoint https://api.openai.com, path /v1/chat/completions, header "Authorization: Bearer <key>". ' +
			'Set protocolConfig.stream to true to stream (stream_options.include_usage reports usage in the final chunk) and measure time to first token. ' +
			'The whole conversation is sent in "messages" on every turn. See https://platform.openai.com/docs/api-reference/chat/create',
		exampleResponse: openAiExample('gpt-4o-2024-08-06'),
	},
	{
		id: 'anthropic-messages',
		name: 'Anthropic Messages',
		description:
			'Claude models via POST /v1/messages with the x-api-key and anthropic-version headers.',
		icon: 'anthropic',
		connectorType: 'HTTP_REST',
		defaultEndpoint: 'https://api.anthropic.com',
		authType: 'API_KEY',
		authFields: [apiKeyField('API Key', 'sk-ant-...')],
		authConfigDefaults: { headerName: 'x-api-key' },
		requestTemplate: {
			messagePath: 'messages.0.content',
			structure: {
				model: 'claude-sonnet-4-20250514',
				max_tokens: 1024,
				messages: [{ role: 'user', content: '' }],
			},
			variables: {},
			historyPath: 'messages',
			historyFormat: 'openai',
		},
		responseTemplate: {
			responsePath: 'content.0.text',
			tokenUsagePath: 'usage',
			errorPath: 'error.message',
			transform: 'none',
		},
		protocolConfig: {
			method: 'POST',
			path: '/v1/messages',
			headers: { 'anthropic-version': '2023-06-01' },
			stream: false,
			streaming: {
				format: 'sse',
				body: { stream: true },
				contentPath: 'delta.text',
				// message_start carries input (and cache read) tokens, message_delta the output tokens.
				usagePaths: ['message.usage', 'usage'],
				errorPath: 'error.message',
				doneEvent: 'message_stop',
			},
		},
		pricing: {
			model: 'claude-sonnet-4-20250514',
			inputPerMTok: 3,
			outputPerMTok: 15,
			cachedInputPerMTok: 0.3,
			// 5-minute cache writes: 1.25 × input.
			cacheWriteInputPerMTok: 3.75,
		},
		documentation:
			'Endpoint https://api.anthropic.com, path /v1/messages, headers "x-api-key: <key>" and "anthropic-version: 2023-06-01"; max_tokens is required. ' +
			'Streaming sends message_start / content_block_delta / message_delta / message_stop events. See https://docs.anthropic.com/en/api/messages',
		exampleResponse: {
			id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
			type: 'message',
			role: 'assistant',
			model: 'claude-sonnet-4-20250514',
			content: [{ type: 'text', text: 'Hello! How can I help you today?' }],
			stop_reason: 'end_turn',
			stop_sequence: null,
			usage: {
				input_tokens: 12,
				cache_creation_input_tokens: 0,
				cache_read_input_tokens: 0,
				output_tokens: 12,
				service_tier: 'standard',
			},
		},
	},
	{
		id: 'google-gemini',
		name: 'Google Gemini',
		description:
			'Gemini models via generateContent / streamGenerateContent, API key as the "key" query parameter.',
		icon: 'google',
		connectorType: 'HTTP_REST',
		defaultEndpoint: 'https://generativelanguage.googleapis.com',
		authType: 'API_KEY',
		authFields: [apiKeyField('API Key', 'AIza...')],
		authConfigDefaults: { queryParam: 'key' },
		requestTemplate: {
			messagePath: 'contents.0.parts.0.text',
			structure: { contents: [{ role: 'user', parts: [{ text: '' }] }] },
			variables: { model: 'gemini-2.0-flash' },
			historyPath: 'contents',
			historyFormat: 'gemini',
		},
		responseTemplate: {
			responsePath: 'candidates.0.content.parts.0.text',
			tokenUsagePath: 'usageMetadata',
			errorPath: 'error.message',
			transform: 'none',
		},
		protocolConfig: {
			method: 'POST',
			path: '/v1beta/models/{{model}}:generateContent',
			headers: {},
			stream: false,
			streaming: {
				format: 'sse',
				path: '/v1beta/models/{{model}}:streamGenerateContent',
				query: { alt: 'sse' },
				contentPath: 'candidates.0.content.parts.0.text',
				usagePaths: ['usageMetadata'],
				errorPath: 'error.message',
			},
		},
		pricing: {
			model: 'gemini-2.0-flash',
			inputPerMTok: 0.1,
			outputPerMTok: 0.4,
			cachedInputPerMTok: 0.025,
		},
		documentation:
			'Endpoint https://generativelanguage.googleapis.com, path /v1beta/models/{model}:generateContent with ?key=<API key>. ' +
			'The model is the "model" variable. Turns are sent in "contents" with roles user/model. Streaming uses :streamGenerateContent?alt=sse. ' +
			'See https://ai.google.dev/api/generate-content',
		exampleResponse: {
			candidates: [
				{
					content: { parts: [{ text: 'Hello! How can I help you today?' }], role: 'model' },
					finishReason: 'STOP',
					avgLogprobs: -0.0213,
				},
			],
			usageMetadata: {
				promptTokenCount: 5,
				candidatesTokenCount: 10,
				totalTokenCount: 15,
				promptTokensDetails: [{ modality: 'TEXT', tokenCount: 5 }],
			},
			modelVersion: 'gemini-2.0-flash',
			responseId: 'mNXgZ5GWOqSFm9IPr6mPyAU',
		},
	},
	{
		id: 'azure-openai',
		name: 'Azure OpenAI',
		description:
			'OpenAI models deployed on Azure: /openai/deployments/{deployment}/chat/completions with the api-key header.',
		icon: 'azure',
		connectorType: 'HTTP_REST',
		defaultEndpoint: 'https://YOUR-RESOURCE.openai.azure.com',
		authType: 'API_KEY',
		authFields: [apiKeyField('API Key', 'Azure OpenAI key')],
		authConfigDefaults: { headerName: 'api-key' },
		// The deployment, not the body, names the model on Azure.
		...openAiChat({ messages: [{ role: 'user', content: '' }] }, { deployment: 'gpt-4o' }),
		protocolConfig: {
			method: 'POST',
			path: '/openai/deployments/{{deployment}}/chat/completions',
			query: { 'api-version': '2024-10-21' },
			headers: {},
			stream: false,
			streaming: openAiStreaming,
		},
		pricing: { model: 'gpt-4o', inputPerMTok: 2.5, outputPerMTok: 10, cachedInputPerMTok: 1.25 },
		documentation:
			'Endpoint https://<resource>.openai.azure.com, path /openai/deployments/<deployment>/chat/completions?api-version=2024-10-21, header "api-key: <key>". ' +
			'The deployment name is the "deployment" variable. See https://learn.microsoft.com/azure/ai-services/openai/reference',
		exampleResponse: openAiExample('gpt-4o-2024-08-06'),
	},
	{
		id: 'ollama',
		name: 'Ollama',
		description: 'Local models served by Ollama via POST /api/chat.',
		icon: 'ollama',
		connectorType: 'HTTP_REST',
		defaultEndpoint: 'http://localhost:11434',
		authType: 'NONE',
		authFields: [],
		requestTemplate: {
			messagePath: 'messages.0.content',
			structure: { model: 'llama3.2', messages: [{ role: 'user', content: '' }], stream: false },
			variables: {},
			historyPath: 'messages',
			historyFormat: 'openai',
		},
		// Ollama reports usage at the top level (prompt_eval_count / eval_count).
		responseTemplate: {
			responsePath: 'message.content',
			tokenUsagePath: '$',
			errorPath: 'error',
			transform: 'none',
		},
		protocolConfig: {
			method: 'POST',
			path: '/api/chat',
			headers: {},
			stream: false,
			streaming: {
				format: 'ndjson',
				body: { stream: true },
				contentPath: 'message.content',
				usagePaths: ['$'],
				errorPath: 'error',
			},
		},
		pricing: { model: 'llama3.2', inputPerMTok: 0, outputPerMTok: 0, cachedInputPerMTok: 0 },
		documentation:
			'Endpoint http://localhost:11434, path /api/chat, no auth. Non-streamed with "stream": false; streaming sends NDJSON lines, ' +
			'the last one ("done": true) with prompt_eval_count and eval_count. See https://github.com/ollama/ollama/blob/main/docs/api.md',
		exampleResponse: {
			model: 'llama3.2',
			created_at: '2025-01-20T12:00:00.000000Z',
			message: { role: 'assistant', content: 'Hello! How can I help you today?' },
			done_reason: 'stop',
			done: true,
			total_duration: 4883583458,
			load_duration: 1334875,
			prompt_eval_count: 26,
			prompt_eval_duration: 342546000,
			eval_count: 10,
			eval_duration: 4535599000,
		},
	},
	{
		id: 'custom-http',
		name: 'Custom HTTP',
		description:
			'Any JSON-over-HTTP chatbot: set the path, the message path and where the reply and usage are.',
		icon: 'http',
		connectorType: 'HTTP_REST',
		defaultEndpoint: 'https://api.example.com',
		authType: 'BEARER_TOKEN',
		authFields: [tokenField('Bearer token', 'token')],
		requestTemplate: messageAndHistory(),
		responseTemplate: {
			responsePath: 'response',
			tokenUsagePath: 'usage',
			errorPath: 'error.message',
			transform: 'none',
		},
		protocolConfig: { method: 'POST', path: '/chat', headers: {}, stream: false },
		documentation:
			'POSTs {"message": "...", "history": [{"role","content"}...]} to endpoint + path and reads "response" and "usage" from the JSON reply. ' +
			'Adjust the paths to your API; both "$.a[0].b" and "a.0.b" styles work. Earlier turns go into "history" (historyPath).',
		exampleResponse: {
			response: 'Hello! How can I help you today?',
			usage: { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 },
		},
	},
	{
		id: 'custom-websocket',
		name: 'Custom WebSocket',
		description:
			'A chatbot over one WebSocket per conversation: JSON frames out, reply frames assembled until a done frame.',
		icon: 'websocket',
		connectorType: 'WEBSOCKET',
		defaultEndpoint: 'wss://chat.example.com',
		authType: 'BEARER_TOKEN',
		authFields: [tokenField('Bearer token', 'token')],
		requestTemplate: {
			messagePath: 'message',
			structure: { type: 'message', message: '' },
			variables: {},
		},
		responseTemplate: {
			responsePath: 'content',
			tokenUsagePath: 'usage',
			errorPath: 'error',
			transform: 'none',
		},
		protocolConfig: {
			path: '/ws',
			headers: {},
			frameFormat: 'json',
			// Reply frames are accumulated (content of each) until one has done === true.
			doneWhen: { path: 'done', equals: true },
		},
		documentation:
			'Opens one socket per conversation (auth headers on the upgrade, or protocolConfig.tokenQueryParam to send the token in the URL), ' +
			'sends the request template as a JSON frame and concatenates "content" from reply frames until a frame matches doneWhen. ' +
			'Without doneWhen the first frame with content is the reply. The server keeps the context, so no history is sent.',
		exampleResponse: {
			type: 'message',
			content: 'Hello! How can I help you today?',
			done: true,
			usage: { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 },
		},
	},
	{
		id: 'custom-grpc',
		name: 'Custom gRPC',
		description:
			'A gRPC chat service described by its .proto source: unary or server-streaming, deadline on every call.',
		icon: 'grpc',
		connectorType: 'GRPC',
		defaultEndpoint: 'localhost:50051',
		authType: 'NONE',
		authFields: [],
		requestTemplate: messageAndHistory(),
		responseTemplate: {
			responsePath: 'content',
			tokenUsagePath: 'usage',
			errorPath: 'error',
			transform: 'none',
		},
		protocolConfig: {
			protoSource: MOCK_CHAT_PROTO,
			service: 'krawall.mock.ChatService',
			method: 'Chat',
			tls: false,
			deadlineMs: 30000,
			metadata: {},
		},
		documentation:
			'Paste your .proto source into protocolConfig.protoSource and name the fully qualified service and method. ' +
			'Unary methods return one reply; server-streaming methods are concatenated (content of each message). ' +
			'Auth goes as call metadata; enable tls for grpcs endpoints. Endpoint is host:port.',
		exampleResponse: {
			content: 'Hello! How can I help you today?',
			done: true,
			usage: { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 },
		},
	},
	// Not in the reference's list of eight: an extension (SSE targets had no preset, issue 18).
	{
		id: 'custom-sse',
		name: 'Custom SSE',
		description:
			'A chatbot that answers with Server-Sent Events: each event carries a piece of the reply, usage in the last.',
		icon: 'sse',
		connectorType: 'SSE',
		defaultEndpoint: 'https://api.example.com',
		authType: 'BEARER_TOKEN',
		authFields: [tokenField('Bearer token', 'token')],
		requestTemplate: messageAndHistory(),
		// Most SSE chat endpoints (and the mock's POST /sse) send `data: {"content": "..."}`.
		responseTemplate: {
			responsePath: 'content',
			tokenUsagePath: 'usage',
			errorPath: 'error.message',
			transform: 'none',
		},
		protocolConfig: { method: 'POST', path: '/sse', headers: {}, doneMarker: '[DONE]' },
		documentation:
			'POSTs {"message": "...", "history": [...]} to endpoint + path and reads the reply from the event stream: ' +
			'"content" of each data event is concatenated (protocolConfig.contentPath, default the response path), ' +
			'usage is taken from "usage" in any event, and "data: [DONE]" (protocolConfig.doneMarker) ends it. ' +
			'Time to first token is measured at the first event with content.',
		exampleResponse: {
			content: 'Hello! How can I help you today?',
			done: true,
			usage: { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 },
		},
	},
]

export function findPreset(id: string): Preset | undefined {
	return PRESETS.find((p) => p.id === id)
}
