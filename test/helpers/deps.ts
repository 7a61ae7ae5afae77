import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp } from '../../src/app'
import { createMemoryBus } from '../../src/bus/memory'
import { createRedisBus } from '../../src/bus/redis'
import { loadConfig, type Config } from '../../src/config'
import { createDeps, type Deps, type DepsOverrides } from '../../src/deps'
import { createLogger } from '../../src/log'
import { createBullmqQueue } from '../../src/queue/bullmq'
import { createMemoryQueue } from '../../src/queue/memory'
import { createSecrets } from '../../src/secrets/crypto'
import { createTestDatabase, testDatabaseUrl } from './db'

export const testRedisUrl = () => process.env.REDIS_URL || undefined
export const uniquePrefix = () => `krawall-test-${process.pid}-${randomBytes(4).toString('hex')}`

export type TestDeps = Deps & {
	app: ReturnType<typeof createApp>
	/** Every log line written, to assert that secrets never reach a log. */
	logs: string[]
	key: Uint8Array
}

/**
 * The real dependencies on a fresh database: PGlite + in-process queue by default, Postgres +
 * BullMQ + Redis pub/sub when DATABASE_URL / REDIS_URL are set (as CI does).
 */
export async function createTestDeps(
	opts: { env?: Record<string, string>; overrides?: DepsOverrides } = {},
): Promise<TestDeps> {
	const dataDir = mkdtempSync(join(tmpdir(), 'krawall-test-'))
	const redisUrl = testRedisUrl()
	const key = Uint8Array.from(randomBytes(32))
	const config: Config = loadConfig({
		KRAWALL_DATA_DIR: dataDir,
		LOG_LEVEL: 'debug',
		DATABASE_URL: testDatabaseUrl(),
		REDIS_URL: redisUrl,
		KRAWALL_ENCRYPTION_KEY: Buffer.from(key).toString('base64'),
		...opts.env,
	})
	const logs: string[] = []
	const prefix = uniquePrefix()
	const log = createLogger('debug', {}, (line) => logs.push(line))
	const deps = await createDeps(config, {
		database: await createTestDatabase(),
		log,
		secrets: createSecrets(key),
		queue: redisUrl ? createBullmqQueue(redisUrl, { log, prefix }) : createMemoryQueue({ log }),
		bus: redisUrl ? createRedisBus(redisUrl, { log, prefix }) : createMemoryBus(),
		...opts.overrides,
	})
	return Object.assign(deps, { app: createApp(deps), logs, key })
}

/** `app.handle` with a JSON body and the usual headers. */
export async function call(
	app: { handle(r: Request): Promise<Response> },
	method: string,
	path: string,
	body?: unknown,
	headers: Record<string, string> = {},
) {
	const init: RequestInit = { method, headers: { ...headers } }
	if (body !== undefined) {
		init.body = typeof body === 'string' ? body : JSON.stringify(body)
		;(init.headers as Record<string, string>)['content-type'] ??= 'application/json'
	}
	const res = await app.handle(new Request(`http://localhost${path}`, init))
	const text = await res.text()
	let json: any
	try {
		json = JSON.parse(text)
	} catch {
		json = undefined
	}
	return { status: res.status, headers: res.headers, text, json }
}

/** A form post, as a browser or htmx sends it. */
export function form(
	app: { handle(r: Request): Promise<Response> },
	path: string,
	fields: Record<string, string> | [string, string][],
	opts: { htmx?: boolean; method?: string } = {},
) {
	const body = new URLSearchParams(fields as any).toString()
	const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
	// As the browser sends them: htmx marks its requests; a plain form navigation asks for HTML.
	if (opts.htmx) headers['hx-request'] = 'true'
	else headers.accept = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'
	return call(app, opts.method ?? 'POST', path, body, headers)
}
