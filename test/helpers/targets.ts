import { sessions } from '../../src/db/schema'
import type { TestDeps } from './deps'
import { unrunSnapshot } from './seed'

/** A valid create body (OpenAI-shaped); override any field. */
export const targetBody = (over: Record<string, unknown> = {}) => ({
	name: 'My Chatbot',
	description: 'Production chatbot API',
	connectorType: 'HTTP_REST',
	endpoint: 'https://api.example.com/chat',
	authType: 'BEARER_TOKEN',
	authConfig: { token: 'your-api-token-1' },
	requestTemplate: {
		messagePath: '$.messages[0].content',
		structure: { model: 'gpt-4', messages: [{ role: 'user', content: '' }] },
		variables: {},
	},
	responseTemplate: {
		responsePath: '$.choices[0].message.content',
		tokenUsagePath: '$.usage',
		errorPath: '$.error.message',
		transform: 'none',
	},
	...over,
})

/** Sessions belong to engineer F; a bare row is enough to exercise the delete refusal and counts. */
export async function insertSession(deps: TestDeps, targetId: string) {
	await deps.db.insert(sessions).values({ targetId, executionConfig: unrunSnapshot() })
}
