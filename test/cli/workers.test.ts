import { describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { UsageError } from '../../src/cli/args'
import { parseRunArgs } from '../../src/cli/run-args'
import { sessionShards } from '../../src/db/schema'
import { useCliRun } from '../helpers/cli'
import { messageRows } from '../helpers/mock-run'

/**
 * `krawall run --workers N|auto` (`executionConfig.load.workers`, docs/architecture.md §4). In the
 * embedded mode the API accepts it and runs one shard, and so does the CLI, saying so; on BullMQ
 * (REDIS_URL set) the run is split into shards that this process's workers take.
 */
const cli = useCliRun()
const base = ['--target', 't', '--message', 'Hi']
const load = (...flags: string[]) => parseRunArgs([...base, ...flags]).load

describe('krawall run --workers', () => {
	test('parses into executionConfig.load.workers, alone or with a load model; bad values are usage errors', () => {
		expect(load('--workers', '2')).toEqual({ type: 'closed', workers: 2 })
		expect(load('--workers', 'auto', '--duration', '30s')).toEqual({
			type: 'closed',
			durationSec: 30,
			workers: 'auto',
		})
		expect(
			load('--rate', '20', '--duration', '1m', '--max-in-flight', '40', '--workers', '4'),
		).toEqual({
			type: 'arrival',
			rate: 20,
			durationSec: 60,
			maxInFlight: 40,
			workers: 4,
		})
		expect(load('--stages', '10s:5', '--workers', 'AUTO')).toEqual({
			type: 'stages',
			stages: [{ durationSec: 10, rate: 5 }],
			workers: 'auto',
		})
		for (const bad of ['0', '65', '2.5', 'many', '-1', ''])
			expect(() => load(`--workers=${bad}`)).toThrow(
				new UsageError(
					`--workers needs a whole number of shards from 1 to 64, or auto (got ${JSON.stringify(bad)})`,
				),
			)
		expect(parseRunArgs(['--help']).help).toBe(true)
	})

	test('--workers 2: every reply recorded once; embedded it is one shard and the CLI says so', async () => {
		cli.mock.resetStats()
		const r = await cli.run([
			...cli.preset('/persona/slow:20'),
			...[
				'--message',
				'Hi',
				'--repetitions',
				'4',
				'--concurrency',
				'2',
				'--workers',
				'2',
				'--json',
			],
		])
		expect(r.code).toBe(0)
		const session = JSON.parse(r.out)
		expect(session.status).toBe('COMPLETED')
		expect(session.executionConfig.load).toEqual({ type: 'closed', workers: 2 })
		const rows = await messageRows(cli.deps, session.id)
		expect(rows.length).toBe(4)
		expect(cli.mock.stats.requests).toBe(4)
		expect(session.summaryMetrics.totalMessages).toBe(4)
		const shards = await cli.deps.db
			.select()
			.from(sessionShards)
			.where(eq(sessionShards.sessionId, session.id))
			.orderBy(sessionShards.shardIndex)
		if (cli.deps.queue.kind === 'memory') {
			expect(r.err).toContain(
				'note: --workers 2: in the embedded mode (no REDIS_URL) the run is one shard',
			)
			expect(shards).toEqual([])
		} else {
			expect(r.err).not.toContain('note: --workers')
			expect(shards.map((x) => [x.status, x.messagesCompleted])).toEqual([
				['COMPLETED', 2],
				['COMPLETED', 2],
			])
			expect(session.summaryMetrics.loadGenerator.shards).toHaveLength(2)
		}
	}, 30_000)

	test("more shards than the run can give work: the API's 400 (exit 2), nothing sent", async () => {
		cli.mock.resetStats()
		const r = await cli.run([
			...cli.preset(),
			...['--message', 'Hi', '--repetitions', '4', '--concurrency', '2', '--workers', '3'],
		])
		expect(r.code).toBe(2)
		expect(r.err).toContain(
			'executionConfig.load.workers: 3 shards would leave some with nothing to run: at most 2',
		)
		expect(cli.mock.stats.requests).toBe(0)
	})
})
