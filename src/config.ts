import { Type as T, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { DEFAULT_MAX_REPLY_BYTES } from './connectors/errors'
import { BUILTIN_DENY_LIST, denyEntryProblem, effectiveDenyList } from './security/deny-list'

/**
 * Configuration is read once, at start, from the environment and passed down.
 * Nothing else reads `process.env` (docs/architecture.md §1).
 */
const ConfigSchema = T.Object({
	port: T.Integer({ minimum: 0, maximum: 65535 }),
	host: T.String({ minLength: 1 }),
	databaseUrl: T.Optional(T.String()),
	dataDir: T.String({ minLength: 1 }),
	redisUrl: T.Optional(T.String()),
	encryptionKey: T.Optional(T.String()),
	workerConcurrency: T.Integer({ minimum: 1, maximum: 1000 }),
	logLevel: T.Union([
		T.Literal('debug'),
		T.Literal('info'),
		T.Literal('warn'),
		T.Literal('error'),
		T.Literal('silent'),
	]),
	apiToken: T.Optional(T.String({ minLength: 8 })),
	/** The outbound deny list in force: the built-in entries plus KRAWALL_URL_DENYLIST's (src/security/deny-list.ts). */
	urlDenyList: T.Array(T.String()),
	/** How long a silent worker keeps its session before it counts as lost (BullMQ lock + stall check, heartbeat staleness). */
	workerStallMs: T.Integer({ minimum: 200, maximum: 600_000 }),
	/** How long the recorder keeps retrying an unreachable database before the session fails (docs/architecture.md §4). */
	dbOutageMs: T.Integer({ minimum: 100, maximum: 3_600_000 }),
	/** Period of the sweep every server and worker runs: lost workers, vanished jobs, spooled rows (docs/architecture.md §4). */
	sweepMs: T.Integer({ minimum: 50, maximum: 3_600_000 }),
	/** Redis key prefix for the queue and the bus (tests isolate runs with their own). */
	redisPrefix: T.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' }),
	/** The largest request body accepted; larger is a 413 before parsing (docs/architecture.md §8). */
	maxBodyBytes: T.Integer({ minimum: 1024, maximum: 1_073_741_824 }),
	/** Host names the server answers to besides loopback and its bind address; `*` = any (docs/architecture.md §8). */
	allowedHosts: T.Array(T.String({ minLength: 1 })),
	/** The dashboard cookie is `Secure` over HTTPS; `true` forces it (TLS terminated elsewhere). */
	secureCookie: T.Boolean(),
	/** The largest reply a connector holds; larger is a `response_too_large` message error (docs/architecture.md §4). */
	maxReplyBytes: T.Integer({ minimum: 1024, maximum: 1_073_741_824 }),
	/** Load-generator health (docs/architecture.md §5): average CPU % (100 = one core) at which a run's latencies are suspect. */
	healthMaxCpuPct: T.Integer({ minimum: 1, maximum: 10_000 }),
	/** Event-loop lag p99 (ms) at which a run's latencies are suspect. */
	healthMaxLagMs: T.Integer({ minimum: 1, maximum: 60_000 }),
	/** The longest load model (`executionConfig.load`) a session may run, in seconds (docs/architecture.md §4). */
	maxLoadDurationSec: T.Integer({ minimum: 1, maximum: 31_536_000 }),
	/** Where embedded PGlite runs: its own worker thread (default) or the engine's thread (docs/architecture.md §3). */
	pgliteThread: T.Union([T.Literal('worker'), T.Literal('main')]),
})
export type Config = Static<typeof ConfigSchema>

export class ConfigError extends Error {
	constructor(readonly problems: string[]) {
		super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
		this.name = 'ConfigError'
	}
}

/** Cloud metadata endpoints: never a legitimate chatbot target (docs/architecture.md §8). */
export const DEFAULT_DENY_LIST = BUILTIN_DENY_LIST

/** 4 MiB: a scenario with hundreds of steps is well under 1 MB; a 50 MB body doubled the RSS. */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024

type Env = Record<string, string | undefined>

const ENV_NAMES: Record<keyof Config, string> = {
	port: 'PORT',
	host: 'HOST',
	databaseUrl: 'DATABASE_URL',
	dataDir: 'KRAWALL_DATA_DIR',
	redisUrl: 'REDIS_URL',
	encryptionKey: 'KRAWALL_ENCRYPTION_KEY',
	workerConcurrency: 'KRAWALL_WORKER_CONCURRENCY',
	logLevel: 'LOG_LEVEL',
	apiToken: 'KRAWALL_API_TOKEN',
	urlDenyList: 'KRAWALL_URL_DENYLIST',
	workerStallMs: 'KRAWALL_WORKER_STALL_MS',
	dbOutageMs: 'KRAWALL_DB_OUTAGE_MS',
	sweepMs: 'KRAWALL_SWEEP_MS',
	redisPrefix: 'KRAWALL_REDIS_PREFIX',
	maxBodyBytes: 'KRAWALL_MAX_BODY_BYTES',
	allowedHosts: 'KRAWALL_ALLOWED_HOSTS',
	secureCookie: 'KRAWALL_SECURE_COOKIE',
	maxReplyBytes: 'KRAWALL_MAX_REPLY_BYTES',
	healthMaxCpuPct: 'KRAWALL_HEALTH_MAX_CPU_PCT',
	healthMaxLagMs: 'KRAWALL_HEALTH_MAX_LAG_MS',
	maxLoadDurationSec: 'KRAWALL_MAX_LOAD_DURATION_SEC',
	pgliteThread: 'KRAWALL_PGLITE_THREAD',
}

/** Comma-separated entries (the deny list's extend the built-in list, `-builtin` drops it). */
const denyEntries = (v: string | undefined) =>
	(v ?? '')
		.split(',')
		.map((s) => s.trim())
		.filter(Boolean)

const blank = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim())

function intOrRaw(v: string | undefined, fallback: number): unknown {
	const s = blank(v)
	if (s === undefined) return fallback
	return /^-?\d+$/.test(s) ? Number(s) : s
}

function boolOrRaw(v: string | undefined, fallback: boolean): unknown {
	const s = blank(v)?.toLowerCase()
	if (s === undefined) return fallback
	return s === 'true' || s === '1' ? true : s === 'false' || s === '0' ? false : s
}

/** Decodes a 32-byte key given as base64 or hex; anything else is refused. */
export function decodeKey(raw: string): Uint8Array | undefined {
	if (/^[0-9a-fA-F]{64}$/.test(raw)) return Uint8Array.from(Buffer.from(raw, 'hex'))
	if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(raw)) {
		const buf = Buffer.from(raw, 'base64')
		if (buf.length === 32) return Uint8Array.from(buf)
	}
	return undefined
}

function checkUrl(
	value: string | undefined,
	name: string,
	protocols: string[],
	problems: string[],
) {
	if (value === undefined) return
	try {
		const u = new URL(value)
		if (!protocols.includes(u.protocol)) {
			problems.push(
				`${name}: protocol must be one of ${protocols.join(', ')} (got "${u.protocol}")`,
			)
		} else if (!u.hostname) {
			problems.push(`${name}: host is missing`)
		}
	} catch {
		problems.push(`${name}: not a valid URL`)
	}
}

/** The literals a union of literals allows (LOG_LEVEL), so an error can list them; else undefined. */
function allowedValues(schema: { anyOf?: { const?: unknown }[] }): string[] | undefined {
	const options = schema.anyOf?.map((s) => s.const)
	if (!options?.length || options.some((o) => o === undefined)) return undefined
	return options.map(String)
}

/** Builds the configuration from an environment; throws ConfigError listing every problem at once. */
export function loadConfig(env: Env): Config {
	const candidate = {
		port: intOrRaw(env.PORT, 3000),
		host: blank(env.HOST) ?? '127.0.0.1',
		databaseUrl: blank(env.DATABASE_URL),
		dataDir: blank(env.KRAWALL_DATA_DIR) ?? './data',
		redisUrl: blank(env.REDIS_URL),
		encryptionKey: blank(env.KRAWALL_ENCRYPTION_KEY),
		workerConcurrency: intOrRaw(env.KRAWALL_WORKER_CONCURRENCY, 4),
		logLevel: (blank(env.LOG_LEVEL) ?? 'info').toLowerCase(),
		apiToken: blank(env.KRAWALL_API_TOKEN),
		urlDenyList: effectiveDenyList(denyEntries(env.KRAWALL_URL_DENYLIST)),
		workerStallMs: intOrRaw(env.KRAWALL_WORKER_STALL_MS, 30_000),
		dbOutageMs: intOrRaw(env.KRAWALL_DB_OUTAGE_MS, 60_000),
		sweepMs: intOrRaw(env.KRAWALL_SWEEP_MS, 30_000),
		redisPrefix: blank(env.KRAWALL_REDIS_PREFIX) ?? 'krawall',
		maxBodyBytes: intOrRaw(env.KRAWALL_MAX_BODY_BYTES, DEFAULT_MAX_BODY_BYTES),
		allowedHosts: denyEntries(env.KRAWALL_ALLOWED_HOSTS),
		secureCookie: boolOrRaw(env.KRAWALL_SECURE_COOKIE, false),
		maxReplyBytes: intOrRaw(env.KRAWALL_MAX_REPLY_BYTES, DEFAULT_MAX_REPLY_BYTES),
		healthMaxCpuPct: intOrRaw(env.KRAWALL_HEALTH_MAX_CPU_PCT, 80),
		healthMaxLagMs: intOrRaw(env.KRAWALL_HEALTH_MAX_LAG_MS, 50),
		maxLoadDurationSec: intOrRaw(env.KRAWALL_MAX_LOAD_DURATION_SEC, 86_400),
		pgliteThread: (blank(env.KRAWALL_PGLITE_THREAD) ?? 'worker').toLowerCase(),
	}
	const problems: string[] = []
	for (const e of Value.Errors(ConfigSchema, candidate)) {
		const key = e.path.replace(/^\//, '').split('/')[0] as keyof Config
		const name = ENV_NAMES[key] ?? key
		const shown = JSON.stringify(e.value)
		const allowed = allowedValues(e.schema as { anyOf?: { const?: unknown }[] })
		const message = allowed ? `must be one of ${allowed.join(', ')}` : e.message
		problems.push(`${name}: ${message}${e.value === undefined ? '' : ` (got ${shown})`}`)
	}
	for (const entry of denyEntries(env.KRAWALL_URL_DENYLIST)) {
		const p = denyEntryProblem(entry)
		if (p) problems.push(`KRAWALL_URL_DENYLIST: ${p}`)
	}
	checkUrl(candidate.databaseUrl, 'DATABASE_URL', ['postgres:', 'postgresql:'], problems)
	checkUrl(candidate.redisUrl, 'REDIS_URL', ['redis:', 'rediss:'], problems)
	if (candidate.encryptionKey !== undefined && !decodeKey(candidate.encryptionKey)) {
		problems.push('KRAWALL_ENCRYPTION_KEY: must be 32 bytes, as 64 hex characters or base64')
	}
	if (problems.length) throw new ConfigError([...new Set(problems)])
	return candidate as Config
}
