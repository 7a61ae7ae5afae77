/**
 * Session pipeline overhead: the same exchanges against the mock sent by the bare connector and
 * by a whole session (execute → queue → worker → engine → recorder: batched rows, JSONL, bus),
 * side by side. The ratio is what recording costs.
 *   bun bench/sessions.ts [conversations=500] [messages=4] [concurrency=10]
 *   DATABASE_URL=… REDIS_URL=… bun bench/sessions.ts   # Postgres + BullMQ
 */
import { eq } from 'drizzle-orm'
import { createConnector } from '../src/connectors/index'
import { sessions } from '../src/db/schema'
import { startMockServer } from '../src/mock/server'
import { findPreset } from '../src/presets/presets'
import { startWorkers } from '../src/worker'
import { createPresetTarget, MOCK_KEY } from '../test/helpers/mock-run'
import { call, createTestDeps } from '../test/helpers/deps'

const N = Number(process.argv[2] ?? 500)
const M = Number(process.argv[3] ?? 4)
const C = Number(process.argv[4] ?? 10)
const mock = await startMockServer({ port: 0, apiKey: MOCK_KEY, grpcPort: false })
const deps = await createTestDeps({ env: { LOG_LEVEL: 'warn' } })
const messages = Array.from({ length: M }, (_, i) => `Message ${i + 1}`)

const p = findPreset('openai-chat')!
const connector = createConnector({
	...p,
	endpoint: mock.url,
	authConfig: { token: MOCK_KEY },
	protocolConfig: { ...p.protocolConfig },
} as never)
let next = 0
let t0 = performance.now()
await Promise.all(
	Array.from({ length: C }, async () => {
		while (next++ < N) {
			const conv = await connector.open(new AbortController().signal)
			const history: { role: 'user' | 'assistant'; content: string }[] = []
			for (const m of messages) {
				const r = await conv.send(m, {
					history: history.slice(),
					signal: new AbortController().signal,
				})
				history.push({ role: 'user', content: m }, { role: 'assistant', content: r.content ?? '' })
			}
			await conv.close()
		}
	}),
)
const bare = (N * M) / ((performance.now() - t0) / 1000)
await connector.close()

const workers = startWorkers(deps)
const target = await createPresetTarget(deps, 'openai-chat', mock.url)
t0 = performance.now()
const r = await call(deps.app, 'POST', '/api/execute', {
	targetId: target.id,
	executionConfig: { customMessages: messages, repetitions: N, concurrency: C },
})
const id = r.json.data.sessionId
for (;;) {
	const [s] = await deps.db.select().from(sessions).where(eq(sessions.id, id))
	if (['COMPLETED', 'FAILED', 'CANCELLED'].includes(s.status)) break
	await Bun.sleep(20)
}
const full = (N * M) / ((performance.now() - t0) / 1000)
console.log(`${deps.database.kind}/${deps.queue.kind}: ${N}×${M} messages at concurrency ${C}`)
console.log(`bare connector   ${bare.toFixed(0)} msg/s`)
console.log(`whole session    ${full.toFixed(0)} msg/s  (ratio ${(full / bare).toFixed(2)})`)
await workers.close(2000)
await mock.stop()
await deps.close()
