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

	test('--template rate-limit-probe --expect-rate-limit: passes against a limited target (429s retried to success), fails against an unlimited one', async () => {
		// Each conversation's first request gets a 429, which the template retries politely (after
		// 1 s); a token budget ends the probe early.
		const probe = (endpoint: string) =>
			run([
				'--preset',
				'openai-chat',
				'--endpoint',
				endpoint,
				'--api-key-env',
				'KEY',
				'--template',
				'rate-limit-probe',
				'--repetitions',
				'1',
				'--concurrency',
				'1',
				'--max-tokens',
				'150',
				'--expect-rate-limit',
				'--json',
			])
		mock.resetStats()
		const limited = await probe(`${mock.url}/persona/limit-conversation:1`)
		expect(limited.code).toBe(0)
		const m = JSON.parse(limited.out).summaryMetrics
		expect(mock.stats.rateLimited).toBe(1)
		// The retry succeeded, so no message failed, yet the limit is reported.
		expect(m.failedMessages).toBe(0)
		expect(m.rateLimit).toMatchObject({
			events: 1,
			limitMet: true,
			firstAtMessage: 1,
			firstAtRequest: 1,
			messagesBeforeFirst: 0,
		})
		expect(m.requestsSent).toBe(mock.stats.requests)
		expect(m.retries).toBe(1)
		mock.resetStats()
		const open = await probe(mock.url)
		expect(open.code).toBe(3)
		expect(mock.stats.rateLimited).toBe(0)
		expect(open.err).toContain('threshold failed: no rate limit met')
		expect(JSON.parse(open.out).summaryMetrics.rateLimit.limitMet).toBe(false)
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
