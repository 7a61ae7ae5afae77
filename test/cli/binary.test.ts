import { beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { migrations } from '../../src/db/migrations.gen'
import { startListening, stop } from '../helpers/process'

/**
 * The compiled executable, run as a user would: an empty folder, an empty environment.
 * `bun run build` happens once here (CI runs it too, and smoke-tests the result again).
 */
const root = join(import.meta.dir, '../..')
const binary = join(root, 'dist/krawall')

const run = (args: string[], env: Record<string, string> = {}) => {
	const r = Bun.spawnSync([binary, ...args], {
		env,
		cwd: mkdtempSync(join(tmpdir(), 'krawall-cli-')),
	})
	return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() }
}

beforeAll(() => {
	const r = Bun.spawnSync(['bun', 'run', 'build'], { cwd: root, stdout: 'pipe', stderr: 'pipe' })
	if (r.exitCode !== 0) throw new Error(`build failed:\n${r.stderr}`)
}, 120_000)

describe('krawall binary', () => {
	test('--version and --help', () => {
		const v = run(['--version'])
		expect(v.code).toBe(0)
		expect(v.out).toMatch(/^krawall \d+\.\d+\.\d+/)
		const h = run(['--help'])
		expect(h.code).toBe(0)
		for (const word of ['--worker', '--no-worker', 'migrate', 'mock', 'DATABASE_URL'])
			expect(h.out).toContain(word)
	})

	test('bad configuration stops with every problem listed, exit 2, no stack trace', () => {
		const r = run([], {
			PORT: 'abc',
			DATABASE_URL: 'postgres//nope',
			KRAWALL_ENCRYPTION_KEY: Buffer.from('12345').toString('base64'),
		})
		expect(r.code).toBe(2)
		expect(r.err).toContain('Invalid configuration')
		expect(r.err).toContain('PORT')
		expect(r.err).toContain('DATABASE_URL')
		expect(r.err).toContain('KRAWALL_ENCRYPTION_KEY: must be 32 bytes')
		expect(r.err).not.toMatch(/\n\s+at /)
	})

	test('unknown arguments and --worker without Redis are refused clearly', () => {
		const u = run(['--frobnicate'])
		expect(u.code).toBe(2)
		expect(u.err).toContain('unknown argument: --frobnicate')
		const w = run(['--worker'])
		expect(w.code).toBe(2)
		expect(w.err).toContain('--worker needs REDIS_URL')
	})

	test('empty folder, empty environment: healthy on PGlite, data kept across a restart', async () => {
		const cwd = mkdtempSync(join(tmpdir(), 'krawall-bin-'))
		const env = { PORT: '0' }
		let targetId = ''
		const first = await startListening([binary], { cwd, env })
		try {
			const health = await (await fetch(`${first.url}/api/health`)).json()
			expect(health.status).toBe('healthy')
			expect(health.services.database.status).toBe('healthy')
			expect(health.services.redis).toEqual({ status: 'disabled' })
			const home = await fetch(`${first.url}/`)
			expect(home.status).toBe(200)
			expect(await home.text()).toContain('Krawall')
			// The committed icon travels inside the executable.
			const icon = await fetch(`${first.url}/favicon.svg`)
			expect(icon.headers.get('content-type')).toBe('image/svg+xml')
			expect(await icon.text()).toContain('<svg')
			// The API document and its reference page are served by the executable too.
			const spec = await (await fetch(`${first.url}/api/openapi.json`)).json()
			expect(spec.openapi).toBe('3.1.0')
			expect(spec.paths['/api/sessions/{id}'].get).toBeDefined()
			const docs = await fetch(`${first.url}/api/docs`)
			expect(docs.headers.get('content-type')).toContain('text/html')
			expect(await docs.text()).toContain('/api/execute')
			const created = await fetch(`${first.url}/api/targets`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({
					name: 'survives restarts',
					connectorType: 'HTTP_REST',
					endpoint: 'https://api.example.com/chat',
					authType: 'BEARER_TOKEN',
					authConfig: { token: 'persisted-token-0123456789' },
					requestTemplate: { messagePath: 'message' },
					responseTemplate: { responsePath: 'reply' },
				}),
			})
			expect(created.status).toBe(201)
			targetId = (await created.json()).data.id
		} finally {
			expect(await stop(first)).toBe(0)
		}
		expect(existsSync(join(cwd, 'data/pglite/PG_VERSION'))).toBe(true)
		expect(existsSync(join(cwd, 'data/encryption.key'))).toBe(true)
		expect(first.stderr()).toContain('SIGTERM received, shutting down')

		const second = await startListening([binary], { cwd, env })
		try {
			const health = await (await fetch(`${second.url}/api/health`)).json()
			expect(health.status).toBe('healthy')
			// The target and its credentials (sealed with the generated key file) survived the restart.
			const target = await (await fetch(`${second.url}/api/targets/${targetId}`)).json()
			expect(target.data).toMatchObject({
				name: 'survives restarts',
				authConfig: { token: 'pers...6789' },
			})
		} finally {
			expect(await stop(second)).toBe(0)
		}
	}, 60_000)

	test('serves as one process: no wrapper child (the connectors need no BUN_CONFIG_MAX_HTTP_REQUESTS)', async () => {
		const cwd = mkdtempSync(join(tmpdir(), 'krawall-one-process-'))
		const r = await startListening([binary], { cwd, env: { PORT: '0' } })
		try {
			const children = (await Bun.file(`/proc/${r.proc.pid}/task/${r.proc.pid}/children`).text())
				.trim()
				.split(/\s+/)
				.filter(Boolean)
			expect(children).toEqual([])
			const health = await fetch(`${r.url}/api/health`)
			expect(health.status).toBe(200)
		} finally {
			expect(await stop(r)).toBe(0)
		}
	}, 30_000)

	test('mock --api-key checks credentials like a real provider', async () => {
		const port = 20000 + Math.floor(Math.random() * 20000)
		const proc = Bun.spawn([binary, 'mock', '--port', String(port), '--api-key', 'sk-mock-123'], {
			env: {},
			stdout: 'ignore',
			stderr: 'ignore',
		})
		try {
			const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
			const post = (headers: Record<string, string>) =>
				fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
					method: 'POST',
					body,
					headers: { 'content-type': 'application/json', ...headers },
				})
			let res: Response | undefined
			for (let i = 0; i < 100 && !res; i++)
				res = await post({}).catch(() => Bun.sleep(100).then(() => undefined))
			expect(res!.status).toBe(401)
			const ok = await post({ authorization: 'Bearer sk-mock-123' })
			expect(ok.status).toBe(200)
			expect((await ok.json()).choices[0].message.content.length).toBeGreaterThan(0)
		} finally {
			proc.kill('SIGTERM')
			await proc.exited
		}
	}, 30_000)

	test('mock --help says it also binds gRPC on port + 1 and names --grpc-port', () => {
		const h = run(['mock', '--help'])
		expect(h.code).toBe(0)
		expect(h.out).toContain('krawall mock [--port N] [--grpc-port N] [--api-key K]')
		expect(h.out).toContain('gRPC on --grpc-port (default: the HTTP port + 1, so 4011)')
		const bad = run(['mock', '--grpc-port', 'x'])
		expect(bad.code).toBe(2)
		expect(bad.err).toContain('--grpc-port needs a number 0-65535 (got x)')
	})

	test('mock --grpc-port binds gRPC where asked and logs both addresses', async () => {
		const port = 20000 + Math.floor(Math.random() * 20000)
		const grpcPort = port + 7
		const r = await startListening([
			binary,
			'mock',
			'--port',
			String(port),
			'--grpc-port',
			String(grpcPort),
		])
		try {
			expect(r.url).toBe(`http://127.0.0.1:${port}`)
			expect(r.stderr()).toContain(`"grpc":"127.0.0.1:${grpcPort}"`)
		} finally {
			expect(await stop(r)).toBe(0)
		}
	}, 30_000)

	test('migrate on an empty folder creates the database from the embedded snapshot, then reports up to date', () => {
		const cwd = mkdtempSync(join(tmpdir(), 'krawall-mig-'))
		const a = Bun.spawnSync([binary, 'migrate'], { cwd, env: {} })
		expect(a.exitCode).toBe(0)
		// Every migration is in the database: from the snapshot built into the binary (no initdb).
		expect(a.stdout.toString()).toContain(
			`created from the embedded snapshot: ${migrations.map((m) => m.tag).join(', ')}`,
		)
		expect(existsSync(join(cwd, 'data/pglite/PG_VERSION'))).toBe(true)
		const b = Bun.spawnSync([binary, 'migrate'], { cwd, env: {} })
		expect(b.stdout.toString()).toContain('database is up to date')
	}, 60_000)
})
