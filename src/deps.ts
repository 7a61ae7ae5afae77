import { newId } from './ids'
import { createMemoryBus } from './bus/memory'
import type { Bus } from './bus/types'
import { systemClock, type Clock } from './clock'
import type { Config } from './config'
import { openDatabase, type Database, type Db } from './db/client'
import { migrate } from './db/migrate'
import { createLogger, type Logger } from './log'
import { createMemoryQueue } from './queue/memory'
import type { Queue } from './queue/types'
import { createSecrets, resolveEncryptionKey, type Secrets } from './secrets/crypto'

/** Everything services, routes and workers depend on; built once per process (or per test). */
export interface Deps {
	config: Config
	database: Database
	db: Db
	queue: Queue
	bus: Bus
	secrets: Secrets
	clock: Clock
	log: Logger
	/** Identifies this process as a session owner (heartbeats, worker-loss detection). */
	workerId: string
	close(): Promise<void>
}

export type DepsOverrides = Partial<
	Pick<Deps, 'database' | 'queue' | 'bus' | 'clock' | 'log' | 'secrets'>
>

/** Closes each resource in turn, each bounded in time, never throwing. */
export async function closeAll(
	steps: [string, () => Promise<unknown>][],
	log: Logger,
	timeoutMs = 5000,
) {
	for (const [name, close] of steps) {
		let timer: ReturnType<typeof setTimeout> | undefined
		try {
			await Promise.race([
				close(),
				new Promise((_, reject) => {
					timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs)
				}),
			])
		} catch (e) {
			log.warn(`closing ${name} failed`, { error: e })
		} finally {
			clearTimeout(timer)
		}
	}
}

export async function createDeps(config: Config, overrides: DepsOverrides = {}): Promise<Deps> {
	const log = overrides.log ?? createLogger(config.logLevel)
	const secrets =
		overrides.secrets ??
		createSecrets(
			resolveEncryptionKey({
				configured: config.encryptionKey,
				dataDir: config.dataDir,
				embedded: !config.databaseUrl,
			}),
		)
	const database = overrides.database ?? (await openDatabase(config))
	if (!overrides.database) await migrate(database)
	const stall = {
		log,
		prefix: config.redisPrefix,
		lockDurationMs: config.workerStallMs,
		stalledIntervalMs: config.workerStallMs,
	}
	// BullMQ and ioredis are loaded only when Redis is configured: the embedded mode never runs
	// them, and loading them costs start-up time and memory (bench/README.md "start-up").
	const queue =
		overrides.queue ??
		(config.redisUrl
			? (await import('./queue/bullmq')).createBullmqQueue(config.redisUrl, stall)
			: createMemoryQueue({ log }))
	const bus =
		overrides.bus ??
		(config.redisUrl
			? (await import('./bus/redis')).createRedisBus(config.redisUrl, {
					log,
					prefix: config.redisPrefix,
				})
			: createMemoryBus())
	return {
		config,
		database,
		db: database.db,
		queue,
		bus,
		secrets,
		clock: overrides.clock ?? systemClock,
		log,
		workerId: `${process.pid}-${newId().slice(0, 8)}`,
		async close() {
			await closeAll(
				[
					['queue', () => queue.close()],
					['bus', () => bus.close()],
					['database', () => database.close()],
				],
				log,
			)
		},
	}
}
