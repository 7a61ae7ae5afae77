/**
 * Connector overhead against the mock: the same OpenAI exchange sent with bare fetch and through
 * createConnector (template, history, extraction, usage), side by side.
 *   bun bench/connectors.ts [messages=2000] [concurrency=50]
 */
import { createConnector } from '../src/connectors/index'
import { startMockServer } from '../src/mock/server'
import { findPreset } from '../src/presets/presets'

const N = Number(process.argv[2] ?? 2000)
const C = Number(process.argv[3] ?? 50)
const mock = await startMockServer({ grpcPort: false })
const p = findPreset('openai-chat')!
const spec = {
	...p,
	endpoint: mock.url,
	authConfig: { token: 'x' },
	protocolConfig: { ...p.protocolConfig },
} as never

async function run(label: string, one: (i: number) => Promise<unknown>) {
	let next = 0
	const t0 = performance.now()
	await Promise.all(
		Array.from({ length: C }, async () => {
			while (next < N) await one(next++)
		}),
	)
	const s = (performance.now() - t0) / 1000
	console.log(`${label.padEnd(22)} ${N} msgs in ${s.toFixed(2)} s = ${(N / s).toFixed(0)} msg/s`)
	return N / s
}

const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] })
const raw = await run('bare fetch + JSON', async () => {
	const r = await fetch(`${mock.url}/v1/chat/completions`, {
		method: 'POST',
		headers: { authorization: 'Bearer x', 'content-type': 'application/json' },
		body,
	})
	await r.json()
})
const connector = createConnector(spec)
const conv = await connector.open(new AbortController().signal)
const via = await run('createConnector', () =>
	conv.send('hello', { history: [], signal: new AbortController().signal, timeoutMs: 10_000 }),
)
console.log(`ratio connector/bare: ${(via / raw).toFixed(2)}`)
await mock.stop()
