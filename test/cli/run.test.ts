import { describe, expect, test } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseRunArgs } from '../../src/cli/run-args'
import { useCliRun } from '../helpers/cli'
import { MOCK_KEY } from '../helpers/mock-run'

/** `krawall run` end to end: real app services, real worker, the real mock chatbot (checking its key). */
const ctx = useCliRun()
const { run, preset } = ctx

describe('krawall run', () => {
	test('runs a session from a preset against the mock and prints the summary; thresholds pass', async () => {
		ctx.mock.resetStats()
		const r = await run([
			'--preset',
			'openai-chat',
			'--endpoint',
			ctx.mock.url,
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
		expect(ctx.mock.stats.requests).toBe(6)
		expect(r.out + r.err).not.toContain(MOCK_KEY)
	})

	test('a failed threshold exits 3 with a readable line; the same target is reused', async () => {
		const r = await run([
			'--preset',
			'openai-chat',
			'--endpoint',
			ctx.mock.url,
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
			await ctx.deps.app.handle(new Request('http://localhost/api/targets'))
		).json()
		expect(targets.data.filter((t: any) => t.name.startsWith('cli: openai-chat')).length).toBe(1)
	})

	test('--expect-rate-limit passes when the target pushes back', async () => {
		const r = await run([
			'--preset',
			'openai-chat',
			'--endpoint',
			`${ctx.mock.url}/persona/rate-limited:2:0`,
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
		ctx.mock.resetStats()
		const limited = await probe(`${ctx.mock.url}/persona/limit-conversation:1`)
		expect(limited.code).toBe(0)
		const m = JSON.parse(limited.out).summaryMetrics
		expect(ctx.mock.stats.rateLimited).toBe(1)
		// The retry succeeded, so no message failed, yet the limit is reported.
		expect(m.failedMessages).toBe(0)
		expect(m.rateLimit).toMatchObject({
			events: 1,
			limitMet: true,
			firstAtMessage: 1,
			firstAtRequest: 1,
			messagesBeforeFirst: 0,
		})
		expect(m.requestsSent).toBe(ctx.mock.stats.requests)
		expect(m.retries).toBe(1)
		ctx.mock.resetStats()
		const open = await probe(ctx.mock.url)
		expect(open.code).toBe(3)
		expect(ctx.mock.stats.rateLimited).toBe(0)
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

describe('krawall run: failure is visible', () => {
	test('every message failing exits 1 by default, with the errors by type and ✓/✗ per threshold', async () => {
		ctx.mock.resetStats()
		const r = await run([...preset('/persona/error:500'), '--message', 'one', '--message', 'two'])
		expect(r.code).toBe(1)
		expect(r.err).toContain(
			'session failed: every message failed (2 of 2; --allow-errors to accept)',
		)
		expect(r.out).toMatch(/errors by type\s+http_error 2\n/)
		expect(r.out).toContain('  ✗ every message failed (2 of 2; --allow-errors to accept)')
		expect(r.out).toContain('  ✓ no auth errors')
		// Every failed message was one the mock answered with 500.
		expect(ctx.mock.stats.requests).toBeGreaterThanOrEqual(2)
	})

	test('--allow-errors accepts a run where every message failed (exit 0)', async () => {
		const r = await run([...preset('/persona/error:500'), '--message', 'one', '--allow-errors'])
		expect(r.code).toBe(0)
		expect(r.out).toMatch(/errors by type\s+http_error 1\n/)
		expect(r.out).not.toContain('thresholds')
	})

	test('an auth error exits 1 and says the target refused the credentials', async () => {
		const r = await run([...preset('/persona/error:401'), '--message', 'one'])
		expect(r.code).toBe(1)
		expect(r.err).toContain(
			'session failed: 1 auth error(s): the target refused the credentials (--allow-errors to accept)',
		)
		expect(r.out).toMatch(/errors by type\s+auth_error 1\n/)
	})

	test('--json carries each threshold verdict with its limit and the measured value', async () => {
		const r = await run([
			...preset(),
			'--message',
			'hello',
			'--message',
			'again',
			'--fail-on-error-rate',
			'0',
			'--fail-on-cost',
			'0.0000001',
			'--json',
		])
		expect(r.code).toBe(3)
		const session = JSON.parse(r.out)
		const by = Object.fromEntries(session.thresholds.map((v: any) => [v.name, v]))
		expect(Object.keys(by)).toEqual([
			'notEveryMessageFailed',
			'noAuthErrors',
			'errorRate',
			'totalCostUsd',
		])
		expect(by.notEveryMessageFailed).toMatchObject({ passed: true, builtIn: true, actual: true })
		expect(by.noAuthErrors).toMatchObject({ passed: true, limit: 0, actual: 0 })
		expect(by.errorRate).toMatchObject({ passed: true, limit: 0, actual: 0, builtIn: false })
		expect(by.totalCostUsd.passed).toBe(false)
		expect(by.totalCostUsd.limit).toBe(0.0000001)
		expect(by.totalCostUsd.actual).toBe(session.summaryMetrics.totalCostUsd)
		expect(session.summaryMetrics.totalCostUsd).toBeGreaterThan(0)
	})
})

test('the command line: every message failing exits 1, --allow-errors exits 0', async () => {
	const main = join(import.meta.dir, '../../src/main.ts')
	const dataDir = mkdtempSync(join(tmpdir(), 'krawall-run-'))
	const argv = [...preset('/persona/error:500'), '--message', 'one']
	const spawn = async (extra: string[]) => {
		const p = Bun.spawn(['bun', main, 'run', ...argv, ...extra], {
			env: { PATH: process.env.PATH ?? '', KEY: MOCK_KEY, KRAWALL_DATA_DIR: dataDir },
			stdout: 'pipe',
			stderr: 'pipe',
		})
		const [code, out, err] = await Promise.all([
			p.exited,
			new Response(p.stdout).text(),
			new Response(p.stderr).text(),
		])
		return { code, out, err }
	}
	const failed = await spawn([])
	expect(failed.code).toBe(1)
	expect(failed.err).toContain('session failed: every message failed (1 of 1')
	expect(failed.err).not.toContain('\r')
	expect(failed.out).toMatch(/errors by type\s+http_error 1\n/)
	const allowed = await spawn(['--allow-errors'])
	expect(allowed.code).toBe(0)
}, 120_000)

describe('krawall run: messages a first-time user reads', () => {
	test('a preset without --api-key-env names the flag to pass', async () => {
		await expect(
			run(['--preset', 'openai-chat', '--endpoint', ctx.mock.url, '--message', 'hi']),
		).rejects.toThrow(
			'the openai-chat preset needs an API key: pass --api-key-env NAME (the variable holding the key)',
		)
		await expect(run([...preset(), '--message', 'hi'], {})).rejects.toThrow(
			'KEY is not set: export the key in it, or pass --api-key-env NAME (the variable holding the key)',
		)
	})

	test('overrides have the API limits: --concurrency 100000 is refused like POST /api/execute refuses it', async () => {
		expect(() => parseRunArgs([...preset(), '--message', 'x', '--concurrency', '100000'])).toThrow(
			'--concurrency must be 1-10 (got 100000); POST /api/execute has the same limit',
		)
		expect(() => parseRunArgs([...preset(), '--message', 'x', '--repetitions', '1001'])).toThrow(
			'--repetitions must be 1-1000 (got 1001)',
		)
		expect(() => parseRunArgs([...preset(), '--message', 'x', '--delay-ms', '60001'])).toThrow(
			'--delay-ms must be 0-60000 (got 60001)',
		)
		expect(() => parseRunArgs([...preset(), '--message', 'x', '--max-cost', '0'])).toThrow(
			'--max-cost must be > 0 (got 0)',
		)
		// The API refuses the same value.
		const targets = await (
			await ctx.deps.app.handle(new Request('http://localhost/api/targets'))
		).json()
		const api = await ctx.deps.app.handle(
			new Request('http://localhost/api/execute', {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({
					targetId: targets.data[0].id,
					executionConfig: { customMessages: ['x'], concurrency: 100000 },
				}),
			}),
		)
		expect(api.status).toBe(400)
		expect(parseRunArgs([...preset(), '--message', 'x', '--concurrency', '10']).concurrency).toBe(
			10,
		)
	})

	test('--template reuses the scenario it stored on the first run', async () => {
		const argv = [...preset(), '--template', 'edge-cases', '--repetitions', '1', '--delay-ms', '0']
		expect((await run(argv)).code).toBe(0)
		expect((await run(argv)).code).toBe(0)
		const list = await (
			await ctx.deps.app.handle(new Request('http://localhost/api/scenarios'))
		).json()
		const copies = list.data.filter((s: any) => s.name === 'cli: template edge-cases')
		expect(copies.length).toBe(1)
		expect(list.data.filter((s: any) => s.name === 'Edge-case inputs').length).toBe(0)
	})

	test('while it runs, the progress line shows the current rate, p95, errors and $/min', async () => {
		ctx.mock.resetStats()
		// 10 messages of 250–350 ms, one after the other: about 3 s, so seconds close while it runs.
		const messages = Array.from({ length: 10 }, (_, i) => ['--message', `m${i}`]).flat()
		const r = await run([...preset('/persona/slow:250-350'), ...messages], undefined, true)
		expect(r.code).toBe(0)
		expect(ctx.mock.stats.requests).toBe(10)
		const pace = r.err.match(
			/\| now ([\d.]+)\/s · p95 ([\d.]+) ms · ([\d.]+) errors\/s · \$([\d.]+)\/min/,
		)
		expect(pace).not.toBeNull()
		// One message at a time, 250–350 ms each: 2–5 a second; replies take 250–350 ms (±1 %).
		expect(Number(pace![1])).toBeGreaterThan(0)
		expect(Number(pace![1])).toBeLessThanOrEqual(5)
		expect(Number(pace![2])).toBeGreaterThanOrEqual(247)
		expect(Number(pace![2])).toBeLessThanOrEqual(360)
		expect(Number(pace![3])).toBe(0)
		expect(Number(pace![4])).toBeGreaterThan(0)
		// The final line is the run's totals only.
		expect(r.err).toMatch(/\[COMPLETED\] 10 messages · 0 errors[^|\n]*\n$/)
	})

	test('on a terminal, progress is one line updated in place; otherwise plain lines', async () => {
		const tty = await run(
			[...preset('/persona/slow:300'), '--message', 'a', '--message', 'b'],
			undefined,
			true,
		)
		expect(tty.code).toBe(0)
		const progress = tty.err.slice(tty.err.indexOf('queued\n') + 7)
		expect(progress).toStartWith('\r\x1b[K[')
		// Only the final progress update ends the line.
		expect(progress.split('\n').filter(Boolean)).toHaveLength(1)
		expect(progress).toMatch(/\r\x1b\[K\[COMPLETED\] 2 messages · 0 errors[^\n]*\n$/)
		expect(progress.split('\r\x1b[K').length).toBeGreaterThan(2)
		const plain = await run([...preset('/persona/slow:300'), '--message', 'a', '--message', 'b'])
		expect(plain.err).not.toContain('\r')
		expect(plain.err).toContain('[COMPLETED] 2 messages · 0 errors')
		expect(plain.out).toContain('  ✓ no auth errors')
	})
})
