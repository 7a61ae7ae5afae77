import { describe, expect, test } from 'bun:test'
import { ConfigError, DEFAULT_DENY_LIST, loadConfig } from '../src/config'

describe('config', () => {
	test('defaults: embedded mode on 127.0.0.1:3000', () => {
		const c = loadConfig({})
		expect(c).toMatchObject({
			port: 3000,
			host: '127.0.0.1',
			dataDir: './data',
			workerConcurrency: 4,
			logLevel: 'info',
		})
		expect(c.databaseUrl).toBeUndefined()
		expect(c.redisUrl).toBeUndefined()
		expect(c.urlDenyList).toEqual(DEFAULT_DENY_LIST)
	})

	test('reads every variable', () => {
		const key = Buffer.alloc(32, 7).toString('hex')
		const c = loadConfig({
			PORT: '8080',
			HOST: '0.0.0.0',
			DATABASE_URL: 'postgres://u@db:5432/k',
			KRAWALL_DATA_DIR: '/var/krawall',
			REDIS_URL: 'redis://r:6379',
			KRAWALL_ENCRYPTION_KEY: key,
			KRAWALL_WORKER_CONCURRENCY: '12',
			LOG_LEVEL: 'WARN',
		})
		expect(c).toMatchObject({
			port: 8080,
			host: '0.0.0.0',
			databaseUrl: 'postgres://u@db:5432/k',
			dataDir: '/var/krawall',
			redisUrl: 'redis://r:6379',
			encryptionKey: key,
			workerConcurrency: 12,
			logLevel: 'warn',
		})
	})

	test('reports every problem at once', () => {
		let err: ConfigError | undefined
		try {
			loadConfig({
				PORT: 'abc',
				DATABASE_URL: 'not a url',
				REDIS_URL: 'http://x',
				KRAWALL_ENCRYPTION_KEY: 'AAAAAAA=',
				KRAWALL_WORKER_CONCURRENCY: '0',
				LOG_LEVEL: 'loud',
			})
		} catch (e) {
			err = e as ConfigError
		}
		expect(err).toBeInstanceOf(ConfigError)
		const text = err!.problems.join('\n')
		for (const name of [
			'PORT',
			'DATABASE_URL',
			'REDIS_URL',
			'KRAWALL_ENCRYPTION_KEY',
			'KRAWALL_WORKER_CONCURRENCY',
			'LOG_LEVEL',
		]) {
			expect(text).toContain(name)
		}
		expect(err!.problems.length).toBeGreaterThanOrEqual(6)
	})

	test('a value outside a fixed set is refused with the allowed values listed', () => {
		expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(
			'LOG_LEVEL: must be one of debug, info, warn, error, silent (got "loud")',
		)
	})

	test('accepts a base64 32-byte key and refuses a 5-byte one', () => {
		expect(
			loadConfig({ KRAWALL_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64') }).encryptionKey,
		).toBeDefined()
		expect(() =>
			loadConfig({ KRAWALL_ENCRYPTION_KEY: Buffer.from('12345').toString('base64') }),
		).toThrow(/KRAWALL_ENCRYPTION_KEY: must be 32 bytes/)
	})

	test('KRAWALL_MAX_REPLY_BYTES: 10 MiB by default, set in bytes, bounded', () => {
		expect(loadConfig({}).maxReplyBytes).toBe(10 * 1024 * 1024)
		expect(loadConfig({ KRAWALL_MAX_REPLY_BYTES: '65536' }).maxReplyBytes).toBe(65536)
		expect(() => loadConfig({ KRAWALL_MAX_REPLY_BYTES: '10' })).toThrow(/KRAWALL_MAX_REPLY_BYTES/)
		expect(() => loadConfig({ KRAWALL_MAX_REPLY_BYTES: '10MB' })).toThrow(/KRAWALL_MAX_REPLY_BYTES/)
	})

	test('port out of range', () => {
		expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT/)
	})

	test('KRAWALL_URL_DENYLIST extends the built-in list; -builtin drops it; bad entries refused', () => {
		expect(
			loadConfig({ KRAWALL_URL_DENYLIST: '10.0.0.0/8, internal.example' }).urlDenyList,
		).toEqual([...DEFAULT_DENY_LIST, '10.0.0.0/8', 'internal.example'])
		expect(loadConfig({ KRAWALL_URL_DENYLIST: '-builtin,127.0.0.0/8' }).urlDenyList).toEqual([
			'127.0.0.0/8',
		])
		expect(loadConfig({ KRAWALL_URL_DENYLIST: '-builtin' }).urlDenyList).toEqual([])
		expect(() => loadConfig({ KRAWALL_URL_DENYLIST: '10/8,fd00::/200' })).toThrow(
			/KRAWALL_URL_DENYLIST: "10\/8" is not a valid address or CIDR range/,
		)
	})
})
