import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { parseRunArgs } from '../../src/cli/run-args'
import { runHeadless } from '../../src/cli/run'
import { startMockServer, type MockServer } from '../../src/mock/server'
import { startWorkers } from '../../src/worker'
import { createTestDeps, type TestDeps } from '../helpers/deps'

/** `krawall run` end to end: real app services, real worker, the real mock chatbot. */
let deps: TestDeps
let mock: MockServer
let workers: ReturnType<typeof startWorkers>
beforeAll(async () => {
	deps = await createTestDeps()
	mock = await startMockServer({ grpcPort: false })
	workers = startWorkers(deps)
})
afterAll(async () => {
	await workers?.close(2000)
	await mock?.stop()
	await deps?.close()
})

const run = async (argv: string[], env: Record<string, string> = { KEY: 'sk-test-key-123456' }) => {
	let out = ''
	let err = ''
	const code = await runHeadless(
		deps,
		parseRunArgs(argv),
		{ out: (s) => void (out += s), err: (s) => void (err += s) },
		env,
	)
	return { code, out, err }
}

describe('krawall run', () => {
	test('runs a session from a preset against the mock and prints the summary; thresholds pass', async () => {
		mock.resetStats()
		const r = await run([
			'--preset',
			'openai-chat',
			'--endpoint',
			mock.url,
			'--api-key-env',
			'KEY',
			'--message',
			'Explain caching',
			'--message',
			'Again, longer',
			'--repetitions',
			'3',
			'--concurrency',
			'2',
			'--fail-on-error-rate',
			'0',
			'--fail-on-cost',
			'1',
		])
		expect(r.err).toContain('[COMPLETED] 6 messages · 0 errors')
		expect(r.code).toBe(0)
		expect(r.out).toContain('status                  COMPLETED')
		expect(r.out).toMatch(/tokens\s+\d+ \(\d+ in, \d+ out\)/)
		expect(r.out).toContain('rate limit              none met')
		expect(mock.stats.requests).toBe(6)
		expect(r.out + r.err).not.toContain('sk-test-key-123456')
	})

	test('a failed threshold exits 3 with a readable line; the same target is reused', async () => {
		const r = await run([
			'--preset',
			'openai-chat',
			'--endpoint',
			mock.url,
			'--api-key-env',
			'KEY',
			'--message',
			'hello',
			'--fail-on-cost',
			'0.0000001',
			'--expect-rate-limit',
		])
		expect(r.code).toBe(3)
		expect(r.err).toMatch(/threshold failed: cost \$0\.\d{6} exceeds \$0\.000000/)
		expect(r.err).toContain(
			'threshold failed: no rate limit met: the target answered all 1 messages without a 429',
		)
		const targets = await (
			await deps.app.handle(new Request('http://localhost/api/targets'))
		).json()
		expect(targets.data.filter((t: any) => t.name.startsWith('cli: openai-chat')).length).toBe(1)
	})

	test('--expect-rate-limit passes when the target pushes back', async () => {
		const r = await run([
			'--preset',
			'openai-chat',
			'--endpoint',
			`${mock.url}/persona/rate-limited:2:0`,
			'--api-key-env',
			'KEY',
			'--message',
			'one',
			'--message',
			'two',
			'--message',
			'three',
			'--expect-rate-limit',
			'--json',
		])
		expect(r.code).toBe(0)
		const session = JSON.parse(r.out)
		expect(session.status).toBe('COMPLETED')
		expect(session.summaryMetrics.rateLimit.limitMet).toBe(true)
		expect(session.summaryMetrics.rateLimit.events).toBeGreaterThanOrEqual(1)
	})

	test('bad input: unknown target, missing message source, invalid numbers', async () => {
		expect(() => parseRunArgs(['--target', 'x'])).toThrow(
			'exactly one of --scenario, --template or --message',
		)
		expect(() => parseRunArgs(['--message', 'x'])).toThrow('exactly one of --target or --preset')
		expect(() =>
			parseRunArgs(['--target', 'x', '--message', 'y', '--repetitions', 'many']),
		).toThrow('--repetitions needs an integer')
		expect(() => parseRunArgs(['--target', 'x', '--message', 'y', '--bogus'])).toThrow()
		await expect(run(['--target', 'nope', '--message', 'x'])).rejects.toThrow(
			'no target with id or name "nope"',
		)
	})

	test('the command line: usage errors exit 2', () => {
		const r = Bun.spawnSync(
			['bun', join(import.meta.dir, '../../src/main.ts'), 'run', '--target'],
			{ env: { PATH: process.env.PATH ?? '' } },
		)
		expect(r.exitCode).toBe(2)
		expect(r.stderr.toString()).toContain('krawall run')
	})
})
