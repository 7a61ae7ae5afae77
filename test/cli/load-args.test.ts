import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { UsageError } from '../../src/cli/args'
import { parseDuration } from '../../src/cli/load-args'
import { runHeadless } from '../../src/cli/run'
import { parseRunArgs } from '../../src/cli/run-args'
import { startMockServer, type MockServer } from '../../src/mock/server'
import { startWorkers } from '../../src/worker'
import { createTestDeps, type TestDeps } from '../helpers/deps'

const base = ['--target', 't', '--message', 'Hi']
const load = (...flags: string[]) => parseRunArgs([...base, ...flags]).load

describe('krawall run load flags', () => {
	test('--rate, --duration, --max-in-flight, --poisson, --stages parse into executionConfig.load', () => {
		expect(load()).toBeUndefined()
		expect(load('--rate', '20', '--duration', '5m', '--max-in-flight', '50')).toEqual({
			type: 'arrival',
			rate: 20,
			durationSec: 300,
			maxInFlight: 50,
		})
		expect(load('--rate', '2.5', '--duration', '1m30s', '--poisson')).toEqual({
			type: 'arrival',
			rate: 2.5,
			durationSec: 90,
			maxInFlight: 1000,
			distribution: 'poisson',
		})
		expect(load('--stages', '30s:5,2m:20,30s:0')).toEqual({
			type: 'stages',
			stages: [
				{ durationSec: 30, rate: 5 },
				{ durationSec: 120, rate: 20 },
				{ durationSec: 30, rate: 0 },
			],
		})
		expect(load('--stages', '10s:5c,1h:50c')).toEqual({
			type: 'stages',
			stages: [
				{ durationSec: 10, concurrency: 5 },
				{ durationSec: 3600, concurrency: 50 },
			],
		})
		expect(load('--duration', '45s', '--concurrency', '3')).toEqual({
			type: 'closed',
			durationSec: 45,
		})
		expect(parseDuration('duration', '500ms')).toBe(0.5)
		expect(parseDuration('duration', '90')).toBe(90)
	})

	test('bad load flags are usage errors (exit 2) that say what is wrong', () => {
		const cases: [string[], RegExp][] = [
			[['--rate', '20'], /--rate needs --duration/],
			[['--rate=-3', '--duration', '1m'], /--rate needs conversations per second > 0/],
			[['--rate', '5', '--duration', '5 minutes'], /--duration needs a duration such as 90s/],
			[['--rate', '5', '--duration', '0s'], /--duration must be longer than 0/],
			[['--stages', '30s'], /each stage is DURATION:RATE/],
			[['--stages', '30s:5,1m:5c'], /all stages are rates, or all concurrencies/],
			[['--stages', '30s:2.5c'], /a concurrency is a whole number/],
			[['--stages', '30s:5', '--rate', '3'], /drop --rate and --duration/],
			[['--max-in-flight', '10'], /--max-in-flight needs --rate or --stages/],
			[
				['--rate', '5', '--duration', '1m', '--max-in-flight', '0'],
				/--max-in-flight needs an integer ≥ 1/,
			],
			[['--stages', '1m:5', '--poisson'], /--poisson goes with --rate/],
		]
		for (const [flags, message] of cases) {
			let error: unknown
			try {
				load(...flags)
			} catch (e) {
				error = e
			}
			expect(error).toBeInstanceOf(UsageError)
			expect({ flags, message: (error as Error).message }).toEqual({
				flags,
				message: expect.stringMatching(message),
			})
		}
	})
})

describe('krawall run with a load model, against the mock', () => {
	let deps: TestDeps
	let mock: MockServer
	let workers: ReturnType<typeof startWorkers>
	beforeAll(async () => {
		deps = await createTestDeps({ env: { KRAWALL_MAX_LOAD_DURATION_SEC: '30' } })
		mock = await startMockServer({ grpcPort: false })
		workers = startWorkers(deps)
	})
	afterAll(async () => {
		await workers?.close(2000)
		await mock?.stop()
		await deps?.close()
	})
	const run = async (flags: string[]) => {
		let out = ''
		let err = ''
		const argv = [
			...['--preset', 'openai-chat', '--endpoint', `${mock.url}/persona/slow:20`],
			...['--api-key-env', 'KEY', '--message', 'Hi', ...flags],
		]
		const code = await runHeadless(
			deps,
			parseRunArgs(argv),
			{ out: (s) => void (out += s), err: (s) => void (err += s), tty: false },
			{ KEY: 'sk-test-key-123456' },
		)
		return { code, out, err }
	}

	test('--rate 10 --duration 1s: ten conversations, the load model and scheduled-time latency in the summary', async () => {
		mock.resetStats()
		const r = await run(['--rate', '10', '--duration', '1s', '--max-in-flight', '20'])
		expect(r.code).toBe(0)
		expect(mock.stats.requests).toBe(10)
		const text = r.out + r.err
		expect(text).toContain('load model')
		expect(text).toContain(
			'arrival 10.00/s for 1.0 s (constant, at most 20 in flight) · 10 started, 0 dropped',
		)
		expect(text).toMatch(/latency from schedule\s+p50 [\d.]+ · p95 [\d.]+ · p99 [\d.]+ ms/)
		expect(text).toMatch(/service time\s+p50 [\d.]+/)
	}, 15_000)

	test('a duration over KRAWALL_MAX_LOAD_DURATION_SEC is refused before anything is sent (exit 2)', async () => {
		mock.resetStats()
		const r = await run(['--rate', '1', '--duration', '31s'])
		expect(r.code).toBe(2)
		expect(r.err).toContain(
			'executionConfig.load.durationSec: The load model lasts 31 s; at most 30 s',
		)
		expect(mock.stats.requests).toBe(0)
	})
})
