import { expect, test } from 'bun:test'
import { join } from 'node:path'

/**
 * What a serving process loads at start (bench/README.md "start-up"): gRPC (@grpc/grpc-js,
 * proto-loader, protobufjs) only with the first gRPC target, BullMQ and ioredis only with
 * REDIS_URL. A fresh process imports what src/main.ts imports, builds the embedded deps and the
 * app, and reports which of those modules its loader holds; then validates and opens a gRPC
 * target's connector, which loads them. (The connector itself: test/connectors/grpc.test.ts.)
 */
const root = join(import.meta.dir, '../..')
const probe = `
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
const heavy = () =>
	[...new Set(Object.keys(require.cache).flatMap((k) =>
		/node_modules\\/(@grpc\\/grpc-js|@grpc\\/proto-loader|protobufjs|bullmq|ioredis)\\//.exec(k)?.[1] ?? []))].sort()
// Everything src/main.ts imports (it runs on import, so not itself).
for (const m of ['cli/args', 'cli/run', 'cli/run-args', 'cli/assess', 'schedules/runner', 'execution/sweep'])
	await import(\`./src/\${m}\`)
const { createApp } = await import('./src/app')
const { createDeps } = await import('./src/deps')
const { startWorkers } = await import('./src/worker')
const { loadConfig } = await import('./src/config')
const { createLogger } = await import('./src/log')
const env = { KRAWALL_DATA_DIR: join(mkdtempSync(join(tmpdir(), 'krawall-lazy-')), 'data'), PORT: '0' }
const deps = await createDeps(loadConfig(env), { log: createLogger('error') })
const workers = startWorkers(deps)
await createApp(deps).handle(new Request('http://127.0.0.1/api/health'))
const atStart = heavy()
const { validateProtocolConfig } = await import('./src/connectors/protocol-config')
const protoSource = 'syntax = "proto3"; service Chat { rpc Send (Msg) returns (Msg); } message Msg { string text = 1; }'
const problems = validateProtocolConfig('GRPC', { protoSource, service: 'Chat', method: 'Nope' })
const { createConnector } = await import('./src/connectors')
const connector = createConnector({
	connectorType: 'GRPC', endpoint: 'grpc://127.0.0.1:1', authType: 'NONE', authConfig: {},
	requestTemplate: { messageField: 'text' }, responseTemplate: { responsePath: 'text' },
	protocolConfig: { protoSource, service: 'Chat', method: 'Send' },
} as never)
await connector.close()
console.log(JSON.stringify({ atStart, problems: problems.map((p) => p.path), after: heavy() }))
await workers.close(1000)
await deps.close()
process.exit(0)
`

test('a serving process loads gRPC with the first gRPC target and BullMQ only with Redis', async () => {
	const proc = Bun.spawn(['bun', '-e', probe], {
		cwd: root,
		env: { PATH: process.env.PATH ?? '' },
		stdout: 'pipe',
		stderr: 'pipe',
	})
	const [out, err, code] = await Promise.all([
		new Response(proc.stdout).text(),
		new Response(proc.stderr).text(),
		proc.exited,
	])
	expect(err).not.toContain('error')
	expect(code).toBe(0)
	const r = JSON.parse(out.trim().split('\n').at(-1)!)
	expect(r.atStart).toEqual([])
	// Validation still finds what the .proto source lacks, loading protobufjs to do it.
	expect(r.problems).toEqual([['method']])
	expect(r.after).toEqual(['@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs'])
}, 60_000)
