/**
 * A Krawall process for the benchmarks (bench/engine.ts, bench/hotpath.ts, bench/viewers.ts): started as its own
 * process (`bun src/main.ts`, or a binary) until /api/health answers, its CPU and RSS read from
 * /proc, its API called, a target on the in-process mock created.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import postgres from 'postgres'
import type { MockServer } from '../src/mock/server'
import { findPreset } from '../src/presets/presets'

export const KEY = 'bench-key-0123456789'

export const pct = (sorted: number[], q: number) =>
	sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN
export const median = (xs: number[]) =>
	pct(
		[...xs].sort((a, b) => a - b),
		0.5,
	)
export type Krawall = {
	proc: Bun.Subprocess<'ignore', 'ignore', 'pipe'>
	url: string
	startMs: number
	stderr: () => string
}

/** Starts a Krawall process and waits until /api/health answers 200. */
export async function startKrawall(
	cmd: string[],
	env: Record<string, string>,
	cwd?: string,
): Promise<Krawall> {
	const t0 = performance.now()
	const proc = Bun.spawn(cmd, { env, cwd, stdin: 'ignore', stdout: 'ignore', stderr: 'pipe' })
	let err = ''
	const decoder = new TextDecoder()
	void (async () => {
		for await (const chunk of proc.stderr as unknown as AsyncIterable<Uint8Array>)
			err += decoder.decode(chunk)
	})().catch(() => {})
	for (;;) {
		if (performance.now() - t0 > 60_000 || proc.exitCode !== null) {
			proc.kill()
			throw new Error(`krawall did not become healthy:\n${err}`)
		}
		const m = /"msg":"[^"]*listening","url":"([^"]+)"/.exec(err)
		if (m) {
			const ok = await fetch(`${m[1]}/api/health`)
				.then((r) => r.status === 200)
				.catch(() => false)
			if (ok) return { proc, url: m[1]!, startMs: performance.now() - t0, stderr: () => err }
		}
		await Bun.sleep(5)
	}
}

export async function stopKrawall(k: Krawall) {
	k.proc.kill('SIGTERM')
	const code = await k.proc.exited
	if (code !== 0) console.error(`krawall exited ${code}:\n${k.stderr().slice(-2000)}`)
}

export const rssOf = async (pid: number, field: 'VmRSS' | 'VmHWM') => {
	const status = await Bun.file(`/proc/${pid}/status`).text()
	return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN) / 1024
}
export const cpuMsOf = async (pid: number) => {
	const f = (await Bun.file(`/proc/${pid}/stat`).text()).split(') ')[1]!.split(' ')
	return ((Number(f[11]) + Number(f[12])) * 1000) / 100 // utime + stime, in clock ticks of 10 ms
}

export async function api(k: Krawall, method: string, path: string, body?: unknown) {
	const res = await fetch(`${k.url}${path}`, {
		method,
		headers: body ? { 'content-type': 'application/json' } : {},
		body: body ? JSON.stringify(body) : undefined,
	})
	const json = (await res.json()) as { data: any }
	if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`)
	return json
}

/** A target on the mock (openai-chat preset, bearer KEY) at `path`; its id. */
export async function createMockTarget(k: Krawall, mock: MockServer, path: string, name: string) {
	const p = findPreset('openai-chat')!
	const r = await api(k, 'POST', '/api/targets', {
		name,
		connectorType: p.connectorType,
		endpoint: mock.url,
		authType: 'BEARER_TOKEN',
		authConfig: { token: KEY },
		requestTemplate: p.requestTemplate,
		responseTemplate: p.responseTemplate,
		protocolConfig: { ...p.protocolConfig, path },
	})
	return r.data.id as string
}

/** The environment of a bench's Krawall process: its own home and data folder in `dir`. */
export const krawallEnv = (
	dir: string,
	extra: Record<string, string> = {},
): Record<string, string> => ({
	PATH: process.env.PATH ?? '',
	HOME: dir,
	PORT: '0',
	HOST: '127.0.0.1',
	KRAWALL_DATA_DIR: join(dir, 'data'),
	KRAWALL_WORKER_CONCURRENCY: '100',
	...extra,
})

/**
 * What a bench creates and removes: its data folders and (with a Postgres URL) its databases,
 * dropped by `cleanup` at the end, on failure and on Ctrl-C.
 */
export function benchScratch(pgUrl: string | undefined) {
	const admin = pgUrl ? postgres(pgUrl, { max: 1, onnotice: () => {} }) : undefined
	const created: string[] = []
	const dirs: string[] = []
	const cleanup = async () => {
		for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
		for (const db of created.splice(0))
			await admin!.unsafe(`drop database if exists ${db} with (force)`).catch(() => {})
	}
	process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)))
	return { admin, created, dirs, cleanup }
}
