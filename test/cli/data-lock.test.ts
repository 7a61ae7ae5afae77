import { afterAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startMockServer } from '../../src/mock/server'
import { startListening, stop } from '../helpers/process'

const MAIN = join(import.meta.dir, '../../src/main.ts')
const dirs: string[] = []
afterAll(() => {
	for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

/** The environment of an embedded krawall on `dataDir` (no DATABASE_URL, no REDIS_URL). */
function env(dataDir: string): Record<string, string> {
	return { PATH: process.env.PATH ?? '', KRAWALL_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1' }
}

async function runProcess(args: string[], dataDir: string) {
	const p = Bun.spawn(['bun', MAIN, ...args], {
		env: { ...env(dataDir), MOCK_API_KEY: 'mock-key-12345' },
		stdin: 'ignore',
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

describe('one process per embedded data folder', () => {
	test('krawall run beside a running server refuses, naming the folder and the server’s pid; nothing is lost', async () => {
		const dataDir = mkdtempSync(join(tmpdir(), 'krawall-lock-'))
		dirs.push(dataDir)
		const mock = await startMockServer({ port: 0, grpcPort: false })
		const server = await startListening(['bun', MAIN, 'serve'], {
			env: env(dataDir),
			timeoutMs: 90_000,
		})
		try {
			const lock = JSON.parse(readFileSync(join(dataDir, 'krawall.lock'), 'utf8'))
			expect(lock.pid).toBe(server.proc.pid)
			const second = await runProcess(
				['run', '--preset', 'custom-http', '--endpoint', mock.url, '--message', 'hi'],
				dataDir,
			)
			expect(second.code).not.toBe(0)
			expect(second.err).toContain(`the data folder ${dataDir} is in use`)
			expect(second.err).toContain(`pid ${server.proc.pid}`)
			expect(second.err).toContain('krawall serve')
			// It sent nothing and the server's folder is still the server's.
			expect(mock.stats.requests).toBe(0)
			expect(JSON.parse(readFileSync(join(dataDir, 'krawall.lock'), 'utf8')).pid).toBe(
				server.proc.pid,
			)
			// A second server is refused the same way.
			const serve2 = await runProcess(['serve'], dataDir)
			expect(serve2.code).not.toBe(0)
			expect(serve2.err).toContain(`pid ${server.proc.pid}`)
			// The running server still works.
			const health = await fetch(`${server.url}/api/health`)
			expect(health.status).toBe(200)
		} finally {
			expect(await stop(server)).toBe(0)
			await mock.stop()
		}
		// A clean stop releases the folder; the next process starts and runs against the mock.
		expect(existsSync(join(dataDir, 'krawall.lock'))).toBe(false)
		const mock2 = await startMockServer({ port: 0, grpcPort: false, apiKey: 'mock-key-12345' })
		try {
			const r = await runProcess(
				[
					'run',
					'--preset',
					'custom-http',
					'--endpoint',
					mock2.url,
					'--api-key-env',
					'MOCK_API_KEY',
					'--message',
					'hi',
					'--json',
				],
				dataDir,
			)
			expect(r.err, r.err + r.out).not.toContain('is in use')
			expect(mock2.stats.requests, r.err + r.out).toBe(1)
		} finally {
			await mock2.stop()
		}
	}, 180_000)

	test('a lock left by a dead process is taken over', async () => {
		const dataDir = mkdtempSync(join(tmpdir(), 'krawall-lock-'))
		dirs.push(dataDir)
		// A pid that is certainly gone: a process that has already exited.
		const dead = Bun.spawnSync(['true'])
		expect(dead.exitCode).toBe(0)
		writeFileSync(
			join(dataDir, 'krawall.lock'),
			JSON.stringify({
				pid: dead.pid,
				command: 'krawall serve',
				startedAt: '2026-01-01T00:00:00Z',
			}),
		)
		const r = await runProcess(['migrate'], dataDir)
		expect(r.err).toBe('')
		expect(r.code).toBe(0)
		// The new folder was created (from the embedded snapshot, every migration in it).
		expect(r.out).toContain('created from the embedded snapshot: 0000_init')
		expect(existsSync(join(dataDir, 'pglite/PG_VERSION'))).toBe(true)
		expect(existsSync(join(dataDir, 'krawall.lock'))).toBe(false)
	}, 180_000)
})
