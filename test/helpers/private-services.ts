import { spawnSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The newest installed Postgres's bin directory, or undefined (the fault tests then skip). */
export function postgresBin(): string | undefined {
	const root = '/usr/lib/postgresql'
	if (!existsSync(root)) return undefined
	const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a))
	for (const v of versions) {
		const bin = join(root, v, 'bin')
		if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin
	}
	return undefined
}

/** A free loopback port (bound and released). */
export function sparePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const s = createServer()
		s.once('error', reject)
		s.listen(0, '127.0.0.1', () => {
			const port = (s.address() as { port: number }).port
			s.close(() => resolve(port))
		})
	})
}

/**
 * A private Postgres for a fault test: its own data dir and port, never the shared instance.
 * Postgres refuses to run as root, so as root it runs as the `postgres` user.
 */
export async function startPrivatePostgres(bin: string) {
	const dir = mkdtempSync(join(tmpdir(), 'krawall-pg-'))
	const data = join(dir, 'data')
	const port = await sparePort()
	const asRoot = process.getuid?.() === 0
	if (asRoot) {
		const pw = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' })
		const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' })
		chownSync(dir, Number(pw.stdout.trim()), Number(gid.stdout.trim()))
	}
	const run = (cmd: string, args: string[]) => {
		const r = asRoot
			? spawnSync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], {
					encoding: 'utf8',
				})
			: spawnSync(join(bin, cmd), args, { encoding: 'utf8' })
		if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`)
	}
	run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'])
	const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off`
	const start = () => run('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', 'start'])
	const stop = () => run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'])
	start()
	return {
		url: `postgres://postgres@127.0.0.1:${port}/postgres`,
		start,
		stop,
		async destroy() {
			try {
				stop()
			} catch {
				// already stopped
			}
			rmSync(dir, { recursive: true, force: true })
		},
	}
}

/** The redis-server binary on PATH, or undefined (the fault tests then skip). */
export const redisServerBin = () => Bun.which('redis-server') ?? undefined

/**
 * A private redis-server without persistence (`--save "" --appendonly no`) on a spare port:
 * a restart loses every key, as a Redis without persistence does.
 */
export async function startPrivateRedis(bin: string) {
	const port = await sparePort()
	let proc: ReturnType<typeof Bun.spawn> | undefined
	const start = async () => {
		proc = Bun.spawn(
			[bin, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
			{ stdout: 'ignore', stderr: 'ignore' },
		)
		const end = Date.now() + 10_000
		for (;;) {
			const r = Bun.spawnSync(['redis-cli', '-p', String(port), 'ping'])
			if (r.stdout.toString().trim() === 'PONG') return
			if (Date.now() > end) throw new Error('private redis-server did not start')
			await Bun.sleep(50)
		}
	}
	const stop = async () => {
		proc?.kill('SIGKILL')
		await proc?.exited
		proc = undefined
	}
	await start()
	return { url: `redis://127.0.0.1:${port}`, port, start, stop }
}
